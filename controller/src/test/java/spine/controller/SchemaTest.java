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
                "Envelope", f.getSchema(Files.readString(REPO.resolve("docs/schema/envelope.schema.json"))));
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
        List<Path> files;
        try (Stream<Path> s = Files.list(REPO.resolve("specs/examples"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
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

    @Test
    void schemaAndParserRefuseTheSameMistakes() throws IOException {
        Map<String, JsonSchema> schemas = schemas();
        JsonNode good = documents(REPO.resolve("specs/examples/personas.yaml")).getFirst();
        List<JsonNode> bad = new ArrayList<>();
        ObjectNode unknown = good.deepCopy();
        ((ObjectNode) unknown.path("spec")).put("imag", "x");
        bad.add(unknown);
        ObjectNode sysName = good.deepCopy();
        ((ObjectNode) sysName.path("metadata")).put("name", "sys://ai");
        bad.add(sysName);
        ObjectNode badState = good.deepCopy();
        ((ObjectNode) badState.path("spec")).put("state", "runing");
        bad.add(badState);
        ObjectNode tenantNet = (ObjectNode) documents(REPO.resolve("specs/examples/ai.yaml")).getFirst().deepCopy();
        ((ObjectNode) tenantNet.path("spec")).put("network", "private");
        bad.add(tenantNet);
        for (JsonNode doc : bad) {
            assertThat(schemas.get(doc.path("kind").asText()).validate(doc)).as("schema on " + doc).isNotEmpty();
            assertThat(SpecParser.parse("bad.json", doc.toString()).errors()).as("parser on " + doc).isNotEmpty();
        }
    }
}
