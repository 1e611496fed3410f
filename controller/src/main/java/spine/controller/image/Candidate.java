package spine.controller.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An upgrade candidate (issue 12, first part): a kernel and a spine.img described by a signed manifest, and the
 * checks a machine makes before it stages anything. The manifest names each artifact (a file beside it) with its
 * SHA-256 and size, the contract it was verified against, its version and the version it may replace; it is signed
 * with Ed25519 over its canonical JSON (keys sorted, no white space), and the file carries the key's id beside it:
 * <pre>{"manifest": {...}, "key": "0123456789abcdef", "signature": "BASE64"}</pre>
 * Refusals come in a fixed order, each with one line that says what to do: the manifest's form, an unknown key, a
 * bad signature, an artifact whose size or hash differs, a downgrade or a candidate for another version, an image
 * that fails the contract. Nothing here writes anything.
 */
public final class Candidate {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int FORMAT = 1;

    public record Artifact(String name, String role, String sha256, long size) {}

    /** {@code allowYellow}: a YELLOW validate passes this candidate's trial boot too (GREEN is required by default). */
    public record Manifest(String version, Optional<String> replaces, String contractSha256, List<Artifact> artifacts, boolean allowYellow) {
        public Manifest {
            artifacts = List.copyOf(artifacts);
        }
    }

    /** What a check found: the manifest it accepts, or why not. */
    public sealed interface Verdict {
        /**
         * {@code hash}: the SHA-256 of the signed manifest's canonical form, the candidate's name in the NACK registry;
         * {@code document}: the manifest file's text as checked, so what is staged is what was checked.
         */
        record Accepted(Manifest manifest, String keyId, String hash, String document) implements Verdict {}

        /** {@code kind} is one word for scripts and the log (bad-signature, unknown-key, ...), {@code reason} the line. */
        record Refused(String kind, String reason) implements Verdict {}
    }

    private Candidate() {}

    /** Writes the signed manifest of {@code kernel} and {@code image} (in the manifest's directory when published). */
    public static String sign(PrivateKey key, PublicKey pub, String version, Optional<String> replaces, Path contract, Path kernel,
                              Path image) throws IOException {
        return sign(key, pub, version, replaces, contract, kernel, image, false);
    }

    /** As above; {@code allowYellow} lets a YELLOW validate pass the trial boot (signed like everything else). */
    public static String sign(PrivateKey key, PublicKey pub, String version, Optional<String> replaces, Path contract, Path kernel,
                              Path image, boolean allowYellow) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT).put("version", version);
        replaces.ifPresent(r -> m.put("replaces", r));
        if (allowYellow) m.put("allowYellow", true);
        m.put("contractSha256", sha256(contract));
        ArrayNode a = m.putArray("artifacts");
        for (var e : List.of(Map.entry("kernel", kernel), Map.entry("image", image))) {
            a.addObject().put("name", e.getValue().getFileName().toString()).put("role", e.getKey())
                    .put("sha256", sha256(e.getValue())).put("size", Files.size(e.getValue()));
        }
        ObjectNode signed = JSON.createObjectNode();
        signed.set("manifest", m);
        signed.put("key", Signing.keyId(pub));
        signed.put("signature", Base64.getEncoder().encodeToString(Signing.sign(key, canonical(m))));
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(signed) + "\n";
    }

    /**
     * Checks the candidate {@code manifestFile} describes, with its artifacts beside it, for a machine that trusts the
     * public keys ({@code *.pub}) in {@code trustDir}, runs {@code running} and holds {@code contract}.
     */
    public static Verdict check(Path manifestFile, Path trustDir, String running, boolean allowDowngrade, Path contract) {
        Verdict signed = checkSigned(manifestFile, trustDir);
        if (!(signed instanceof Verdict.Accepted accepted)) return signed;
        Manifest manifest = accepted.manifest();
        Path dir = manifestFile.toAbsolutePath().normalize().getParent();
        if (manifest.replaces().isPresent() && !manifest.replaces().get().equals(running)) {
            return new Verdict.Refused("wrong-base", "the candidate replaces " + manifest.replaces().get() + ", this machine runs " + running);
        }
        if (!allowDowngrade && compareVersions(manifest.version(), running) <= 0) {
            return new Verdict.Refused("downgrade", "the candidate's version " + manifest.version() + " is not newer than " + running
                    + " (--allow-downgrade takes it anyway)");
        }
        try {
            if (!sha256(contract).equals(manifest.contractSha256())) {
                return new Verdict.Refused("contract", "the candidate was verified against another contract than " + contract
                        + " (sha256 " + manifest.contractSha256() + ")");
            }
            Path image = manifest.artifacts().stream().filter(a -> a.role().equals("image")).findFirst()
                    .map(a -> dir.resolve(a.name())).orElseThrow();
            List<ImageVerifier.Breach> breaches = ImageVerifier.verify(image, contract);
            if (!breaches.isEmpty()) {
                return new Verdict.Refused("contract", breaches.size() + " integration breaches, the first: " + breaches.getFirst());
            }
        } catch (IOException e) {
            return new Verdict.Refused("contract", "cannot verify the image against " + contract + ": " + e.getMessage());
        }
        return accepted;
    }

    /**
     * The checks that need nothing of the machine but its trusted keys: the manifest's form, its key and signature, and
     * each artifact's size and SHA-256 beside it. What a promoted slot is checked with at power-on, where the image that
     * runs may be older than the one that staged it (another contract, another version).
     */
    public static Verdict checkSigned(Path manifestFile, Path trustDir) {
        Verdict read = readSigned(manifestFile, trustDir);
        if (!(read instanceof Verdict.Accepted accepted)) return read;
        Path dir = manifestFile.toAbsolutePath().normalize().getParent(); // normalized, as each artifact's path is below
        for (Artifact a : accepted.manifest().artifacts()) {
            Path f = dir.resolve(a.name()).normalize();
            if (!f.getParent().equals(dir)) return new Verdict.Refused("malformed", "artifact " + a.name() + " is not beside the manifest");
            try {
                if (!Files.isRegularFile(f)) return new Verdict.Refused("artifact", "artifact " + a.name() + " is missing beside the manifest");
                long size = Files.size(f);
                if (size != a.size()) {
                    return new Verdict.Refused("artifact", "artifact " + a.name() + " is " + size + " bytes, the manifest says " + a.size());
                }
                String sha = sha256(f);
                if (!sha.equals(a.sha256())) {
                    return new Verdict.Refused("artifact", "artifact " + a.name() + " has sha256 " + sha + ", the manifest says " + a.sha256());
                }
            } catch (IOException e) {
                return new Verdict.Refused("artifact", "cannot read artifact " + a.name() + ": " + e.getMessage());
            }
        }
        return accepted;
    }

    /**
     * The manifest alone: its form, its key and its signature, not the artifacts (what a trial boot reads its own
     * slot's terms from, seconds after the kexec into it checked everything).
     */
    public static Verdict readSigned(Path manifestFile, Path trustDir) {
        JsonNode doc;
        String text;
        try {
            text = Files.readString(manifestFile);
            doc = JSON.readTree(text);
        } catch (IOException e) {
            return new Verdict.Refused("unreadable", manifestFile + " is not a readable JSON manifest: " + e.getMessage());
        }
        JsonNode m = doc.path("manifest");
        String keyId = doc.path("key").asText(""), sig = doc.path("signature").asText("");
        if (!m.isObject() || keyId.isEmpty() || sig.isEmpty()) {
            return new Verdict.Refused("malformed", manifestFile + " lacks manifest, key or signature; make it with spine image sign");
        }
        Map<String, PublicKey> trusted;
        try {
            trusted = trusted(trustDir);
        } catch (IOException e) {
            return new Verdict.Refused("unknown-key", "cannot read the trusted keys in " + trustDir + ": " + e.getMessage());
        }
        PublicKey pub = trusted.get(keyId);
        if (pub == null) {
            return new Verdict.Refused("unknown-key", "signed by key " + keyId + ", which this machine does not trust (keys in "
                    + trustDir + ": " + (trusted.isEmpty() ? "none" : String.join(", ", trusted.keySet())) + ")");
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(sig);
        } catch (IllegalArgumentException e) {
            return new Verdict.Refused("bad-signature", "the signature is not base64");
        }
        if (!Signing.verify(pub, canonical(m), signature)) {
            return new Verdict.Refused("bad-signature", "the signature does not match the manifest for key " + keyId
                    + ": the manifest was changed after signing, or signed by another key");
        }
        Manifest manifest;
        try {
            manifest = parse(m);
        } catch (IllegalArgumentException e) {
            return new Verdict.Refused("malformed", "the signed manifest is not format " + FORMAT + ": " + e.getMessage());
        }
        return new Verdict.Accepted(manifest, keyId, hash(m), text);
    }

    /** The trusted public keys in {@code dir} ({@code NAME.pub}), by key id; none when the directory does not exist. */
    static Map<String, PublicKey> trusted(Path dir) throws IOException {
        var out = new TreeMap<String, PublicKey>();
        if (!Files.isDirectory(dir)) return out;
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".pub")).sorted().toList()) {
                PublicKey k = Signing.readPublic(f);
                out.put(Signing.keyId(k), k);
            }
        }
        return out;
    }

    static Manifest parse(JsonNode m) {
        if (m.path("format").asInt(-1) != FORMAT) throw new IllegalArgumentException("format " + m.path("format"));
        String version = text(m, "version");
        Optional<String> replaces = m.hasNonNull("replaces") ? Optional.of(m.get("replaces").asText()) : Optional.empty();
        var artifacts = new ArrayList<Artifact>();
        for (JsonNode a : m.path("artifacts")) {
            long size = a.path("size").asLong(-1);
            if (size < 0) throw new IllegalArgumentException("artifact without a size");
            artifacts.add(new Artifact(text(a, "name"), text(a, "role"), text(a, "sha256"), size));
        }
        if (artifacts.stream().noneMatch(a -> a.role().equals("image")) || artifacts.stream().noneMatch(a -> a.role().equals("kernel"))) {
            throw new IllegalArgumentException("a candidate has a kernel and an image");
        }
        if (m.has("allowYellow") && !m.get("allowYellow").isBoolean()) throw new IllegalArgumentException("allowYellow is not true or false");
        return new Manifest(version, replaces, text(m, "contractSha256"), artifacts, m.path("allowYellow").asBoolean(false));
    }

    private static String text(JsonNode n, String field) {
        if (!n.path(field).isTextual() || n.path(field).asText().isEmpty()) throw new IllegalArgumentException("no " + field);
        return n.path(field).asText();
    }

    /** A candidate's hash: the SHA-256 of what its signature covers, so a changed artifact or version is another candidate. */
    static String hash(JsonNode manifest) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical(manifest)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes a signature covers: the manifest as JSON with every object's keys sorted and no white space. */
    static byte[] canonical(JsonNode manifest) {
        try {
            return JSON.writeValueAsBytes(sorted(manifest));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object sorted(JsonNode n) {
        if (n.isObject()) {
            var map = new TreeMap<String, Object>();
            n.properties().forEach(e -> map.put(e.getKey(), sorted(e.getValue())));
            return map;
        }
        if (n.isArray()) {
            var list = new ArrayList<Object>();
            n.forEach(x -> list.add(sorted(x)));
            return list;
        }
        return n;
    }

    /**
     * Dotted versions, numerically part by part ({@code 0.10.0} after {@code 0.9.1}); a pre-release after a dash
     * ({@code 0.1.0-dev}) sorts before the release itself, and pre-releases among themselves as text.
     */
    public static int compareVersions(String a, String b) {
        String[] pa = a.split("-", 2), pb = b.split("-", 2);
        String[] na = pa[0].split("\\."), nb = pb[0].split("\\.");
        for (int i = 0; i < Math.max(na.length, nb.length); i++) {
            long x = i < na.length ? number(na[i]) : 0, y = i < nb.length ? number(nb[i]) : 0;
            if (x != y) return Long.compare(x, y);
        }
        if (pa.length != pb.length) return pa.length == 1 ? 1 : -1;
        return pa.length == 1 ? 0 : pa[1].compareTo(pb[1]);
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static String sha256(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            return HexFormat.of().formatHex(d.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
