package spine.model.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The parser's side of the shared spec table (src/test/resources/spec-table): every refused case is refused with its
 * message, every accepted case parses. The controller's SchemaTest runs the same table against docs/schema, so the
 * two can no longer drift apart.
 */
class SpecTableTest {
    static final Path TABLE = Path.of("src/test/resources/spec-table");

    static List<Path> cases(String which) throws IOException {
        try (Stream<Path> s = Files.list(TABLE.resolve(which))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyRefusedCaseIsRefusedWithItsMessage() throws IOException {
        List<Path> refused = cases("refused");
        assertThat(refused).hasSizeGreaterThan(25);
        var wrong = new java.util.ArrayList<String>();
        for (Path f : refused) {
            String text = Files.readString(f);
            String want = text.lines().findFirst().orElseThrow().replaceFirst("^# refused: ", "");
            SpecParser.Result r = SpecParser.parse(f.getFileName().toString(), text);
            if (r.errors().isEmpty() || !r.errors().toString().contains(want)) wrong.add(f.getFileName() + ": " + r.errors());
        }
        assertThat(wrong).as("cases refused without their message").isEmpty();
    }

    @Test
    void everyAcceptedCaseParses() throws IOException {
        for (Path f : cases("accepted")) {
            SpecParser.Result r = SpecParser.parse(f.getFileName().toString(), Files.readString(f));
            assertThat(r.errors()).as(f.getFileName().toString()).isEmpty();
            assertThat(r.specs()).hasSize(1);
        }
    }
}
