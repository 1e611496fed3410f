package spine.controller.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upgrade candidates (issue 12, first part): signed with the test key under test resources, checked as a machine would. */
class CandidateTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path CONTRACT = REPO.resolve("images/contract.yaml");
    private static final Path KEYS = Path.of("src/test/resources/upgrade");

    @TempDir Path dir;
    private Path trust, kernel, image, manifest;

    @BeforeEach
    void candidate() throws IOException {
        trust = Files.createDirectories(dir.resolve("trust"));
        Files.copy(KEYS.resolve("test.pub"), trust.resolve("test.pub"));
        Path pub = Files.createDirectories(dir.resolve("pub"));
        kernel = Files.write(pub.resolve("vmlinuz"), "a kernel".getBytes());
        image = pub.resolve("spine.img");
        ImageVerifyTest.writeImage(image, true);
        manifest = pub.resolve("manifest.json");
        sign("0.2.0", Optional.of("0.1.0"));
    }

    private void sign(String version, Optional<String> replaces) throws IOException {
        Files.writeString(manifest, Candidate.sign(Signing.readPrivate(KEYS.resolve("test.key")), Signing.readPublic(KEYS.resolve("test.pub")),
                version, replaces, CONTRACT, kernel, image));
    }

    private Candidate.Verdict check(String running, boolean allowDowngrade) {
        return Candidate.check(manifest, trust, running, allowDowngrade, CONTRACT);
    }

    private static String refusal(Candidate.Verdict v) {
        assertThat(v).isInstanceOf(Candidate.Verdict.Refused.class);
        var r = (Candidate.Verdict.Refused) v;
        return r.kind() + ": " + r.reason();
    }

    @Test
    void aGoodCandidateIsAccepted() throws IOException {
        var v = check("0.1.0", false);
        assertThat(v).isInstanceOf(Candidate.Verdict.Accepted.class);
        var a = (Candidate.Verdict.Accepted) v;
        assertThat(a.keyId()).isEqualTo(Signing.keyId(Signing.readPublic(KEYS.resolve("test.pub"))));
        assertThat(a.manifest().version()).isEqualTo("0.2.0");
        assertThat(a.manifest().artifacts()).extracting(Candidate.Artifact::role).containsExactly("kernel", "image");
    }

    @Test
    void aManifestNamedThroughDotDotIsCheckedAsWell() {
        Path roundabout = manifest.getParent().resolve("../pub/manifest.json");
        assertThat(Candidate.check(roundabout, trust, "0.1.0", false, CONTRACT)).isInstanceOf(Candidate.Verdict.Accepted.class);
    }

    @Test
    void aKeyTheMachineDoesNotTrustIsRefused() throws IOException {
        Files.delete(trust.resolve("test.pub"));
        assertThat(refusal(check("0.1.0", false))).startsWith("unknown-key: signed by key ").contains("(keys in " + trust + ": none)");
        // another key in the trust directory does not help
        var other = Signing.generate();
        Files.writeString(trust.resolve("other.pub"), Signing.pem(other.getPublic()));
        assertThat(refusal(check("0.1.0", false))).startsWith("unknown-key:").contains(Signing.keyId(other.getPublic()));
    }

    @Test
    void allowingYellowIsPartOfWhatIsSigned() throws IOException {
        assertThat(((Candidate.Verdict.Accepted) check("0.1.0", false)).manifest().allowYellow()).as("GREEN only, by default").isFalse();
        Files.writeString(manifest, Candidate.sign(Signing.readPrivate(KEYS.resolve("test.key")), Signing.readPublic(KEYS.resolve("test.pub")),
                "0.2.0", Optional.empty(), CONTRACT, kernel, image, true));
        assertThat(((Candidate.Verdict.Accepted) check("0.1.0", false)).manifest().allowYellow()).isTrue();
        assertThat(((Candidate.Verdict.Accepted) Candidate.readSigned(manifest, trust)).manifest().allowYellow()).isTrue();
        sign("0.2.0", Optional.empty());
        Files.writeString(manifest, Files.readString(manifest).replace("\"format\" : 1,", "\"format\" : 1, \"allowYellow\" : true,"));
        assertThat(refusal(check("0.1.0", false))).as("added after signing").startsWith("bad-signature:");
    }

    @Test
    void aManifestChangedAfterSigningIsRefused() throws IOException {
        Files.writeString(manifest, Files.readString(manifest).replace("\"0.2.0\"", "\"0.3.0\""));
        assertThat(refusal(check("0.1.0", false))).startsWith("bad-signature: the signature does not match the manifest");
    }

    @Test
    void aTamperedArtifactIsRefusedBySizeOrHash() throws IOException {
        Files.writeString(kernel, "A kernel"); // same size, other bytes
        assertThat(refusal(check("0.1.0", false))).startsWith("artifact: artifact vmlinuz has sha256 ");
        Files.writeString(kernel, "a longer kernel");
        assertThat(refusal(check("0.1.0", false))).isEqualTo("artifact: artifact vmlinuz is 15 bytes, the manifest says 8");
        Files.delete(kernel);
        assertThat(refusal(check("0.1.0", false))).isEqualTo("artifact: artifact vmlinuz is missing beside the manifest");
    }

    @Test
    void aDowngradeNeedsToBeAskedFor() throws IOException {
        sign("0.0.9", Optional.empty());
        assertThat(refusal(check("0.1.0", false))).startsWith("downgrade: the candidate's version 0.0.9 is not newer than 0.1.0");
        assertThat(check("0.1.0", true)).isInstanceOf(Candidate.Verdict.Accepted.class);
        sign("0.1.0", Optional.empty());
        assertThat(refusal(check("0.1.0", false))).startsWith("downgrade:"); // the same version is no upgrade either
    }

    @Test
    void aCandidateForAnotherBaseIsRefused() {
        assertThat(refusal(check("0.1.1", false))).isEqualTo("wrong-base: the candidate replaces 0.1.0, this machine runs 0.1.1");
    }

    @Test
    void anImageThatFailsTheContractIsRefused() throws IOException {
        ImageVerifyTest.writeImage(image, false);
        sign("0.2.0", Optional.of("0.1.0"));
        assertThat(refusal(check("0.1.0", false))).startsWith("contract: 2 integration breaches, the first: INTEGRATION FAIL: /");
    }

    @Test
    void notAManifestIsUnreadableOrMalformed() throws IOException {
        Files.writeString(manifest, "not json");
        assertThat(refusal(check("0.1.0", false))).startsWith("unreadable: ");
        Files.writeString(manifest, "{\"manifest\": {}}");
        assertThat(refusal(check("0.1.0", false))).startsWith("malformed: ");
    }

    @Test
    void keygenWritesAPrivateKeyOnlyItsOwnerReadsAndNeverOverwrites() throws IOException {
        Path keys = dir.resolve("keys");
        var pair = Signing.writePair(keys);
        assertThat(Files.getPosixFilePermissions(keys.resolve("spine.key"))).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(Signing.keyId(Signing.readPublic(keys.resolve("spine.pub")))).isEqualTo(Signing.keyId(pair.getPublic()));
        byte[] before = Files.readAllBytes(keys.resolve("spine.key"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Signing.writePair(keys))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(keys.resolve("spine.key"))).isEqualTo(before);
        // a key it wrote signs a candidate this machine then accepts
        Files.copy(keys.resolve("spine.pub"), trust.resolve("mine.pub"));
        Files.writeString(manifest, Candidate.sign(Signing.readPrivate(keys.resolve("spine.key")), pair.getPublic(), "0.2.0",
                Optional.empty(), CONTRACT, kernel, image));
        assertThat(check("0.1.0", false)).isInstanceOf(Candidate.Verdict.Accepted.class);
    }

    @Test
    void versionsCompareNumericallyWithPreReleasesFirst() {
        assertThat(Candidate.compareVersions("0.10.0", "0.9.1")).isPositive();
        assertThat(Candidate.compareVersions("0.1.0-dev", "0.1.0")).isNegative();
        assertThat(Candidate.compareVersions("0.1.0", "0.1.0-dev")).isPositive();
        assertThat(Candidate.compareVersions("0.1", "0.1.0")).isZero();
        assertThat(Candidate.compareVersions("1.0.0-rc2", "1.0.0-rc1")).isPositive();
    }
}
