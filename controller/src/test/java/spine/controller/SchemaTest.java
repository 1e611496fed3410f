package spine.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.databind.MappingIterator;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import spine.model.spec.SpecParser;

/** The published JSON Schemas accept every example spec, and agree with the parser on what is wrong. */
class SchemaTest {
    private static final Path REPO = Path.of(System.getProperty("spine.repo", ".."));
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Map<String, JsonSchema> schemas() throws IOException {
        JsonSchemaFactory f = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        return Map.of(
                "Persona", f.getSchema(Files.readString(REPO.resolve("docs/schema/persona.schema.json"))),
                "Tenant", f.getSchema(Files.readString(REPO.resolve("docs/schema/tenant.schema.json"))),
                "Envelope", f.getSchema(Files.readString(REPO.resolve("docs/schema/envelope.schema.json"))),
                "Image", f.getSchema(Files.readString(REPO.resolve("docs/schema/image.schema.json"))));
    }

    private static List<JsonNode> documents(Path file) throws IOException {
        var out = new ArrayList<JsonNode>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) out.add(it.next());
        }
        return out;
    }

    @Test
    void everyExampleSpecValidates() throws IOException {
        Map<String, JsonSchema> schemas = schemas();
        var files = new java.util.ArrayList<Path>();
        for (String dir : List.of("specs/examples", "specs/display")) {
            try (Stream<Path> s = Files.list(REPO.resolve(dir))) {
                List<Path> here = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
                assertThat(here).as(dir).isNotEmpty();
                files.addAll(here);
            }
        }
        var kinds = new java.util.TreeSet<String>();
        for (Path f : files) {
            assertThat(SpecParser.parse(f.toString(), Files.readString(f)).errors()).as("parser on " + f).isEmpty();
            for (JsonNode doc : documents(f)) {
                String kind = doc.path("kind").asText();
                kinds.add(kind);
                Set<ValidationMessage> errors = schemas.get(kind).validate(doc);
                assertThat(errors).as(f + " " + doc.path("metadata").path("name")).isEmpty();
            }
        }
        assertThat(kinds).containsExactly("Envelope", "Persona", "Tenant");
    }

    private static final Path TABLE = REPO.resolve("model/src/test/resources/spec-table");

    private static List<Path> table(String which) throws IOException {
        try (Stream<Path> s = Files.list(TABLE.resolve(which))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    /**
     * The parser's table of refusals (model's SpecTableTest checks the parser on it) run against the schema: every
     * spec the parser refuses, the schema refuses; every one it accepts, the schema accepts.
     */
    @Test
    void schemaAndParserAgreeOnTheSharedTable() throws IOException {
        Map<String, JsonSchema> schemas = schemas();
        List<Path> refused = table("refused");
        assertThat(refused).hasSizeGreaterThan(25);
        var disagreements = new ArrayList<String>();
        for (Path f : refused) {
            JsonNode doc;
            try {
                doc = documents(f).getFirst();
            } catch (RuntimeException e) { // not JSON at all (YAML's .nan): no schema validator can accept it
                continue;
            }
            JsonSchema schema = schemas.get(doc.path("kind").asText());
            assertThat(SpecParser.parse(f.toString(), Files.readString(f)).errors()).as("parser on " + f).isNotEmpty();
            // an unknown kind has no schema: every schema's kind const refuses it
            boolean schemaRefuses = schema == null
                    ? schemas.values().stream().allMatch(sc -> !sc.validate(doc).isEmpty())
                    : !schema.validate(doc).isEmpty();
            if (!schemaRefuses) disagreements.add("schema accepts refused/" + f.getFileName());
        }
        for (Path f : table("accepted")) {
            JsonNode doc = documents(f).getFirst();
            assertThat(SpecParser.parse(f.toString(), Files.readString(f)).errors()).as("parser on " + f).isEmpty();
            Set<ValidationMessage> errors = schemas.get(doc.path("kind").asText()).validate(doc);
            if (!errors.isEmpty()) disagreements.add("schema refuses accepted/" + f.getFileName() + ": " + errors);
        }
        assertThat(disagreements).isEmpty();
    }

    @Test
    void rangePatternsMatchExactlyTheirRange() {
        var rnd = new java.util.Random(7);
        for (int i = 0; i < 300; i++) {
            long lo = rnd.nextInt(3000), hi = lo + rnd.nextInt(3000);
            var p = java.util.regex.Pattern.compile("(?:" + String.join("|", QuantityPattern.range(lo, hi)) + ")");
            for (long n = 0; n < 7000; n++) {
                assertThat(p.matcher(Long.toString(n)).matches()).as("%d in %d..%d", n, lo, hi).isEqualTo(n >= lo && n <= hi);
            }
        }
    }

    /**
     * Quantity bounds cannot be checked by arithmetic in JSON Schema, so the schema's patterns are generated from the
     * parser's bounds (SpecParser.MIN_MEMORY, MAX_BYTES, Quantity's units). A failure prints the pattern to paste.
     */
    @Test
    void quantityPatternsAreGeneratedFromTheParsersBounds() throws IOException {
        JsonNode mem = YAML.readTree(REPO.resolve("docs/schema/envelope.schema.json").toFile())
                .path("properties").path("spec").path("properties").path("memory").path("properties");
        assertThat(mem.path("max").path("pattern").asText()).isEqualTo(QuantityPattern.of(SpecParser.MIN_MEMORY, SpecParser.MAX_BYTES));
        assertThat(mem.path("max").path("minimum").asLong()).isEqualTo(SpecParser.MIN_MEMORY);
        assertThat(mem.path("max").path("maximum").asLong()).isEqualTo(SpecParser.MAX_BYTES);
        assertThat(mem.path("swapMax").path("pattern").asText()).isEqualTo(QuantityPattern.of(0, SpecParser.MAX_BYTES));
        assertThat(mem.path("swapMax").path("maximum").asLong()).isEqualTo(SpecParser.MAX_BYTES);
        JsonNode socket = YAML.readTree(REPO.resolve("docs/schema/tenant.schema.json").toFile())
                .path("properties").path("spec").path("oneOf").path(0).path("properties").path("socket");
        assertThat(socket.path("pattern").asText()).isEqualTo("^" + SpecParser.SOCKET_PATTERN + "$");
    }
}
