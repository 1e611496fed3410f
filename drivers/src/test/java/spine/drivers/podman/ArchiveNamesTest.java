package spine.drivers.podman;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The names an archive gives itself, read from its bytes in pieces of any size, as the load streams them. */
class ArchiveNamesTest {
    private static ArchiveNames read(byte[] tar, int piece) {
        var n = new ArchiveNames();
        for (int i = 0; i < tar.length; i += piece) n.update(tar, i, Math.min(piece, tar.length - i));
        return n;
    }

    private static byte[] blob(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    @Test
    void anOciArchivesRefNameIsReadWhateverThePieces() {
        byte[] tar = new TarBytes().file("oci-layout", "{\"imageLayoutVersion\": \"1.0.0\"}").file("blobs/sha256/aa", blob(70_001))
                .file("index.json", TarBytes.index("localhost/notes:1")).bytes();
        for (int piece : new int[] {1, 511, 512, 513, 65_536, tar.length}) {
            ArchiveNames n = read(tar, piece);
            assertThat(n.refusal()).as("pieces of " + piece).isEmpty();
            assertThat(n.names()).as("pieces of " + piece).containsExactly("localhost/notes:1");
        }
    }

    @Test
    void aDockerArchivesRepoTagsAnUnnamedArchiveAndAPaxNamedIndexAreRead() {
        byte[] docker = new TarBytes().file("abc.json", "{}").file("manifest.json",
                "[{\"Config\":\"abc.json\",\"RepoTags\":[\"localhost/spine/busybox:1\",\"localhost/x:2\"],\"Layers\":[]}]").bytes();
        assertThat(read(docker, 4096).names()).containsExactly("localhost/spine/busybox:1", "localhost/x:2");
        assertThat(read(new TarBytes().file("./index.json", TarBytes.index(null)).bytes(), 100).names()).isEmpty();
        byte[] pax = new TarBytes().paxPath("index.json").file("PaxHeaders/ignored-name", TarBytes.index("localhost/spine/ai:1")).bytes();
        assertThat(read(pax, 700).names()).containsExactly("localhost/spine/ai:1");
    }

    @Test
    void whatIsNotAPlainImageTarCannotBeCheckedAndSaysWhy() {
        assertThat(read(blob(10_000), 4096).refusal()).get().asString().contains("not a plain tar");
        assertThat(read(new TarBytes().file("hello.txt", "hi").bytes(), 512).refusal()).get().asString()
                .contains("neither index.json (OCI) nor manifest.json (docker)");
        byte[] whole = new TarBytes().file("blobs/sha256/aa", blob(5000)).file("index.json", TarBytes.index("localhost/notes:1")).bytes();
        byte[] cut = java.util.Arrays.copyOf(whole, 3000);
        assertThat(read(cut, 512).refusal()).get().asString().contains("ends inside an entry");
        assertThat(read(new TarBytes().file("index.json", "{not json").bytes(), 512).refusal()).get().asString().contains("index.json is not JSON");
    }
}
