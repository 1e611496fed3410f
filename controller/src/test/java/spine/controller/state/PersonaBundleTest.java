package spine.controller.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The persona bundle against what a hostile or damaged file can hold: every refusal happens before anything is
 * written (verify), and the extraction writes nothing outside its staging directory, never through a link.
 */
class PersonaBundleTest {
    @TempDir
    Path dir;

    private Path volume() throws IOException {
        Path home = Files.createDirectories(dir.resolve("src/home/docs/deep"));
        Files.writeString(home.resolve("a.txt"), "hello\n");
        Files.write(dir.resolve("src/home/blob"), new byte[300_000]);
        Files.createSymbolicLink(dir.resolve("src/home/link"), Path.of("docs/deep/a.txt"));
        Path longName = Files.createDirectories(dir.resolve("src/home/" + "d".repeat(90) + "/" + "e".repeat(90)));
        Files.writeString(longName.resolve("f".repeat(120)), "deep\n");
        return dir.resolve("src/home");
    }

    @Test
    void aBundleRoundTripsEveryFileLinkAndLongNameByteForByte() throws Exception {
        Path out = dir.resolve("p.spine");
        PersonaBundle.write(out, "p://diary", "kind: Persona\n", Optional.empty(), Map.of("home", volume()));
        var v = PersonaBundle.verify(out);
        assertThat(v.persona()).isEqualTo("p://diary");
        assertThat(v.specs()).isEqualTo("kind: Persona\n");
        assertThat(v.volumes()).containsExactly("home");
        Path staging = dir.resolve("stage/x");
        PersonaBundle.extract(out, staging);
        assertThat(tree(staging.resolve("volumes/home"))).isEqualTo(tree(dir.resolve("src/home")));
        assertThat(Files.readSymbolicLink(staging.resolve("volumes/home/link"))).isEqualTo(Path.of("docs/deep/a.txt"));
        assertThat(Files.readString(staging.resolve("specs.yaml"))).isEqualTo("kind: Persona\n");
    }

    @Test
    void oneFlippedByteIsRefusedWithBothHashesBeforeAnythingIsWritten() throws Exception {
        Path out = dir.resolve("p.spine");
        PersonaBundle.write(out, "p://diary", "kind: Persona\n", Optional.empty(), Map.of("home", volume()));
        byte[] b = Files.readAllBytes(out);
        int header = indexOf(b, "spine-persona/volumes/home/docs/deep/a.txt\0".getBytes(StandardCharsets.UTF_8), 0);
        b[header + 512] ^= 1; // the first content byte of a.txt
        Files.write(out, b);
        assertThat(header).isGreaterThan(0);
        assertThatThrownBy(() -> PersonaBundle.verify(out)).hasMessageContaining("spine-persona/volumes/home/docs/deep/a.txt differs from the manifest");
        Path staging = dir.resolve("stage/x");
        assertThatThrownBy(() -> PersonaBundle.extract(out, staging)).hasMessageContaining("differs from the manifest");
    }

    @Test
    void aCutShortFileHasNoManifestAndIsRefused() throws Exception {
        Path out = dir.resolve("p.spine");
        PersonaBundle.write(out, "p://diary", "kind: Persona\n", Optional.empty(), Map.of("home", volume()));
        byte[] b = Files.readAllBytes(out);
        Files.write(out, java.util.Arrays.copyOf(b, b.length / 2));
        assertThatThrownBy(() -> PersonaBundle.verify(out)).hasMessageContaining("ends inside");
    }

    @Test
    void aPathThatClimbsOutIsRefused() throws Exception {
        Path out = dir.resolve("evil.spine");
        Files.write(out, tar(entry("spine-persona/volumes/home/../../../../escaped", '0', "bad", null)));
        assertThatThrownBy(() -> PersonaBundle.verify(out)).hasMessageContaining("has an empty, . or .. segment");
        Files.write(out, tar(entry("/etc/passwd", '0', "bad", null)));
        assertThatThrownBy(() -> PersonaBundle.verify(out)).hasMessageContaining("not a plain relative path");
        Files.write(out, tar(entry("spine-persona/volumes/Bad Name/x", '0', "bad", null)));
        assertThatThrownBy(() -> PersonaBundle.verify(out)).hasMessageContaining("is not a volume name");
        Files.write(out, tar(entry("spine-persona/volumes/home/dev", '3', "", null)));
        assertThatThrownBy(() -> PersonaBundle.verify(out)).hasMessageContaining("files, directories and symbolic links only");
        Files.write(out, tar(entry("spine-persona/volumes/home/hard", '1', "", "spine-persona/specs.yaml")));
        assertThatThrownBy(() -> PersonaBundle.verify(out)).hasMessageContaining("files, directories and symbolic links only");
    }

    /** A link, then a file under the link's name: the file would land wherever the link points. */
    @Test
    void aFileBehindALinkIsNeverWrittenThroughIt() throws Exception {
        Path target = Files.createDirectories(dir.resolve("outside"));
        Path out = dir.resolve("evil.spine");
        String manifest = """
                {"format":"spine-persona/1","persona":"p://x","parts":[
                 {"path":"spine-persona/specs.yaml","type":"file","size":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
                 {"path":"spine-persona/volumes/home","type":"dir"},
                 {"path":"spine-persona/volumes/home/esc","type":"link","link":"%s"},
                 {"path":"spine-persona/volumes/home/esc/pwned","type":"file","size":3,"sha256":"%s"}]}"""
                .formatted(target, "5eebe8f8a2b4a5b2a1f2b4c5d9f8e0b5a3c1e2d4f6a8b0c2d4e6f8a0b2c4d6e8");
        Files.write(out, tar(entry("spine-persona/specs.yaml", '0', "", null), entry("spine-persona/volumes/home/", '5', "", null),
                entry("spine-persona/volumes/home/esc", '2', "", target.toString()), entry("spine-persona/volumes/home/esc/pwned", '0', "bad", null),
                entry("spine-persona/manifest.json", '0', manifest, null)));
        assertThatThrownBy(() -> PersonaBundle.extract(out, dir.resolve("stage/x"))).isInstanceOf(StateException.class);
        try (Stream<Path> s = Files.list(target)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void anEntryTheManifestDoesNotListIsRefused() throws Exception {
        Path out = dir.resolve("p.spine");
        String manifest = """
                {"format":"spine-persona/1","persona":"p://x","parts":[
                 {"path":"spine-persona/specs.yaml","type":"file","size":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}]}""";
        Files.write(out, tar(entry("spine-persona/specs.yaml", '0', "", null), entry("spine-persona/volumes/home/", '5', "", null),
                entry("spine-persona/manifest.json", '0', manifest, null)));
        assertThatThrownBy(() -> PersonaBundle.verify(out)).hasMessageContaining("spine-persona/volumes/home is not in the manifest");
    }

    private static Map<String, String> tree(Path root) throws IOException {
        var out = new TreeMap<String, String>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) out.put(rel, "link " + Files.readSymbolicLink(p));
                else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) out.put(rel, "dir");
                else out.put(rel, java.util.HexFormat.of().formatHex(Slots.sha256().digest(Files.readAllBytes(p)))
                            + " " + Files.getPosixFilePermissions(p));
            }
        }
        return out;
    }

    private record Entry(String name, char type, byte[] data, String link) {}

    private static Entry entry(String name, char type, String data, String link) {
        return new Entry(name, type, data.getBytes(StandardCharsets.UTF_8), link);
    }

    /** A plain ustar file, written here rather than by the code under test. */
    private static byte[] tar(Entry... entries) {
        var o = new ByteArrayOutputStream();
        for (Entry e : entries) {
            byte[] h = new byte[512];
            put(h, 0, e.name());
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", e.data().length));
            put(h, 136, "00000000000");
            h[156] = (byte) e.type();
            if (e.link() != null) put(h, 157, e.link());
            put(h, 257, "ustar");
            h[263] = '0';
            h[264] = '0';
            java.util.Arrays.fill(h, 148, 156, (byte) ' ');
            int sum = 0;
            for (byte x : h) sum += x & 0xff;
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            o.writeBytes(h);
            o.writeBytes(e.data());
            int pad = (512 - e.data().length % 512) % 512;
            o.writeBytes(new byte[pad]);
        }
        o.writeBytes(new byte[1024]);
        return o.toByteArray();
    }

    private static void put(byte[] b, int off, String s) {
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(v, 0, b, off, v.length);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
