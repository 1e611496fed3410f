package spine.model.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.util.List;

import spine.model.AppImage;
import spine.model.Compositor;
import spine.model.Envelope;
import spine.model.Persona;
import spine.model.RestartPolicy;
import spine.model.Spec;
import spine.model.Tenant;

/**
 * Writes specs back out as documents with every default spelled out. The stored intent is this JSON, and
 * it is read back through {@link SpecParser} (JSON is YAML), so there is one parser and one set of rules.
 */
public final class SpecCodec {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build());

    private SpecCodec() {}

    public static ObjectNode document(Spec spec) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("apiVersion", SpecParser.API_VERSION);
        doc.put("kind", spec.id().kind().yamlKind());
        doc.putObject("metadata").put("name", spec.id().toString());
        doc.set("spec", body(spec));
        return doc;
    }

    /** The {@code spec:} part alone, as {@code spine get -o json} shows it. */
    public static ObjectNode body(Spec spec) {
        ObjectNode s = JSON.createObjectNode();
        switch (spec) {
            case Persona p -> {
                s.put("image", p.image());
                command(s, p.command());
                p.env().forEach(s.putObject("env")::put);
                s.put("state", p.state().word());
                p.envelope().ifPresent(e -> s.put("envelope", e));
                s.put("umbilical", p.umbilical());
                s.put("autostart", p.autostart());
                s.put("network", p.network().word());
                // only when not the default, so intent stored before the field existed keeps its generation
                if (p.restart() != RestartPolicy.ALWAYS) s.put("restart", p.restart().word());
                if (p.display()) s.put("display", true);
                volumes(s, p.volumes());
            }
            case Tenant t -> {
                s.put("image", t.image());
                command(s, t.command());
                t.env().forEach(s.putObject("env")::put);
                t.envelope().ifPresent(e -> s.put("envelope", e));
                s.put("socket", t.socket());
                s.put("state", t.state().word());
                s.put("network", "none");
                volumes(s, t.volumes());
            }
            case Compositor c -> {
                s.put("process", "sway");
                s.put("backend", c.backend().word());
                c.envelope().ifPresent(e -> s.put("envelope", e));
                s.put("state", c.state().word());
            }
            case AppImage i -> {
                s.put("archive", i.archive());
                s.put("sha256", i.sha256());
                s.put("ref", i.ref());
            }
            case Envelope e -> {
                if (e.cpuMax().isPresent() || e.cpuWeight().isPresent()) {
                    ObjectNode cpu = s.putObject("cpu");
                    e.cpuMax().ifPresent(m -> cpu.put("max", m));
                    e.cpuWeight().ifPresent(w -> cpu.put("weight", w));
                }
                if (e.memoryMax().isPresent() || e.swapMax().isPresent()) {
                    ObjectNode mem = s.putObject("memory");
                    e.memoryMax().ifPresent(m -> mem.put("max", Quantity.format(m)));
                    e.swapMax().ifPresent(m -> mem.put("swapMax", Quantity.format(m)));
                }
                e.oomScoreAdj().ifPresent(o -> s.put("oomScoreAdj", o));
                e.pidsMax().ifPresent(p -> s.put("pidsMax", p));
                s.put("noNewPrivileges", e.noNewPrivileges());
            }
        }
        return s;
    }

    /** Only when there are volumes, so intent stored before the field existed keeps its generation. */
    private static void volumes(ObjectNode s, List<spine.model.Volume> volumes) {
        if (volumes.isEmpty()) return;
        var list = s.putArray("volumes");
        for (var v : volumes) {
            ObjectNode o = list.addObject().put("name", v.name()).put("path", v.path());
            v.size().ifPresent(b -> o.put("size", b));
            if (v.readOnly()) o.put("readOnly", true);
        }
    }

    private static void command(ObjectNode s, List<String> command) {
        if (!command.isEmpty()) command.forEach(s.putArray("command")::add);
    }

    /** Canonical JSON: keys in a fixed order, so equal specs give equal text and equal hashes. */
    public static String toJson(Spec spec) {
        try {
            return JSON.writeValueAsString(JSON.treeToValue(document(spec), Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree built here always serialises", e);
        }
    }

    public static String toYaml(List<? extends Spec> specs) {
        var sb = new StringBuilder();
        for (Spec s : specs) {
            if (!sb.isEmpty()) sb.append("---\n");
            try {
                sb.append(YAML.writeValueAsString(document(s)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a tree built here always serialises", e);
            }
        }
        return sb.toString();
    }

    public static ObjectMapper json() {
        return JSON;
    }
}
