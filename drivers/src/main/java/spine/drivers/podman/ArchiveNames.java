package spine.drivers.podman;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the names an image archive gives itself, from its bytes as they stream past (the Image's load reads the file
 * once): a tar's headers, and the content of its {@code index.json} (an OCI archive: each manifest's
 * {@code org.opencontainers.image.ref.name}) or {@code manifest.json} (a docker archive: each image's
 * {@code RepoTags}). {@code podman load} gives an image every name its archive carries, so an archive naming a built-in
 * image or another app's ref would move that name; the load refuses any name but the Image's ref. Only a plain
 * (uncompressed) tar is read: anything else cannot be checked, and is refused as such.
 */
final class ArchiveNames {
    private static final int BLOCK = 512;
    /** index.json and manifest.json are small; one larger than this is not what podman save writes. */
    private static final int MAX_MANIFEST = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    private long dataLeft;
    private long padLeft;
    private ByteArrayOutputStream capture;
    private String captured;
    private String paxPath;
    private ByteArrayOutputStream pax;
    private int zeroBlocks;
    private String error;
    private final List<String> names = new ArrayList<>();
    private boolean sawManifest;

    void update(byte[] b, int off, int len) {
        int i = off, end = off + len;
        while (i < end && error == null && zeroBlocks < 2) {
            if (dataLeft > 0) {
                int n = (int) Math.min(dataLeft, end - i);
                if (capture != null) {
                    if (capture.size() + n > MAX_MANIFEST) {
                        error = captured + " is larger than " + MAX_MANIFEST + " bytes";
                        return;
                    }
                    capture.write(b, i, n);
                }
                if (pax != null) pax.write(b, i, n);
                dataLeft -= n;
                i += n;
                if (dataLeft == 0) endOfEntry();
            } else if (padLeft > 0) {
                int n = (int) Math.min(padLeft, end - i);
                padLeft -= n;
                i += n;
            } else {
                int n = Math.min(BLOCK - headerFill, end - i);
                System.arraycopy(b, i, header, headerFill, n);
                headerFill += n;
                i += n;
                if (headerFill == BLOCK) {
                    headerFill = 0;
                    header();
                }
            }
        }
    }

    /** The names the archive gives, or why it cannot be read; call after the last byte. */
    Optional<String> refusal() {
        if (error != null) return Optional.of(error);
        if (zeroBlocks < 2 && (dataLeft > 0 || headerFill > 0)) return Optional.of("the tar ends inside an entry");
        if (!sawManifest) return Optional.of("it has neither index.json (OCI) nor manifest.json (docker): not an image archive");
        return Optional.empty();
    }

    List<String> names() {
        return List.copyOf(names);
    }

    private void header() {
        boolean zero = true;
        for (byte x : header) {
            if (x != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            zeroBlocks++;
            return;
        }
        zeroBlocks = 0;
        if (!checksumOk()) {
            error = "it is not a plain tar (a tar header's checksum is wrong): compressed archives are not read; podman save"
                    + " --format oci-archive writes a plain one";
            return;
        }
        String name = field(0, 100);
        String prefix = field(345, 155);
        if (!prefix.isEmpty() && "ustar".equals(field(257, 5))) name = prefix + "/" + name;
        long size = octal(124, 12);
        if (size < 0) {
            error = "a tar header's size is not a number";
            return;
        }
        char type = (char) header[156];
        if (paxPath != null && type != 'x' && type != 'g') {
            name = paxPath;
            paxPath = null;
        }
        dataLeft = size;
        padLeft = (BLOCK - size % BLOCK) % BLOCK;
        capture = null;
        pax = null;
        String bare = name.startsWith("./") ? name.substring(2) : name;
        if (type == 'x') {
            pax = new ByteArrayOutputStream();
        } else if ((type == '0' || type == 0) && (bare.equals("index.json") || bare.equals("manifest.json"))) {
            capture = new ByteArrayOutputStream();
            captured = bare;
        }
        if (size == 0) endOfEntry();
    }

    private void endOfEntry() {
        if (pax != null) {
            // records "LEN key=value\n"; only the path matters here
            for (String rec : pax.toString(StandardCharsets.UTF_8).split("\n")) {
                int sp = rec.indexOf(' ');
                if (sp > 0 && rec.startsWith("path=", sp + 1)) paxPath = rec.substring(sp + 6);
            }
            pax = null;
        }
        if (capture != null) {
            manifest(captured, capture.toByteArray());
            capture = null;
        }
    }

    private void manifest(String file, byte[] content) {
        sawManifest = true;
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (IOException e) {
            error = file + " is not JSON: " + e.getMessage();
            return;
        }
        if (file.equals("index.json")) {
            for (JsonNode m : root.path("manifests")) {
                JsonNode ref = m.path("annotations").path("org.opencontainers.image.ref.name");
                if (ref.isTextual()) names.add(ref.asText());
            }
        } else {
            for (JsonNode image : root) for (JsonNode tag : image.path("RepoTags")) if (tag.isTextual()) names.add(tag.asText());
        }
    }

    private boolean checksumOk() {
        long want = octal(148, 8);
        long sum = 0;
        for (int k = 0; k < BLOCK; k++) sum += (k >= 148 && k < 156) ? ' ' : (header[k] & 0xff);
        return want == sum;
    }

    private String field(int at, int len) {
        int n = 0;
        while (n < len && header[at + n] != 0) n++;
        return new String(header, at, n, StandardCharsets.UTF_8);
    }

    private long octal(int at, int len) {
        String s = field(at, len).strip();
        if (s.isEmpty()) return 0;
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
