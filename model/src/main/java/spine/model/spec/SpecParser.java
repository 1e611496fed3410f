package spine.model.spec;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.SortedMap;
import java.util.regex.Pattern;

import spine.model.Compositor;
import spine.model.AppImage;
import spine.model.Envelope;
import spine.model.Kind;
import spine.model.NetworkMode;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.RestartPolicy;
import spine.model.RunState;
import spine.model.Spec;
import spine.model.Tenant;
import spine.model.Volume;

/**
 * Strict parser for {@code apiVersion: spine/v1} documents. Unknown fields, wrong types, bad names and
 * out-of-range values are all errors; nothing is guessed. Pure: it takes text and a file name for messages.
 */
public final class SpecParser {
    public static final String API_VERSION = "spine/v1";
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,254}");
    /** Segments of letters, digits, dots, _ and -, none of them "." or "..": docs/schema/tenant.schema.json says the same. */
    public static final String SOCKET_PATTERN = "/run/spine/(?!\\.\\.?(?:/|$))[A-Za-z0-9._-]+(?:/(?!\\.\\.?(?:/|$))[A-Za-z0-9._-]+)*";
    private static final Pattern SOCKET = Pattern.compile(SOCKET_PATTERN);
    /** podman refuses memory limits below 6 MiB. */
    public static final long MIN_MEMORY = 6L << 20;
    /** No machine has a pebibyte of memory or swap; beyond it a number is a typo (and near 2^63 it overflows). */
    public static final long MAX_BYTES = 1L << 50;

    /** A parsed spec and where its document starts. */
    public record Located(Spec spec, Mark mark) {}

    public record Result(List<Located> specs, List<SpecError> errors) {
        public boolean ok() { return errors.isEmpty(); }
    }

    private SpecParser() {}

    public static Result parse(String file, String text) {
        YamlReader.Result yaml = new YamlReader().read(file, text);
        var errors = new ArrayList<>(yaml.errors());
        var specs = new ArrayList<Located>();
        for (YamlReader.Document doc : yaml.documents()) {
            int before = errors.size();
            Optional<Spec> spec = document(doc.root(), errors);
            if (spec.isPresent() && errors.size() == before) specs.add(new Located(spec.get(), doc.start()));
        }
        errors.sort(null);
        return new Result(specs, errors);
    }

    private static Optional<Spec> document(Node root, List<SpecError> errors) {
        var top = new Fields(root, "the document", set("apiVersion", "kind", "metadata", "spec"), errors);
        Optional<String> api = top.string("apiVersion", true, API_VERSION);
        if (api.isPresent() && !api.get().equals(API_VERSION)) {
            top.error("apiVersion", "apiVersion \"" + api.get() + "\" is not supported; use apiVersion: " + API_VERSION);
        }
        Optional<String> kindWord = top.string("kind", true, "Persona");
        if (kindWord.isEmpty()) return Optional.empty();
        Optional<Kind> kind = Kind.fromYaml(kindWord.get());
        if (kind.isEmpty()) {
            top.error("kind", "kind \"" + kindWord.get() + "\" is unknown; "
                    + Hints.suggest(kindWord.get(), List.of("Persona", "Tenant", "Envelope", "Image")));
            return Optional.empty();
        }
        Optional<Node> metaNode = top.node("metadata");
        if (metaNode.isEmpty()) {
            errors.add(top.mark().error("missing field \"metadata\"; add metadata: {name: " + exampleName(kind.get()) + "}"));
            return Optional.empty();
        }
        var meta = new Fields(metaNode.get(), "metadata", set("name"), errors);
        Optional<ResourceId> id = meta.string("name", true, exampleName(kind.get())).flatMap(n -> {
            ResourceId.Result r = ResourceId.parse(kind.get(), n);
            if (!r.ok()) meta.error("name", r.error());
            return Optional.ofNullable(r.id());
        });
        Optional<Node> specNode = top.node("spec");
        if (specNode.isEmpty() && kind.get() != Kind.ENVELOPE) {
            errors.add(top.mark().error("missing field \"spec\" in " + kind.get().yamlKind() + "; add spec: with "
                    + (kind.get() == Kind.IMAGE ? "archive:, sha256: and ref:" : "at least image:")));
            return Optional.empty();
        }
        Node spec = specNode.orElse(new Node.MapNode(top.mark(), java.util.Map.of()));
        // With a bad name, still check the body under a stand-in name so one pass reports every error.
        ResourceId checked = id.orElse(new ResourceId(kind.get(), "invalid"));
        Optional<Spec> parsed = switch (kind.get()) {
            case PERSONA -> persona(checked, spec, errors);
            case TENANT -> tenant(checked, spec, errors);
            case ENVELOPE -> envelope(checked, spec, errors);
            case IMAGE -> image(checked, spec, errors);
        };
        return id.isPresent() ? parsed : Optional.empty();
    }

    private static Optional<Spec> persona(ResourceId id, Node node, List<SpecError> errors) {
        var f = new Fields(node, "Persona spec",
                set("image", "command", "env", "state", "envelope", "umbilical", "autostart", "network", "restart", "display", "volumes"),
                errors);
        Optional<String> image = image(f);
        List<String> command = f.stringList("command");
        SortedMap<String, String> env = env(f);
        RunState state = f.choice("state", RunState.class).orElse(RunState.STOPPED);
        Optional<String> envelope = envelopeRef(f);
        boolean umbilical = f.bool("umbilical").orElse(false);
        boolean autostart = f.bool("autostart").orElse(false);
        NetworkMode network = f.choice("network", NetworkMode.class).orElse(NetworkMode.NONE);
        RestartPolicy restart = f.choice("restart", RestartPolicy.class).orElse(RestartPolicy.ALWAYS);
        boolean display = f.bool("display").orElse(false);
        List<Volume> volumes = volumes(f, errors);
        return image.map(i -> new Persona(id, i, command, env, state, envelope, umbilical, autostart, network, restart, display,
                volumes));
    }

    /** {@code volumes:}, each refused where it stands: a bad name, a path that is not absolute or hides a Spine mount. */
    private static List<Volume> volumes(Fields f, List<SpecError> errors) {
        Optional<Node> n = f.node("volumes");
        if (n.isEmpty()) return List.of();
        if (!(n.get() instanceof Node.ListNode list)) {
            f.error("volumes", "\"volumes\" must be a list, e.g. volumes: [{name: home, path: /home/user}]");
            return List.of();
        }
        var out = new ArrayList<Volume>();
        var names = new java.util.HashSet<String>();
        var paths = new java.util.HashSet<String>();
        int i = 0;
        for (Node item : list.items()) {
            var v = new Fields(item, "spec.volumes[" + i++ + "]", set("name", "path", "size", "readOnly"), errors);
            Optional<String> name = v.string("name", true, "home");
            Optional<String> path = v.string("path", true, "/home/user");
            Optional<Long> size = v.bytes("size", 1L << 20, Long.MAX_VALUE / 2, "2Gi");
            boolean readOnly = v.bool("readOnly").orElse(false);
            boolean ok = name.isPresent() && path.isPresent();
            if (name.isPresent() && !ResourceId.isLabel(name.get())) {
                v.error("name", "volume name \"" + name.get() + "\" is not a label: " + ResourceId.LABEL_RULE);
                ok = false;
            } else if (name.isPresent() && !names.add(name.get())) {
                v.error("name", "a second volume named \"" + name.get() + "\"; each volume of a persona or tenant has its own name");
                ok = false;
            }
            if (path.isPresent() && Volume.refusal(path.get()).isPresent()) {
                v.error("path", "volume path \"" + path.get() + "\" " + Volume.refusal(path.get()).get());
                ok = false;
            } else if (path.isPresent() && !paths.add(path.get())) {
                v.error("path", "a second volume at " + path.get() + "; each volume of a persona or tenant has its own path");
                ok = false;
            }
            if (ok) out.add(new Volume(name.get(), path.get(), size, readOnly));
        }
        return out;
    }

    private static Optional<Spec> tenant(ResourceId id, Node node, List<SpecError> errors) {
        if (node instanceof Node.MapNode m && m.entries().containsKey("process")) return compositor(id, node, errors);
        var f = new Fields(node, "Tenant spec",
                set("image", "command", "env", "envelope", "socket", "state", "network", "volumes"), errors);
        Optional<String> image = image(f);
        List<String> command = f.stringList("command");
        SortedMap<String, String> env = env(f);
        Optional<String> envelope = envelopeRef(f);
        Optional<String> socket = f.string("socket", true, "/run/spine/" + id.label() + ".sock");
        if (socket.isPresent() && !SOCKET.matcher(socket.get()).matches()) {
            f.error("socket", "socket \"" + socket.get() + "\" must be a plain path under /run/spine/, e.g. /run/spine/"
                    + id.label() + ".sock");
            socket = Optional.empty();
        }
        RunState state = f.choice("state", RunState.class).orElse(RunState.RUNNING);
        Optional<NetworkMode> network = f.choice("network", NetworkMode.class);
        if (network.isPresent() && network.get() != NetworkMode.NONE) {
            f.error("network", "tenants must use network none: there is no network in the spine; remove the field or write network: none");
        }
        List<Volume> volumes = volumes(f, errors);
        if (image.isEmpty() || socket.isEmpty()) return Optional.empty();
        return Optional.of(new Tenant(id, image.get(), command, env, envelope, socket.get(), state, volumes));
    }

    /** A host-process tenant: only sway, only as sys://compositor. */
    private static Optional<Spec> compositor(ResourceId id, Node node, List<SpecError> errors) {
        var f = new Fields(node, "Tenant spec (a host process)", set("process", "backend", "envelope", "state"), errors);
        Optional<String> process = f.string("process", true, "sway");
        if (process.isPresent() && !process.get().equals("sway")) {
            f.error("process", "process \"" + process.get() + "\" is not one Spine runs on the host; the only host process is sway"
                    + " (process: sway), every other tenant is a container (image:)");
            return Optional.empty();
        }
        if (!id.equals(Compositor.ID) && !id.label().equals("invalid")) {
            f.error("process", "a host-process tenant must be named " + Compositor.ID + " (Spine runs one compositor); rename it");
            return Optional.empty();
        }
        Compositor.Backend backend = f.choice("backend", Compositor.Backend.class).orElse(Compositor.Backend.HEADLESS);
        Optional<String> envelope = envelopeRef(f);
        RunState state = f.choice("state", RunState.class).orElse(RunState.RUNNING);
        if (state == RunState.PAUSED) {
            f.error("state", "a compositor is running or stopped; spine focus freezes personas, never sway");
            return Optional.empty();
        }
        return process.isPresent() && id.equals(Compositor.ID) ? Optional.of(new Compositor(id, backend, state, envelope)) : Optional.empty();
    }

    private static Optional<Spec> envelope(ResourceId id, Node node, List<SpecError> errors) {
        var f = new Fields(node, "Envelope spec",
                set("cpu", "memory", "oomScoreAdj", "pidsMax", "noNewPrivileges"), errors);
        Optional<BigDecimal> cpuMax = Optional.empty();
        Optional<Long> weight = Optional.empty();
        if (f.node("cpu").isPresent()) {
            var cpu = new Fields(f.node("cpu").get(), "spec.cpu", set("max", "weight"), errors);
            cpuMax = cpu.decimal("max", new BigDecimal("0.01"), new BigDecimal("1024"), "0.5");
            weight = cpu.integer("weight", 1, 10_000, "100");
        }
        Optional<Long> memMax = Optional.empty();
        Optional<Long> swapMax = Optional.empty();
        if (f.node("memory").isPresent()) {
            var mem = new Fields(f.node("memory").get(), "spec.memory", set("max", "swapMax"), errors);
            memMax = mem.bytes("max", MIN_MEMORY, MAX_BYTES, "512Mi");
            swapMax = mem.bytes("swapMax", 0, MAX_BYTES, "0");
            if (mem.node("swapMax").isPresent() && mem.node("max").isEmpty()) {
                mem.error("swapMax", "memory.swapMax needs memory.max as well; podman limits swap only beside memory");
            }
        }
        Optional<Long> oom = f.integer("oomScoreAdj", -1000, 1000, "500");
        Optional<Long> pids = f.integer("pidsMax", 1, 4_194_304, "256");
        boolean nnp = f.bool("noNewPrivileges").orElse(true);
        return Optional.of(new Envelope(id, cpuMax, weight.map(Long::intValue), memMax, swapMax,
                oom.map(Long::intValue), pids.map(Long::intValue), nnp));
    }

    /**
     * An Image: where its archive is, the archive's sha256, and the name it is loaded under. The name must be a
     * {@code localhost/} one with a tag: podman would read any other as a registry's, and there is none.
     */
    private static Optional<Spec> image(ResourceId id, Node node, List<SpecError> errors) {
        var f = new Fields(node, "Image spec", set("archive", "sha256", "ref"), errors);
        Optional<String> archive = f.string("archive", true, "/persist/images/" + id.label() + ".oci.tar");
        if (archive.isPresent() && archiveRefusal(archive.get()).isPresent()) {
            f.error("archive", "archive \"" + archive.get() + "\" " + archiveRefusal(archive.get()).get());
            archive = Optional.empty();
        }
        Optional<String> sha = f.string("sha256", true, "\"<what sha256sum ARCHIVE prints>\"");
        if (sha.isPresent() && !AppImage.SHA256.matcher(sha.get()).matches()) {
            f.error("sha256", "sha256 \"" + sha.get() + "\" is not 64 lowercase hex digits; use what sha256sum ARCHIVE prints");
            sha = Optional.empty();
        }
        Optional<String> ref = f.string("ref", true, "localhost/" + id.label() + ":1");
        if (ref.isPresent() && !APP_REF.matcher(ref.get()).matches()) {
            f.error("ref", "ref \"" + ref.get() + "\" must be localhost/NAME:TAG (lowercase name, a tag), e.g. localhost/"
                    + id.label() + ":1; Spine pulls from no registry");
            ref = Optional.empty();
        } else if (ref.isPresent() && ref.get().startsWith(BUILTIN_PREFIX)) {
            f.error("ref", "ref \"" + ref.get() + "\" is under " + BUILTIN_PREFIX + ", which the built-in images own; name it"
                    + " localhost/" + id.label() + ":1 or the like");
            ref = Optional.empty();
        }
        if (archive.isEmpty() || sha.isEmpty() || ref.isEmpty()) return Optional.empty();
        return Optional.of(new AppImage(id, archive.get(), sha.get(), ref.get()));
    }

    /** The built-in images' names (images/contract.yaml): bay0 places, checks and reloads them, so no Image may take one. */
    static final String BUILTIN_PREFIX = "localhost/spine/";

    private static final Pattern APP_REF = Pattern.compile("localhost/[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
            + ":[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    /** Why an archive path is refused: not absolute, or not in its plain form ({@code .}, {@code ..}, {@code //}). */
    static Optional<String> archiveRefusal(String path) {
        if (!path.startsWith("/")) return Optional.of("is not an absolute path; e.g. /persist/images/notes.oci.tar");
        if (path.endsWith("/")) return Optional.of("names a directory; name the archive file");
        for (String seg : path.substring(1).split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                return Optional.of("is not a plain path (empty, . or .. segments); write it as the file's plain absolute path");
            }
        }
        if (path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) return Optional.of("holds a control character");
        return Optional.empty();
    }

    private static Optional<String> image(Fields f) {
        Optional<String> image = f.string("image", true, "localhost/spine/busybox:1");
        if (image.isPresent() && !IMAGE.matcher(image.get()).matches()) {
            f.error("image", "image \"" + image.get() + "\" is not an image reference; e.g. image: localhost/spine/busybox:1");
            return Optional.empty();
        }
        return image;
    }

    private static SortedMap<String, String> env(Fields f) {
        return f.stringMap("env", ENV_NAME, "names are letters, digits and _, not starting with a digit");
    }

    private static Optional<String> envelopeRef(Fields f) {
        Optional<String> name = f.string("envelope", false, "small");
        if (name.isPresent() && !ResourceId.isLabel(name.get())) {
            f.error("envelope", "envelope \"" + name.get() + "\" is not an envelope name; " + ResourceId.LABEL_RULE);
            return Optional.empty();
        }
        return name;
    }

    private static String exampleName(Kind kind) {
        return switch (kind) {
            case PERSONA -> "p://work";
            case TENANT -> "sys://ai";
            case ENVELOPE -> "small";
            case IMAGE -> "notes";
        };
    }

    private static SequencedSet<String> set(String... keys) {
        return new LinkedHashSet<>(List.of(keys));
    }
}
