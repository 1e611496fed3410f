package spine.drivers.podman;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A plain ustar archive built in memory, entry by entry, as podman save writes one (for the archive name checks). */
final class TarBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TarBytes file(String name, byte[] content) {
        return entry(name, '0', content);
    }

    TarBytes file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A PAX extended header naming the next entry {@code path} (Go's tar writes these for long names). */
    TarBytes paxPath(String path) {
        String rec = " path=" + path + "\n";
        int len = rec.length();
        len += Integer.toString(len + Integer.toString(len).length()).length();
        return entry("PaxHeaders/x", 'x', (len + rec).getBytes(StandardCharsets.UTF_8));
    }

    TarBytes entry(String name, char type, byte[] content) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", content.length));
        put(h, 136, "00000000000");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        out.writeBytes(h);
        out.writeBytes(content);
        out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        return this;
    }

    byte[] bytes() {
        var done = new ByteArrayOutputStream();
        done.writeBytes(out.toByteArray());
        done.writeBytes(new byte[1024]);
        return done.toByteArray();
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }

    static String index(String refName) {
        String ann = refName == null ? "" : ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"}";
        return "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\"sha256:66738edee66ad4b8d76e8d24ca01f315cc96d83b1bb6cdafafd391af5cc4c248\",\"size\":559" + ann + "}]}";
    }
}
