package spine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import spine.model.spec.SpecBatch;
import spine.model.spec.SpecParser;

/** Loads golden inputs with the production parser and the recorded-snapshot form of observed state. */
public final class Fixtures {
    /** In observed.json, this spec-hash label value stands for the hash of the matching desired spec. */
    public static final String DESIRED_HASH = "@desired";

    private Fixtures() {}

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
