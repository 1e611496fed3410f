package spine.controller.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A persona carried to another machine (issue 28, section 4): one POSIX tar file holding {@code spine-persona/specs.yaml}
 * (the persona, its envelope and its Image), the Image's archive when it has one ({@code spine-persona/image.tar}), each
 * volume's tree ({@code spine-persona/volumes/NAME/...}) and, last, {@code spine-persona/manifest.json}, which lists every
 * other entry with its type and, for a file, its size and sha256. Any tar reads it; {@link #verify} reads it through
 * once and checks every part against the manifest before anything is written, and {@link #extract} writes it into a
 * staging directory, checking again. Only regular files, directories and symbolic links are taken; a path that is
 * absolute, has {@code ..}, or leaves the bundle's directory, a hard link, a device, or a part the manifest does not
 * list is refused with the entry's name.
 */
public final class PersonaBundle {
    public static final String FORMAT = "spine-persona/1";
    static final String TOP = "spine-persona/";
    public static final String SPECS = TOP + "specs.yaml", IMAGE = TOP + "image.tar", MANIFEST = TOP + "manifest.json";
    static final String VOLUMES = TOP + "volumes/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BLOCK = 512;
    /** The manifest and the specs are read into memory: bounded. */
    private static final long MAX_TEXT = 16L << 20;

    /** One part: its path in the bundle, its type (file, dir, link), and for a file its bytes and sha256. */
    public record Part(String path, String type, long size, String sha256, String link) {}

    /** A bundle read through and found whole: its manifest's persona, its specs text and its parts. */
    public record Verified(String persona, String specs, List<Part> parts, Optional<String> imageSha256) {
        public List<String> volumes() {
            return parts.stream().filter(p -> p.type().equals("dir") && p.path().startsWith(VOLUMES)
                    && p.path().substring(VOLUMES.length()).indexOf('/') < 0).map(p -> p.path().substring(VOLUMES.length())).toList();
        }
    }

    private PersonaBundle() {}

    /** Writes a bundle to {@code out} (through {@code out}.part, renamed when whole). */
    public static void write(Path out, String persona, String specs, Optional<Path> image, Map<String, Path> volumes)
            throws StateException {
        Path part = out.resolveSibling(out.getFileName() + ".part");
        var parts = new ArrayList<Part>();
        try (HashPipe pipe = new HashPipe(); OutputStream o = new BufferedOutputStream(Files.newOutputStream(part), 1 << 16)) {
            byte[] text = specs.getBytes(StandardCharsets.UTF_8);
            parts.add(file(pipe, o, SPECS, new java.io.ByteArrayInputStream(text), text.length, 0644, 0, 0, 0));
            if (image.isPresent()) {
                try (InputStream in = Files.newInputStream(image.get())) {
                    parts.add(file(pipe, o, IMAGE, in, Files.size(image.get()), 0644, 0, 0, 0));
                }
            }
            dir(o, TOP + "volumes", 0755, 0, 0, 0);
            for (var v : volumes.entrySet()) tree(pipe, o, VOLUMES + v.getKey(), v.getValue(), parts);
            ObjectNode m = JSON.createObjectNode().put("format", FORMAT).put("persona", persona);
            ArrayNode list = m.putArray("parts");
            for (Part p : parts) {
                ObjectNode e = list.addObject().put("path", p.path()).put("type", p.type());
                if (p.type().equals("file")) e.put("size", p.size()).put("sha256", p.sha256());
                if (p.type().equals("link")) e.put("link", p.link());
            }
            byte[] manifest = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m);
            file(pipe, o, MANIFEST, new java.io.ByteArrayInputStream(manifest), manifest.length, 0644, 0, 0, 0);
            o.write(new byte[BLOCK * 2]);
            o.flush();
        } catch (IOException e) {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // the reason below is the one that matters
            }
            throw new StateException("cannot write " + out + ": " + why(e), e);
        }
        try {
            Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StateException("cannot rename " + part + " to " + out + ": " + e.getMessage(), e);
        }
    }

    private static void tree(HashPipe pipe, OutputStream o, String prefix, Path root, List<Part> parts) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                String name = name(prefix, root, d);
                dir(o, name, mode(d), owner(d, "unix:uid"), owner(d, "unix:gid"), attrs.lastModifiedTime().toMillis() / 1000);
                parts.add(new Part(name, "dir", 0, null, null));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                String name = name(prefix, root, f);
                if (attrs.isSymbolicLink()) {
                    String target = Files.readSymbolicLink(f).toString();
                    header(o, name, '2', 0777, owner(f, "unix:uid"), owner(f, "unix:gid"), 0, attrs.lastModifiedTime().toMillis() / 1000, target);
                    parts.add(new Part(name, "link", 0, null, target));
                } else if (attrs.isRegularFile()) {
                    try (InputStream in = Files.newInputStream(f, LinkOption.NOFOLLOW_LINKS)) {
                        parts.add(file(pipe, o, name, in, attrs.size(), mode(f), attrs.lastModifiedTime().toMillis() / 1000,
                                owner(f, "unix:uid"), owner(f, "unix:gid")));
                    }
                } // sockets, fifos and devices are not a person's files: left out
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static String name(String prefix, Path root, Path p) {
        String rel = root.relativize(p).toString();
        return rel.isEmpty() ? prefix : prefix + "/" + rel;
    }

    private static int mode(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue() & 07777;
    }

    private static int owner(Path p, String attr) throws IOException {
        return ((Number) Files.getAttribute(p, attr, LinkOption.NOFOLLOW_LINKS)).intValue();
    }

    /** A file entry; the sha256 is taken while the bytes go out (one read). A file that changed size is refused. */
    private static Part file(HashPipe pipe, OutputStream o, String name, InputStream in, long size, int mode, long mtime, int uid,
                             int gid) throws IOException {
        header(o, name, '0', mode, uid, gid, size, mtime, null);
        String sha;
        try {
            sha = pipe.copy(in, o, size, name);
        } catch (EOFException e) {
            throw new IOException(name + " shrank while it was read: stop what writes it and export again", e);
        }
        if (in.read() >= 0) throw new IOException(name + " grew while it was read: stop what writes it and export again");
        pad(o, size);
        return new Part(name, "file", size, sha, null);
    }

    private static void dir(OutputStream o, String name, int mode, int uid, int gid, long mtime) throws IOException {
        header(o, name + "/", '5', mode, uid, gid, 0, mtime, null);
    }

    /** A ustar header, after a pax header when the name, the link or the size does not fit ustar's fields. */
    private static void header(OutputStream o, String name, char type, int mode, int uid, int gid, long size, long mtime,
                               String link) throws IOException {
        var pax = new StringBuilder();
        if (name.getBytes(StandardCharsets.UTF_8).length > 100) pax.append(record("path", name));
        if (link != null && link.getBytes(StandardCharsets.UTF_8).length > 100) pax.append(record("linkpath", link));
        if (size > 077777777777L) pax.append(record("size", Long.toString(size)));
        if (!pax.isEmpty()) {
            byte[] p = pax.toString().getBytes(StandardCharsets.UTF_8);
            o.write(block("PaxHeaders/entry", 'x', 0644, 0, 0, p.length, mtime, null));
            o.write(p);
            pad(o, p.length);
        }
        o.write(block(name, type, mode, uid, gid, size, mtime, link));
    }

    private static String record(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int len = body.getBytes(StandardCharsets.UTF_8).length;
        int total = len + Integer.toString(len).length();
        if (Integer.toString(total).length() != Integer.toString(len).length()) total++;
        return total + body;
    }

    private static byte[] block(String name, char type, int mode, int uid, int gid, long size, long mtime, String link) {
        byte[] b = new byte[BLOCK];
        put(b, 0, 100, name);
        octal(b, 100, 8, mode);
        octal(b, 108, 8, Math.max(0, uid) & 07777777);
        octal(b, 116, 8, Math.max(0, gid) & 07777777);
        octal(b, 124, 12, Math.min(size, 077777777777L));
        octal(b, 136, 12, Math.max(0, mtime));
        b[156] = (byte) type;
        if (link != null) put(b, 157, 100, link);
        put(b, 257, 6, "ustar");
        b[263] = '0';
        b[264] = '0';
        java.util.Arrays.fill(b, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte x : b) sum += x & 0xff;
        octal(b, 148, 7, sum);
        return b;
    }

    private static void put(byte[] b, int off, int len, String s) {
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(v, 0, b, off, Math.min(len, v.length));
    }

    private static void octal(byte[] b, int off, int len, long v) {
        String s = Long.toOctalString(v);
        s = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        put(b, off, len - 1, s);
    }

    private static void pad(OutputStream o, long size) throws IOException {
        int r = (int) (size % BLOCK);
        if (r != 0) o.write(new byte[BLOCK - r]);
    }

    // ---- reading ------------------------------------------------------------------------------------------------

    /** Reads {@code bundle} through once, writing nothing, and checks it whole: the reason when it is not. */
    public static Verified verify(Path bundle) throws StateException {
        return read(bundle, Optional.empty());
    }

    /**
     * Writes the bundle's parts under {@code staging} (which must not exist yet) as {@code specs.yaml}, {@code image.tar}
     * and {@code volumes/NAME/...}, checking every part against the manifest again; the links last, so no file is ever
     * written through one.
     */
    public static Verified extract(Path bundle, Path staging) throws StateException {
        try {
            Files.createDirectories(staging.getParent());
            Files.createDirectory(staging);
        } catch (IOException e) {
            throw new StateException("cannot make the staging directory " + staging + ": " + e.getMessage(), e);
        }
        return read(bundle, Optional.of(staging));
    }

    private record Header(String name, char type, int mode, int uid, int gid, long size, long mtime, String link) {}

    private static Verified read(Path bundle, Optional<Path> into) throws StateException {
        var seen = new LinkedHashMap<String, Part>();
        var links = new ArrayList<Header>();
        var dirTimes = new ArrayList<Header>();
        String specs = null, manifest = null;
        try (HashPipe pipe = new HashPipe(); InputStream in = new BufferedInputStream(Files.newInputStream(bundle), 1 << 16)) {
            Map<String, String> pax = Map.of();
            while (true) {
                byte[] b = in.readNBytes(BLOCK);
                if (b.length == 0) break;
                if (b.length < BLOCK) throw new StateException("the file ends inside a tar header: it was cut short");
                if (allZero(b)) break;
                Header h = parse(b, pax);
                pax = Map.of();
                if (manifest != null) throw new StateException("an entry follows the manifest (" + h.name() + "): not a bundle Spine wrote");
                if (h.type() == 'x') {
                    pax = paxRecords(new String(readText(in, h), StandardCharsets.UTF_8));
                    continue;
                }
                String name = checked(h);
                if (seen.containsKey(name)) throw new StateException("entry " + name + " appears twice");
                switch (h.type()) {
                    case '5' -> {
                        seen.put(name, new Part(name, "dir", 0, null, null));
                        into.flatMap(d -> target(d, name)).ifPresent(p -> mkdir(p, h));
                        if (into.isPresent()) dirTimes.add(h);
                    }
                    case '2' -> {
                        if (!name.startsWith(VOLUMES)) throw new StateException("entry " + name + " is a link outside the volumes");
                        seen.put(name, new Part(name, "link", 0, null, h.link()));
                        links.add(h);
                    }
                    case '0', '\0' -> {
                        if (name.equals(MANIFEST)) {
                            manifest = new String(readText(in, h), StandardCharsets.UTF_8);
                        } else if (name.equals(SPECS)) {
                            byte[] t = readText(in, h);
                            specs = new String(t, StandardCharsets.UTF_8);
                            seen.put(name, new Part(name, "file", t.length, HexFormat.of().formatHex(Slots.sha256().digest(t)), null));
                            into.ifPresent(d -> write(d.resolve("specs.yaml"), t));
                        } else {
                            Optional<Path> to = into.flatMap(d -> target(d, name));
                            if (into.isPresent() && to.isEmpty()) throw new StateException("entry " + name + " has no place in a persona");
                            seen.put(name, new Part(name, "file", h.size(), copy(pipe, in, h, to), null));
                        }
                    }
                    default -> throw new StateException("entry " + name + " is of tar type '" + h.type()
                            + "': a bundle holds files, directories and symbolic links only");
                }
            }
        } catch (IOException | UncheckedStateException e) {
            Throwable c = e instanceof UncheckedStateException u ? u.getCause() : e;
            throw new StateException("cannot read " + bundle + ": " + (c instanceof IOException io ? why(io) : c.getMessage()), c);
        }
        if (manifest == null) throw new StateException(bundle + " has no " + MANIFEST + " at its end: cut short, or not a persona bundle");
        Verified v = checkManifest(bundle, manifest, specs, seen);
        if (into.isPresent()) {
            for (Header l : links) target(into.get(), checked(l)).ifPresent(p -> link(p, l));
            for (Header d : dirTimes.reversed()) target(into.get(), checked(d)).ifPresent(p -> times(p, d));
        }
        return v;
    }

    private static Verified checkManifest(Path bundle, String text, String specs, Map<String, Part> seen) throws StateException {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (IOException e) {
            throw new StateException(bundle + ": its manifest is not JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(m.path("format").asText())) {
            throw new StateException(bundle + ": manifest format is '" + m.path("format").asText() + "', this Spine reads " + FORMAT);
        }
        var listed = new LinkedHashMap<String, Part>();
        for (JsonNode e : m.path("parts")) {
            var p = new Part(e.path("path").asText(), e.path("type").asText(), e.path("size").asLong(0),
                    e.has("sha256") ? e.path("sha256").asText() : null, e.has("link") ? e.path("link").asText() : null);
            listed.put(p.path(), p);
        }
        for (Part got : seen.values()) {
            Part want = listed.get(got.path());
            if (want == null) {
                if (got.path().equals(TOP + "volumes") && got.type().equals("dir")) continue;
                throw new StateException(bundle + ": " + got.path() + " is not in the manifest");
            }
            if (!want.type().equals(got.type()) || (got.type().equals("file")
                    && (want.size() != got.size() || !got.sha256().equals(want.sha256())))
                    || (got.type().equals("link") && !got.link().equals(want.link()))) {
                throw new StateException(bundle + ": " + got.path() + " differs from the manifest: sha256 " + got.sha256() + " ("
                        + got.size() + " bytes), the manifest says " + want.sha256() + " (" + want.size() + " bytes)");
            }
        }
        for (String p : listed.keySet()) {
            if (!seen.containsKey(p)) throw new StateException(bundle + ": " + p + " is in the manifest but not in the file");
        }
        if (specs == null) throw new StateException(bundle + " has no " + SPECS);
        Optional<String> image = Optional.ofNullable(listed.get(IMAGE)).map(Part::sha256);
        return new Verified(m.path("persona").asText(), specs, List.copyOf(listed.values()), image);
    }

    private static Header parse(byte[] b, Map<String, String> pax) throws StateException {
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : b[i] & 0xff;
        long stored = octal(b, 148, 8);
        if (stored != sum) throw new StateException("a tar header's checksum is wrong: the file is damaged or not a tar");
        String name = cstr(b, 0, 100);
        String prefix = cstr(b, 345, 155);
        if (!prefix.isEmpty()) name = prefix + "/" + name;
        String link = cstr(b, 157, 100);
        long size = octal(b, 124, 12);
        if (pax.containsKey("path")) name = pax.get("path");
        if (pax.containsKey("linkpath")) link = pax.get("linkpath");
        if (pax.containsKey("size")) {
            try {
                size = Long.parseLong(pax.get("size"));
            } catch (NumberFormatException e) {
                throw new StateException("a pax size is not a number: " + pax.get("size"));
            }
        }
        if (size < 0) throw new StateException("entry " + name + " has a negative size");
        return new Header(name, (char) b[156], (int) octal(b, 100, 8), (int) octal(b, 108, 8), (int) octal(b, 116, 8), size,
                octal(b, 136, 12), link);
    }

    /** The entry's name, refused unless it is a plain relative path inside the bundle's directory. */
    private static String checked(Header h) throws StateException {
        String n = h.name();
        while (n.endsWith("/")) n = n.substring(0, n.length() - 1);
        if (n.startsWith("/") || n.contains("\\") || n.contains("\0")) throw new StateException("entry " + h.name() + " is not a plain relative path");
        for (String part : n.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new StateException("entry " + h.name() + " has an empty, . or .. segment: refused");
            }
        }
        if (!(n + "/").startsWith(TOP)) throw new StateException("entry " + h.name() + " is outside " + TOP);
        if (n.startsWith(VOLUMES)) {
            String vol = n.substring(VOLUMES.length()).split("/")[0];
            if (!spine.model.ResourceId.isLabel(vol)) throw new StateException("entry " + h.name() + ": " + vol + " is not a volume name");
        }
        return n;
    }

    /** Where an entry goes under the staging directory: specs.yaml, image.tar or volumes/...; empty for the rest. */
    private static Optional<Path> target(Path staging, String name) {
        if (name.equals(IMAGE)) return Optional.of(staging.resolve("image.tar"));
        if (name.equals(TOP + "volumes")) return Optional.of(staging.resolve("volumes"));
        if (name.startsWith(VOLUMES)) return Optional.of(staging.resolve("volumes").resolve(name.substring(VOLUMES.length())));
        return Optional.empty();
    }

    private static byte[] readText(InputStream in, Header h) throws IOException, StateException {
        if (h.size() > MAX_TEXT) throw new StateException("entry " + h.name() + " is " + h.size() + " bytes, more than a manifest or specs may be");
        byte[] t = in.readNBytes((int) h.size());
        if (t.length < h.size()) throw new EOFException("the file ends inside " + h.name());
        skipPad(in, h.size());
        return t;
    }

    private static String copy(HashPipe pipe, InputStream in, Header h, Optional<Path> to) throws IOException {
        String sha;
        if (to.isPresent()) {
            Path p = to.get();
            // never through a link, never over what is there: links are made last, each path once
            if (!Files.isDirectory(p.getParent(), LinkOption.NOFOLLOW_LINKS)) throw new IOException("entry " + h.name() + " comes before its directory");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(p, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), 1 << 16)) {
                sha = pipe.copy(in, out, h.size(), h.name());
            }
            perms(p, h.mode());
            chown(p, h);
            Files.setLastModifiedTime(p, FileTime.fromMillis(h.mtime() * 1000));
        } else {
            sha = pipe.copy(in, null, h.size(), h.name());
        }
        skipPad(in, h.size());
        return sha;
    }

    private static void mkdir(Path p, Header h) {
        try {
            if (!Files.isDirectory(p.getParent(), LinkOption.NOFOLLOW_LINKS)) throw new IOException("entry " + h.name() + " comes before its directory");
            Files.createDirectory(p);
            perms(p, h.mode() | 0700);
            chown(p, h);
        } catch (IOException e) {
            throw new UncheckedStateException(e);
        }
    }

    private static void link(Path p, Header h) {
        try {
            Files.createSymbolicLink(p, Path.of(h.link()));
        } catch (IOException e) {
            throw new UncheckedStateException(e);
        }
    }

    private static void times(Path p, Header h) {
        try {
            perms(p, h.mode());
            Files.setLastModifiedTime(p, FileTime.fromMillis(h.mtime() * 1000));
        } catch (IOException e) {
            throw new UncheckedStateException(e);
        }
    }

    private static void write(Path p, byte[] bytes) {
        try {
            Files.write(p, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
        } catch (IOException e) {
            throw new UncheckedStateException(e);
        }
    }

    private static void perms(Path p, int mode) throws IOException {
        Set<PosixFilePermission> set = new HashSet<>();
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
        for (int i = 0; i < 9; i++) if ((mode & (0400 >> i)) != 0) set.add(all[i]);
        Files.setPosixFilePermissions(p, set);
    }

    private static void chown(Path p, Header h) throws IOException {
        try {
            Files.setAttribute(p, "unix:uid", h.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", h.gid(), LinkOption.NOFOLLOW_LINKS);
        } catch (SecurityException | UnsupportedOperationException | java.nio.file.FileSystemException e) {
            // not root (a test's own root): the files stay the importer's
        }
    }

    private static void skipPad(InputStream in, long size) throws IOException {
        int r = (int) (size % BLOCK);
        if (r != 0) in.skipNBytes(BLOCK - r);
    }

    private static Map<String, String> paxRecords(String text) throws StateException {
        var out = new LinkedHashMap<String, String>();
        for (String line : text.split("\n")) {
            int sp = line.indexOf(' '), eq = line.indexOf('=');
            if (line.isEmpty()) continue;
            if (sp < 0 || eq < sp) throw new StateException("a pax header record is malformed: " + line);
            out.put(line.substring(sp + 1, eq), line.substring(eq + 1));
        }
        return out;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static String cstr(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) throws StateException {
        String s = cstr(b, off, len).trim();
        if (s.isEmpty()) return 0;
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new StateException("a tar header field is not octal: '" + s + "'");
        }
    }

    /** What went wrong, as a person reads it: Java's file exceptions carry only the path. */
    static String why(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such file or directory: " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason() + ": " + f.getFile();
            default -> e.getMessage();
        };
    }


    /** An IOException carried out of a lambda. */
    private static final class UncheckedStateException extends RuntimeException {
        UncheckedStateException(IOException cause) {
            super(cause);
        }
    }
}
