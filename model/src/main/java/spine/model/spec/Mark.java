package spine.model.spec;

/** Where a YAML node starts; lines and columns count from 1. */
public record Mark(String file, int line, int column) {
    public SpecError error(String message) {
        return new SpecError(file, line, column, message);
    }
}
