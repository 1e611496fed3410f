package spine.controller.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Test candidates: a small kernel stand-in and an image that meets the contract, signed with the test key. */
public final class Candidates {
    public static final Path KEYS = Path.of("src/test/resources/upgrade");
    public static final Path CONTRACT = Path.of("..").toAbsolutePath().normalize().resolve("images/contract.yaml");

    private Candidates() {}

    /** Publishes candidate {@code version} in {@code dir/name}: vmlinuz, spine.img and the signed manifest.json, returned. */
    public static Path publish(Path dir, String name, String version) throws IOException {
        Path pub = Files.createDirectories(dir.resolve(name));
        Path kernel = Files.writeString(pub.resolve("vmlinuz"), "kernel of " + version);
        Path image = pub.resolve("spine.img");
        ImageVerifyTest.writeImage(image, true);
        Path manifest = pub.resolve("manifest.json");
        Files.writeString(manifest, Candidate.sign(Signing.readPrivate(KEYS.resolve("test.key")), Signing.readPublic(KEYS.resolve("test.pub")),
                version, Optional.empty(), CONTRACT, kernel, image));
        return manifest;
    }
}
