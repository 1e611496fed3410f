package spine.controller.state;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import spine.model.spec.SpecError;

/**
 * Reads the spec files a user names with {@code -f}: files, or directories searched for *.yaml and *.yml
 * in sorted order. Every file read in Spine goes through this package, so the architecture rule stays simple.
 */
public final class SpecFiles {
    private static final long MAX_FILE = 64L << 20;

    public record Source(String name, String text) {}

    public record Read(List<Source> sources, List<SpecError> errors) {}

    private SpecFiles() {}

    /**
     * The lines of a log a user names (a serial console log for {@code spine boot timeline}), read as bytes: such a log
     * holds escape sequences and whatever else the console printed, none of which may stop the read. At most
     * 64 MiB.
     */
    public static List<String> logLines(Path file) throws IOException {
        if (Files.size(file) > MAX_FILE) throw new IOException(file + " is larger than 64 MiB");
        return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).lines().toList();
    }

    public static Read read(List<String> paths) {
        var sources = new ArrayList<Source>();
        var errors = new ArrayList<SpecError>();
        for (String arg : paths) {
            Path p = Path.of(arg);
            if (Files.isDirectory(p)) {
                List<Path> files;
                try (Stream<Path> walk = Files.walk(p)) {
                    files = walk.filter(Files::isRegularFile)
                            .filter(f -> !f.getFileName().toString().startsWith("."))
                            .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                            .sorted().toList();
                } catch (IOException e) {
                    errors.add(new SpecError(arg, 1, 1, "cannot list directory: " + e.getMessage()));
                    continue;
                }
                if (files.isEmpty()) errors.add(new SpecError(arg, 1, 1, "directory holds no *.yaml or *.yml files; point -f at spec files"));
                for (Path f : files) readOne(f, sources, errors);
            } else {
                readOne(p, sources, errors);
            }
        }
        return new Read(sources, errors);
    }

    private static void readOne(Path f, List<Source> sources, List<SpecError> errors) {
        String name = f.toString();
        try {
            if (!Files.exists(f)) {
                errors.add(new SpecError(name, 1, 1, "no such file; check the path given to -f"));
                return;
            }
            if (Files.size(f) > MAX_FILE) {
                errors.add(new SpecError(name, 1, 1, "file is over 64 MiB; spec files are small, so this is not one"));
                return;
            }
            byte[] bytes = Files.readAllBytes(f);
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
            sources.add(new Source(name, text));
        } catch (CharacterCodingException e) {
            errors.add(new SpecError(name, 1, 1, "file is not UTF-8 text; save it as UTF-8"));
        } catch (IOException e) {
            errors.add(new SpecError(name, 1, 1, "cannot read file: " + e.getMessage()));
        }
    }
}
