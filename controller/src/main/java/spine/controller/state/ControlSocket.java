package spine.controller.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;

import spine.drivers.kernel.HostFile;
import spine.drivers.kernel.Kernel;

/**
 * The control socket {@code <root>/spine/control.sock} through which the CLI hands work to {@code spine run}.
 * One JSON request line, one JSON reply line. A peer is accepted only when SO_PEERCRED says it is root, the
 * daemon's own user, or a member of the {@code spine} group, primary or supplementary: SO_PEERCRED carries only the
 * primary gid, so the others are read from {@code /proc/PID/status} ("Groups:") of the peer's pid while it is
 * connected. With group spine present, the socket is 0660 and {@code <root>/spine} is 0750, both group spine, so
 * members can reach the socket; nothing else there is group-writable. The server adds {@code peerUid} to every
 * request it hands on (whatever the client wrote there), so history can name who applied.
 */
public final class ControlSocket {
    private static final System.Logger LOG = System.getLogger("control");
    private static final int MAX_PATH = 107;

    /** Made on first use: a CLI that finds no converger listening never pays for a mapper here. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private ControlSocket() {}

    /** A bound, listening control socket. */
    public static final class Server implements AutoCloseable {
        private final AFUNIXServerSocket socket;
        private final Path path;
        private final Thread acceptor;
        private final long ownUid;
        private final OptionalLong spineGid;
        private final Kernel host;

        private Server(AFUNIXServerSocket socket, Path path, Function<ObjectNode, ObjectNode> handler, long ownUid,
                       OptionalLong spineGid, Kernel host) {
            this.socket = socket;
            this.path = path;
            this.host = host;
            this.ownUid = ownUid;
            this.spineGid = spineGid;
            this.acceptor = Thread.ofPlatform().name("control-accept").daemon().start(() -> acceptLoop(handler));
        }

        private void acceptLoop(Function<ObjectNode, ObjectNode> handler) {
            while (!socket.isClosed()) {
                try {
                    AFUNIXSocket peer = socket.accept();
                    // a platform thread: a native junixsocket read would pin a virtual thread's carrier (see Broker)
                    Thread.ofPlatform().daemon().name("control-peer").start(() -> serve(peer, handler));
                } catch (SocketException e) {
                    if (!socket.isClosed()) LOG.log(System.Logger.Level.WARNING, "control accept failed error=\"{0}\"", e.getMessage());
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "control accept failed error=\"{0}\"", e.getMessage());
                }
            }
        }

        private void serve(AFUNIXSocket peer, Function<ObjectNode, ObjectNode> handler) {
            try (peer) {
                AFUNIXSocketCredentials cred = peer.getPeerCredentials();
                long uid = cred.getUid();
                boolean allowed = uid == 0 || uid == ownUid
                        || (spineGid.isPresent() && groups(cred).contains(spineGid.getAsLong()));
                OutputStream out = peer.getOutputStream();
                peer.setSoTimeout(10_000);
                var in = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
                String line = in.readLine(); // read before any refusal, so the peer sees the reply, not a broken pipe
                if (!allowed) {
                    LOG.log(System.Logger.Level.WARNING, "control peer refused uid={0} pid={1}", uid, cred.getPid());
                    reply(out, Json.MAPPER.createObjectNode().put("error",
                            "permission denied: the control socket takes root or members of group spine"));
                    return;
                }
                if (line == null) return;
                peer.setSoTimeout(0); // a converge request may rightly take minutes
                ObjectNode request = (ObjectNode) Json.MAPPER.readTree(line);
                request.put("peerUid", uid);
                LOG.log(System.Logger.Level.INFO, "control request op={0} uid={1} pid={2}", request.path("op").asText(),
                        uid, cred.getPid());
                reply(out, handler.apply(request));
            } catch (IOException | ClassCastException e) {
                LOG.log(System.Logger.Level.WARNING, "control peer failed error=\"{0}\"", e.getMessage());
            }
        }

        /** The peer's primary gid (SO_PEERCRED) and its supplementary groups (its /proc/PID/status). */
        private Set<Long> groups(AFUNIXSocketCredentials cred) {
            var out = new TreeSet<Long>();
            long[] gids = cred.getGids();
            if (gids != null) Arrays.stream(gids).forEach(out::add);
            try {
                for (String line : Files.readAllLines(host.status(cred.getPid()))) {
                    if (!line.startsWith("Groups:")) continue;
                    for (String g : line.substring("Groups:".length()).trim().split("\\s+")) {
                        if (!g.isEmpty()) out.add(Long.parseLong(g));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot read the groups of control peer pid={0} error=\"{1}\"", cred.getPid(), e.getMessage());
            }
            return out;
        }

        @Override
        public void close() {
            try {
                socket.close();
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing control socket failed error=\"{0}\"", e.getMessage());
            }
            acceptor.interrupt();
        }
    }

    /**
     * Binds the socket. Call only while holding the {@link ConvergeLock}, so a stale socket file is safe to replace.
     * {@code host} is where the peers' groups and group spine are read ({@code /proc}, {@code /etc/group}).
     */
    public static Server bind(SpineRoot root, Kernel host, Function<ObjectNode, ObjectNode> handler) throws StateException {
        root.ensureDir();
        Path path = root.controlSocket();
        checkLength(path);
        try {
            Files.deleteIfExists(path);
            AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
            server.bind(AFUNIXSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            OptionalLong gid = spineGroup(host, path);
            if (gid.isPresent()) {
                // members must be able to reach the socket: the directory goes to group spine, read and search only
                Files.setAttribute(root.dir(), "posix:group", Files.readAttributes(path, PosixFileAttributes.class).group());
                Files.setPosixFilePermissions(root.dir(), PosixFilePermissions.fromString("rwxr-x---"));
            }
            long uid = ((Number) Files.getAttribute(root.dir(), "unix:uid")).longValue();
            LOG.log(System.Logger.Level.INFO, "control socket listening path={0} spine_gid={1}", path,
                    gid.isPresent() ? gid.getAsLong() : "none");
            return new Server(server, path, handler, uid, gid, host);
        } catch (IOException e) {
            throw new StateException("cannot bind control socket " + path + ": " + e.getMessage(), e);
        }
    }

    /** Hands the socket to group spine when that group exists, and returns its gid. */
    private static OptionalLong spineGroup(Kernel host, Path socket) {
        try {
            for (String line : Files.readAllLines(host.path(HostFile.GROUPS))) {
                List<String> f = List.of(line.split(":", -1));
                if (f.size() >= 3 && f.get(0).equals("spine")) {
                    GroupPrincipal g = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName("spine");
                    Files.setAttribute(socket, "posix:group", g);
                    return OptionalLong.of(Long.parseLong(f.get(2)));
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read group spine error=\"{0}\"", e.getMessage());
        }
        return OptionalLong.empty();
    }

    /** Connects to a running {@code spine run}; empty when none is listening. */
    public static Optional<Client> connect(SpineRoot root) {
        Path path = root.controlSocket();
        if (!Files.exists(path) || path.toString().length() > MAX_PATH) return Optional.empty();
        try {
            return Optional.of(new Client(AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path))));
        } catch (IOException e) {
            // a stale file left by a daemon that died, or one that is closing: nobody is listening
            LOG.log(System.Logger.Level.INFO, "control socket did not answer path={0} error=\"{1}\"", path, e.getMessage());
            return Optional.empty();
        }
    }

    /** One request and its reply. */
    public static final class Client implements AutoCloseable {
        private final AFUNIXSocket socket;

        private Client(AFUNIXSocket socket) {
            this.socket = socket;
        }

        public ObjectNode request(ObjectNode request, Duration timeout) throws StateException {
            try {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
                reply(socket.getOutputStream(), request);
                var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                String line = in.readLine();
                if (line == null) throw new StateException("spine run closed the control socket without a reply; see its log");
                return (ObjectNode) Json.MAPPER.readTree(line);
            } catch (IOException e) {
                throw new StateException("control socket request failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a finished exchange; nothing depends on it
            }
        }
    }

    private static void reply(OutputStream out, ObjectNode node) throws IOException {
        out.write((Json.MAPPER.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void checkLength(Path path) throws StateException {
        if (path.toString().length() > MAX_PATH) {
            throw new StateException("control socket path " + path + " is longer than the 107 bytes a unix socket allows;"
                    + " use a shorter --root");
        }
    }
}
