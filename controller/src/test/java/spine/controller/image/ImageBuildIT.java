package spine.controller.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

import spine.controller.VmHarness;

/** scripts/mkspine.sh end to end: two builds from the same lock give a byte-identical image that meets the contract. */
class ImageBuildIT {
    private static final Path IMG = VmHarness.REPO.resolve("build/spine.img");

    private static String sha256(Path f) throws Exception {
        var md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(f)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void twoBuildsAreByteIdentical() throws Exception {
        if (!VmHarness.isBuilt()) {
            assertThat(VmHarness.build()).contains("integration ok:", "check-firmware: ok");
        }
        String first = sha256(IMG);
        assertThat(Files.getLastModifiedTime(VmHarness.REPO.resolve("build/rootfs/sbin/init")).toMillis()).isZero();
        assertThat(VmHarness.build()).contains("integration ok:", "check-firmware: ok");
        assertThat(sha256(IMG)).as("another build from the same lock").isEqualTo(first);
        assertThat(ImageVerifier.verify(IMG, VmHarness.REPO.resolve("images/contract.yaml"))).isEmpty();
    }
}
