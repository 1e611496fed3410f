package spine.controller.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.boot.ModuleOrder;

/**
 * Checks an image archive against the integration contract (images/contract.yaml). It reads the archive
 * itself, never a build folder, so what is checked is what boots. Build-time tooling: it reads the files it
 * is given and never touches the root.
 */
public final class ImageVerifier {
    private static final List<String> LIBRARY_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
            "/lib", "/usr/lib", "/lib64");

    /** One breach: prints as {@code INTEGRATION FAIL: <path> - <reason>}. */
    public record Breach(String path, String reason) {
        @Override
        public String toString() {
            return "INTEGRATION FAIL: " + path + " - " + reason;
        }
    }

    /**
     * What the checks need from an archive, gathered in one streaming pass: every entry's metadata, the text of
     * {@code /etc/passwd} and each {@code modules.dep}, and the ELF facts of every ELF file. An ELF file is copied
     * to one scratch file and read there by position, so no file is ever held in memory whole.
     */
    public record Contents(SortedMap<String, CpioArchive.Entry> entries, SortedMap<String, String> texts,
                           SortedMap<String, Elf> elves) {
        public Contents {
            entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
            texts = Collections.unmodifiableSortedMap(new TreeMap<>(texts));
            elves = Collections.unmodifiableSortedMap(new TreeMap<>(elves));
        }

        public static Contents read(Path image) throws IOException {
            var entries = new TreeMap<String, CpioArchive.Entry>();
            var texts = new TreeMap<String, String>();
            var elves = new TreeMap<String, Elf>();
            Path scratch = Files.createTempFile("spine-verify-", ".elf");
            try (InputStream in = Files.newInputStream(image);
                 FileChannel elf = FileChannel.open(scratch, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                CpioArchive.scan(in, (entry, data) -> {
                    entries.put(entry.path(), entry);
                    if (entry.type() != CpioArchive.S_IFREG) return;
                    if (isText(entry.path())) {
                        if (entry.size() > MAX_TEXT) throw new IOException(entry.path() + " is " + entry.size() + " bytes; over " + MAX_TEXT);
                        texts.put(entry.path(), new String(data.readAllBytes(), StandardCharsets.UTF_8));
                        return;
                    }
                    byte[] head = data.readNBytes(4);
                    if (!Elf.isElf(head)) return;
                    elf.truncate(0);
                    elf.write(ByteBuffer.wrap(head), 0);
                    elf.position(head.length);
                    data.transferTo(Channels.newOutputStream(elf));
                    Elf.parse(elf).ifPresent(facts -> elves.put(entry.path(), facts));
                });
            } finally {
                Files.deleteIfExists(scratch);
            }
            return new Contents(entries, texts, elves);
        }

        private static boolean isText(String path) {
            return path.equals("/etc/passwd") || path.matches("/lib/modules/[^/]+/modules\\.dep");
        }
    }

    /** /etc/passwd and modules.dep are read whole; a kernel's modules.dep is about 300 KB. */
    private static final long MAX_TEXT = 16L << 20;

    private ImageVerifier() {}

    /** Where the image carries its own copy of the contract (a machine checks candidates against it). */
    public static final String CONTRACT_IN_IMAGE = "/usr/share/spine/contract.yaml";

    /** The contract a command checks against by default: the image's own on a machine, else the checkout's. */
    public static Path defaultContract() {
        Path inImage = Path.of(CONTRACT_IN_IMAGE);
        return java.nio.file.Files.isRegularFile(inImage) ? inImage : Path.of("images/contract.yaml");
    }

    public static List<Breach> verify(Path image, Path contract) throws IOException {
        JsonNode c = new ObjectMapper(new YAMLFactory()).readTree(contract.toFile());
        return verify(Contents.read(image), c);
    }

    public static List<Breach> verify(Contents archive, JsonNode contract) {
        var breaches = new ArrayList<Breach>();
        Map<String, CpioArchive.Entry> e = archive.entries();
        for (JsonNode p : contract.path("paths")) {
            String path = p.path("path").asText();
            Optional<CpioArchive.Entry> entry = Optional.ofNullable(e.get(path));
            if (entry.isEmpty()) {
                breaches.add(new Breach(path, "missing (contract wants a " + p.path("type").asText("file") + ")"));
                continue;
            }
            String type = p.path("type").asText("file");
            if (!entry.get().typeName().equals(type)) {
                breaches.add(new Breach(path, "is a " + entry.get().typeName() + ", contract wants a " + type));
                continue;
            }
            if (p.has("mode")) {
                int want = Integer.parseInt(p.path("mode").asText(), 8);
                if (entry.get().permissions() != want) {
                    breaches.add(new Breach(path, String.format("mode %04o, contract wants %04o", entry.get().permissions(), want)));
                }
            }
            if (p.has("target") && !entry.get().linkTarget().equals(p.path("target").asText())) {
                breaches.add(new Breach(path, "links to " + entry.get().linkTarget() + ", contract wants " + p.path("target").asText()));
            }
        }
        for (CpioArchive.Entry entry : e.values()) {
            if (entry.type() == CpioArchive.S_IFLNK && resolve(archive, entry.path()).isEmpty()) {
                breaches.add(new Breach(entry.path(), "dangling symlink to " + entry.linkTarget()));
            }
        }
        checkModules(archive, contract, breaches);
        checkUsers(archive, contract, breaches);
        if (contract.path("sharedLibraryClosure").asBoolean(false)) checkClosure(archive, breaches);
        return breaches;
    }

    /** Follows symlinks inside the archive; empty when the chain leaves it or loops. */
    static Optional<CpioArchive.Entry> resolve(Contents archive, String path) {
        String p = path;
        for (int hops = 0; hops < 40; hops++) {
            String current = normalise(p);
            CpioArchive.Entry entry = archive.entries().get(current);
            if (entry == null) {
                // a parent directory may itself be a symlink (/lib64 -> lib)
                int slash = current.lastIndexOf('/');
                if (slash <= 0) return Optional.empty();
                Optional<CpioArchive.Entry> parent = resolve(archive, current.substring(0, slash));
                if (parent.isEmpty() || parent.get().path().equals(current.substring(0, slash))) return Optional.empty();
                p = parent.get().path() + current.substring(slash);
                continue;
            }
            if (entry.type() != CpioArchive.S_IFLNK) return Optional.of(entry);
            String target = entry.linkTarget();
            p = target.startsWith("/") ? target : current.substring(0, current.lastIndexOf('/') + 1) + target;
        }
        return Optional.empty();
    }

    private static String normalise(String p) {
        var parts = new ArrayList<String>();
        for (String s : p.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..")) {
                if (!parts.isEmpty()) parts.removeLast();
            } else {
                parts.add(s);
            }
        }
        return "/" + String.join("/", parts);
    }

    private static void checkModules(Contents archive, JsonNode contract, List<Breach> breaches) {
        if (!contract.has("modules")) return;
        var deps = new TreeMap<String, Map.Entry<String, Map<String, List<String>>>>();
        archive.texts().forEach((path, text) -> {
            if (path.endsWith("/modules.dep")) {
                String dir = path.substring(0, path.lastIndexOf('/'));
                deps.put(dir, Map.entry(dir, ModuleOrder.parseDeps(text)));
            }
        });
        if (deps.isEmpty()) {
            breaches.add(new Breach("/lib/modules/<release>/modules.dep", "missing; the image carries no module index"));
            return;
        }
        for (var kernel : deps.values()) {
            String dir = kernel.getKey();
            Map<String, List<String>> index = kernel.getValue();
            for (JsonNode m : contract.path("modules")) {
                String name = m.asText();
                Optional<String> rel = index.keySet().stream().filter(k -> ModuleOrder.name(k).equals(name)).findFirst();
                if (rel.isEmpty()) {
                    breaches.add(new Breach(dir + "/" + name + ".ko", "module " + name + " is not in modules.dep"));
                    continue;
                }
                var need = new ArrayList<String>();
                need.add(rel.get());
                need.addAll(index.get(rel.get()));
                for (String r : need) {
                    if (!archive.entries().containsKey(dir + "/" + r)) {
                        breaches.add(new Breach(dir + "/" + r, r.equals(rel.get()) ? "module " + name + " missing"
                                : "dependency of " + name + " missing"));
                    }
                }
            }
        }
    }

    private static void checkUsers(Contents archive, JsonNode contract, List<Breach> breaches) {
        if (!contract.has("users")) return;
        String text = archive.texts().getOrDefault("/etc/passwd", "");
        contract.path("users").fields().forEachRemaining(u -> {
            boolean found = text.lines().map(l -> l.split(":", -1))
                    .anyMatch(f -> f.length > 2 && f[0].equals(u.getKey()) && f[2].equals(u.getValue().asText()));
            if (!found) breaches.add(new Breach("/etc/passwd", "user " + u.getKey() + " with uid " + u.getValue().asText() + " does not resolve"));
        });
    }

    private static void checkClosure(Contents archive, List<Breach> breaches) {
        archive.elves().forEach((path, elf) -> {
            elf.interpreter().filter(i -> resolve(archive, i).isEmpty()).ifPresent(i ->
                    breaches.add(new Breach(path, "needs program interpreter " + i + ", which is not in the image")));
            String origin = path.substring(0, path.lastIndexOf('/'));
            var dirs = new ArrayList<String>();
            for (String r : elf.runpath()) dirs.add(r.replace("$ORIGIN", origin).replace("${ORIGIN}", origin));
            dirs.addAll(LIBRARY_DIRS);
            // The JDK's launcher loads libjvm by path; its libraries then find it already loaded, beside them or in server/.
            dirs.add(origin);
            dirs.add(origin + "/server");
            for (String lib : elf.needed()) {
                boolean present = dirs.stream().anyMatch(d -> resolve(archive, d + "/" + lib).isPresent());
                if (!present) breaches.add(new Breach(path, "needs shared library " + lib + ", which is not in the image"));
            }
        });
    }
}
