package spine.model.spec;

/** One problem in the input, located: prints as {@code file:line:col: what is wrong; what would be right}. */
public record SpecError(String file, int line, int column, String message) implements Comparable<SpecError> {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }

    @Override
    public int compareTo(SpecError o) {
        int c = file.compareTo(o.file);
        if (c == 0) c = Integer.compare(line, o.line);
        if (c == 0) c = Integer.compare(column, o.column);
        return c != 0 ? c : message.compareTo(o.message);
    }
}
