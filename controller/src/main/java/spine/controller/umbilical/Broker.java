package spine.controller.umbilical;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import spine.drivers.SocketDirs;
import spine.drivers.podman.PodmanDriver;
import spine.drivers.sysfs.SysfsDriver;
import spine.model.DesiredState;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.RunState;
import spine.model.StepResult;
import spine.model.Tenant;

/**
 * The umbilical (handoff {@code umbilical.rs}): bay0 listens on one socket per persona with {@code umbilical: true},
 * mounted at {@code /run/spine/umbilical.sock} in that persona alone, and forwards each request line to the AI
 * tenant's socket and its answer line back.
 * <ul>
 *   <li>Who calls: a connection is served only when the listening socket it came in on is that persona's and its
 *       SO_PEERCRED pid sits in that persona's container cgroup.</li>
 *   <li>Who answers: each connection onward is used only when the server's SO_PEERCRED pid sits in {@code sys__ai}'s
 *       cgroup; a socket put in place by anything else is refused and logged.</li>
 *   <li>Budget: requests and bytes per second per persona; a refused call gets a JSON error line, the connection
 *       stays.</li>
 *   <li>Drain: before the tenant stops or is replaced, new requests get an error line, those in flight may finish
 *       within the deadline, then connections onward close. The next pass ends the drain.</li>
 * </ul>
 * Every refusal is an answer line {@code {"ok":false,"error":...,"from":"umbilical"}}: a persona never hangs.
 */
public final class Broker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("umbilical");
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final ResourceId AI = ResourceId.tenant("ai");
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final SocketDirs dirs;
    private final PeerCheck peers;
    private final Budget budget;
    private final Map<ResourceId, Listener> listeners = new ConcurrentHashMap<>();
    private final Map<ResourceId, Budget.Buckets> buckets = new ConcurrentHashMap<>();
    private final Set<AFUNIXSocket> upstreams = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Optional<String> aiSocket = Optional.empty(); // the tenant's socket: path in its container
    private volatile boolean draining;
    private volatile boolean closed;

    public Broker(SocketDirs dirs, PeerCheck peers, Budget budget) {
        this.dirs = dirs;
        this.peers = peers;
        this.budget = budget;
    }

    /**
     * After every pass: listen for exactly the personas in {@code personas}, forward to the AI tenant's socket path
     * (empty: no AI tenant is configured), and end a drain (the pass that drained has stopped or replaced the tenant).
     */
    public synchronized void sync(Set<ResourceId> personas, Optional<String> aiSocketInContainer) {
        if (closed) return;
        aiSocket = aiSocketInContainer;
        if (draining) LOG.log(System.Logger.Level.INFO, "drain over; requests go to {0} again", AI);
        draining = false;
        for (ResourceId id : Set.copyOf(listeners.keySet())) {
            if (!personas.contains(id)) listeners.remove(id).close();
        }
        for (ResourceId id : personas) {
            if (listeners.containsKey(id)) continue;
            try {
                listeners.put(id, listen(id));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot listen persona={0} socket={1} error=\"{2}\"", id,
                        dirs.umbilicalSocket(id), e.getMessage());
            }
        }
    }

    /** {@link #sync} to the desired state: every persona that asks for the umbilical, and sys://ai when it should run. */
    public void follow(DesiredState desired) {
        var personas = new java.util.TreeSet<ResourceId>();
        Optional<String> ai = Optional.empty();
        for (var spec : desired.specs().values()) {
            if (spec instanceof Persona p && p.umbilical()) personas.add(p.id());
            if (spec instanceof Tenant t && t.id().equals(AI) && t.state() != RunState.STOPPED) ai = Optional.of(t.socket());
        }
        sync(personas, ai);
    }

    /** A broker whose peer checks ask podman, live, which container a resource runs as. */
    public static Broker serving(PodmanDriver podman, SysfsDriver sysfs) {
        return new Broker(podman.sockets(), new PeerCheck(sysfs, id -> podman.runningId(id.containerName())), Budget.defaults());
    }

    public Set<ResourceId> listening() {
        return Set.copyOf(listeners.keySet());
    }

    private Listener listen(ResourceId persona) throws IOException {
        RunDirs.persona(dirs, persona);
        Path sock = dirs.umbilicalSocket(persona);
        Files.deleteIfExists(sock); // a socket file left by an earlier bay0 has no listener
        AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
        server.bind(AFUNIXSocketAddress.of(sock));
        // anyone in the persona may connect; who may is decided by the peer check, and only this persona mounts it
        Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-"));
        var l = new Listener(persona, server);
        // Platform threads, not virtual: junixsocket blocks in native accept and read, which pins a virtual thread's
        // carrier; two slow requests on a 2-core machine then starved every other virtual thread (the executor's
        // steps, the control socket), and an apply waited for a persona's request to finish.
        Thread.ofPlatform().daemon().name("umbilical-" + persona.containerName()).start(l::acceptLoop);
        LOG.log(System.Logger.Level.INFO, "listening persona={0} socket={1}", persona, sock);
        return l;
    }

    private final class Listener {
        final ResourceId persona;
        final AFUNIXServerSocket server;
        final Set<AFUNIXSocket> clients = ConcurrentHashMap.newKeySet();

        Listener(ResourceId persona, AFUNIXServerSocket server) {
            this.persona = persona;
            this.server = server;
        }

        void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    AFUNIXSocket c = server.accept();
                    clients.add(c);
                    Thread.ofPlatform().daemon().name("umbilical-conn-" + persona.containerName()).start(() -> {
                        try (c) {
                            serve(persona, c);
                        } catch (IOException e) {
                            LOG.log(System.Logger.Level.DEBUG, "connection ended persona={0} error=\"{1}\"", persona, e.getMessage());
                        } finally {
                            clients.remove(c);
                        }
                    });
                } catch (IOException e) {
                    if (!server.isClosed()) LOG.log(System.Logger.Level.WARNING, "accept failed persona={0} error=\"{1}\"", persona, e.getMessage());
                }
            }
        }

        void close() {
            try {
                server.close();
                Files.deleteIfExists(dirs.umbilicalSocket(persona));
            } catch (IOException ignored) {
                // best effort: the directory goes with /run at the next boot
            }
            for (AFUNIXSocket c : clients) closeQuietly(c);
            LOG.log(System.Logger.Level.INFO, "stopped listening persona={0}", persona);
        }
    }

    private void serve(ResourceId persona, AFUNIXSocket client) throws IOException {
        PeerCheck.Verdict who = peers.check(client, persona);
        OutputStream out = client.getOutputStream();
        if (!who.ok()) {
            LOG.log(System.Logger.Level.WARNING, "caller refused persona={0} pid={1} reason=\"{2}\"", persona, who.pid(), who.detail());
            write(out, error("caller refused: " + who.detail()));
            return;
        }
        LOG.log(System.Logger.Level.INFO, "caller accepted persona={0} {1}", persona, who.detail());
        // buffered: junixsocket reads straight from the socket, so reading a line byte by byte was a system call per
        // byte (under TCG, twice the round trip of a direct connect); the protocol is one answer per request, so
        // nothing is read ahead of a line that is not its own
        InputStream in = new BufferedInputStream(client.getInputStream(), 8192);
        Budget.Buckets bucket = buckets.computeIfAbsent(persona, k -> new Budget.Buckets(budget, System.nanoTime()));
        Upstream up = null;
        try {
            while (true) {
                byte[] line;
                try {
                    line = readLine(in, budget.maxLine());
                } catch (LineTooLong e) {
                    write(out, error("request longer than " + budget.maxLine() + " bytes"));
                    return; // the rest of the line cannot be told from the next request
                }
                if (line == null) return;
                Optional<String> over = bucket.take(line.length, System.nanoTime());
                if (over.isPresent()) {
                    LOG.log(System.Logger.Level.INFO, "request refused persona={0} reason=\"{1}\"", persona, over.get());
                    write(out, error(over.get()));
                    continue;
                }
                if (draining) {
                    write(out, error(AI + " is draining (it is being stopped or replaced); retry in a few seconds"));
                    continue;
                }
                inFlight.incrementAndGet();
                try {
                    if (up == null || up.socket().isClosed()) {
                        try {
                            up = upstream();
                        } catch (Unreachable e) {
                            write(out, error(e.getMessage()));
                            continue;
                        }
                    }
                    up.out().write(withNewline(line));
                    byte[] answer = readLine(up.in(), 16 * 1024 * 1024);
                    if (answer == null) {
                        write(out, error(AI + " closed the connection" + (draining ? " (drained)" : "")));
                        closeQuietly(up.socket());
                        up = null;
                        continue;
                    }
                    bucket.spend(answer.length);
                    write(out, answer);
                } catch (SocketTimeoutException e) {
                    write(out, error(AI + " did not answer within " + ANSWER_TIMEOUT.toSeconds() + " s"));
                    closeQuietly(up == null ? null : up.socket());
                    up = null;
                } catch (IOException | LineTooLong e) {
                    if (up == null || up.socket().isClosed() || e instanceof LineTooLong) {
                        write(out, error(AI + " connection failed: " + e.getMessage()));
                        closeQuietly(up == null ? null : up.socket());
                        up = null;
                    } else {
                        throw e instanceof IOException io ? io : new IOException(e); // the persona side failed
                    }
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        } finally {
            closeQuietly(up == null ? null : up.socket());
        }
    }

    /** A checked connection to the tenant, with its reader kept across requests. */
    private record Upstream(AFUNIXSocket socket, InputStream in, OutputStream out) {}

    /** Why no checked connection to the tenant could be made; the message is the persona's error line. */
    private static final class Unreachable extends Exception {
        Unreachable(String why) {
            super(why);
        }
    }

    /** A connection to the AI tenant whose listener is proven to be sys__ai's. */
    private Upstream upstream() throws Unreachable {
        Optional<String> sock = aiSocket;
        if (sock.isEmpty()) {
            throw new Unreachable("no AI tenant is configured (apply a sys://ai Tenant)");
        }
        Path path = dirs.tenantSocket(AI, sock.get());
        AFUNIXSocket s = null;
        try {
            s = AFUNIXSocket.newInstance();
            s.connect(AFUNIXSocketAddress.of(path), 2_000);
            PeerCheck.Verdict who = peers.check(s, AI);
            if (!who.ok()) {
                LOG.log(System.Logger.Level.WARNING, "answerer refused socket={0} pid={1} reason=\"{2}\"", path, who.pid(), who.detail());
                closeQuietly(s);
                throw new Unreachable("refused the AI socket: " + who.detail());
            }
            s.setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
            upstreams.add(s);
            return new Upstream(s, new BufferedInputStream(s.getInputStream(), 8192), s.getOutputStream());
        } catch (IOException e) {
            closeQuietly(s);
            throw new Unreachable(AI + " is not answering at " + path + ": " + e.getMessage());
        }
    }

    /**
     * The drain step: new requests get an error line, those in flight get until {@code deadline}, then every
     * connection to the tenant closes. Succeeds either way; how it went is in the detail and the log.
     */
    public StepResult drain(ResourceId tenant, Duration deadline) {
        if (!tenant.equals(AI)) return new StepResult.Ok("no broker traffic for " + tenant);
        draining = true;
        long t0 = System.nanoTime(), until = t0 + deadline.toNanos();
        int atStart = inFlight.get();
        while (inFlight.get() > 0 && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int cut = inFlight.get();
        for (AFUNIXSocket s : upstreams) closeQuietly(s);
        upstreams.clear();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.log(System.Logger.Level.INFO, "drained tenant={0} in_flight_at_start={1} cut_off={2} ms={3}", tenant, atStart, cut, ms);
        return new StepResult.Ok("drained in " + ms + " ms; " + atStart + " in flight, " + cut + " cut off at the deadline");
    }

    /** validate's probe: a connection onward with the answerer checked, and one ping. */
    public ObjectNode probe() {
        ObjectNode r = JSON.createObjectNode();
        long t0 = System.nanoTime();
        Upstream up;
        try {
            up = upstream();
        } catch (Unreachable e) {
            r.put("ok", false).put("reason", e.getMessage());
            return r;
        }
        AFUNIXSocket s = up.socket();
        try (s) {
            up.out().write("{\"op\":\"ping\"}\n".getBytes(StandardCharsets.UTF_8));
            s.setSoTimeout(2_000);
            byte[] answer = readLine(up.in(), 64 * 1024);
            boolean ok = answer != null && JSON.readTree(answer).path("ok").asBoolean(false);
            r.put("ok", ok).put("reason", ok ? "ping answered through the broker in " + (System.nanoTime() - t0) / 1_000_000
                    + " ms; answerer checked in sys__ai's cgroup" : "ping got " + (answer == null ? "no answer" : new String(answer, StandardCharsets.UTF_8)));
        } catch (IOException | LineTooLong e) {
            r.put("ok", false).put("reason", "ping failed: " + e.getMessage());
        } finally {
            upstreams.remove(s);
        }
        return r;
    }

    @Override
    public synchronized void close() {
        closed = true;
        listeners.values().forEach(Listener::close);
        listeners.clear();
        for (AFUNIXSocket s : upstreams) closeQuietly(s);
    }

    private static final class LineTooLong extends Exception {
        LineTooLong() {
            super("line too long");
        }
    }

    /** One line without its newline; null at end of stream (a partial last line counts as a line). */
    private static byte[] readLine(InputStream in, int max) throws IOException, LineTooLong {
        var buf = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) return buf.size() == 0 ? null : buf.toByteArray();
            if (b == '\n') return buf.toByteArray();
            if (buf.size() >= max) throw new LineTooLong();
            buf.write(b);
        }
    }

    private static byte[] error(String message) {
        ObjectNode e = JSON.createObjectNode().put("ok", false).put("error", message).put("from", "umbilical");
        return e.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One line in one write: one system call. */
    private static void write(OutputStream out, byte[] line) throws IOException {
        out.write(withNewline(line));
    }

    private static byte[] withNewline(byte[] line) {
        byte[] b = java.util.Arrays.copyOf(line, line.length + 1);
        b[line.length] = '\n';
        return b;
    }

    private static void closeQuietly(AFUNIXSocket s) {
        if (s == null) return;
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
