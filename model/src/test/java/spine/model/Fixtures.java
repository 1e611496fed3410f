package spine.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.ThrowingConsumer;

import spine.model.spec.SpecBatch;
import spine.model.spec.SpecParser;

/** Loads golden inputs with the production parser and the recorded-snapshot form of observed state. */
public final class Fixtures {
    /** In observed.json, this spec-hash label value stands for the hash of the matching desired spec. */
    public static final String DESIRED_HASH = "@desired";

    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    private Fixtures() {}

    /** A dynamic test of {@code check} per case directory under {@code root}, sorted; there must be {@code atLeast}. */
    public static Stream<DynamicTest> cases(Path root, int atLeast, ThrowingConsumer<Path> check) throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(root)) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertThat(cases).as("golden cases under " + root).hasSizeGreaterThanOrEqualTo(atLeast);
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check.accept(dir)));
    }

    /**
     * {@code lines} must be the golden file's lines; {@code -Dgolden.update=true} rewrites the file instead and fails,
     * so a rewrite is always a deliberate act.
     */
    public static void golden(Path file, List<String> lines) throws IOException {
        String actual = String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
        if (UPDATE) {
            Files.writeString(file, actual, java.nio.charset.StandardCharsets.UTF_8);
            throw new AssertionError("rewrote " + file + "; review the diff, then run again without -Dgolden.update");
        }
        assertThat(actual).as(file.toString()).isEqualTo(Files.readString(file));
    }

    public static DesiredState desired(Path yaml) throws IOException {
        String file = yaml.getFileName().toString();
        SpecParser.Result r = SpecParser.parse(file, Files.readString(yaml));
        if (!r.ok()) throw new AssertionError("golden desired.yaml does not parse: " + r.errors());
        var specs = r.specs().stream().map(SpecParser.Located::spec).toList();
        return DesiredState.of(specs);
    }

    public static DesiredState desiredChecked(Path yaml) throws IOException {
        SpecParser.Result r = SpecParser.parse(yaml.getFileName().toString(), Files.readString(yaml));
        var errors = SpecBatch.check(r.specs(), DesiredState.empty());
        if (!errors.isEmpty()) throw new AssertionError(errors.toString());
        return desired(yaml);
    }

    public static ObservedState observed(Path json, DesiredState desired) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        var hashes = new TreeMap<String, String>();
        desired.containers().forEach((id, c) -> hashes.put(id.containerName(), c.spec().specHash()));
        var out = new ArrayList<ObservedContainer>();
        for (JsonNode n : root) {
            String name = n.path("name").asText();
            var labels = new TreeMap<String, String>();
            Iterator<Map.Entry<String, JsonNode>> it = n.path("labels").fields();
            while (it.hasNext()) {
                var e = it.next();
                String v = e.getValue().asText();
                if (DESIRED_HASH.equals(v)) v = hashes.getOrDefault(name, "no-desired-spec");
                labels.put(e.getKey(), v);
            }
            out.add(new ObservedContainer(n.path("id").asText(), name,
                    ContainerState.fromPodman(n.path("state").asText()), n.path("image").asText(), labels));
        }
        return ObservedState.of(out);
    }
}
