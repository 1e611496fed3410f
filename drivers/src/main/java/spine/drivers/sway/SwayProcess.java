package spine.drivers.sway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import spine.drivers.exec.CommandRunner;

/**
 * sway as a host process that bay0 spawns and owns (a system tenant, not a container). It runs as an unprivileged
 * uid (sway refuses root) in a private runtime directory owned by that uid alone (0700), emptied before each spawn,
 * where it makes its Wayland socket ({@code wayland-1}) and, at {@code SWAYSOCK}, its IPC socket.
 * <p>
 * Ready is hijack-proof: a {@code connect()} to the Wayland socket whose SO_PEERCRED pid is the process spawned here,
 * and a {@code GET_VERSION} answered on the IPC socket, checked the same way. A socket served by any other process is
 * refused with both pids, and the caller keeps waiting. sway ignores a SIGTERM that comes before it finished
 * starting, so {@link #stop} escalates to SIGKILL after a bound. Every line sway prints is logged.
 */
public final class SwayProcess implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("compositor");
    public static final String WAYLAND = "wayland-1";
    public static final String IPC = "ipc.sock";

    /** How to start it: the privilege drop (argv prefix naming the uid), sway's argv, the directory, the uid, extra env. */
    public record Launch(List<String> dropPrivileges, List<String> sway, Path dir, int uid, Map<String, String> env) {
        public Launch {
            dropPrivileges = List.copyOf(dropPrivileges);
            sway = List.copyOf(sway);
            env = Map.copyOf(env);
        }

        /** util-linux setpriv where it exists (build hosts), else busybox su (the image), both exec in place. */
        public static List<String> dropTo(int uid, Optional<String> user) {
            if (Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
                return List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--");
            }
            // "--" ends su's options: busybox permutes argv, so sway's own "-c CONFIG" would otherwise replace su's -c
            return List.of("/bin/su", "-m", "-s", "/bin/sh", "-c", "exec \"$0\" \"$@\"", "--", user.orElse(Integer.toString(uid)));
        }

        /** The environment of a headless sway with the pixman renderer (the VM, machines without a GPU). */
        public static Map<String, String> headless() {
            return Map.of("WLR_BACKENDS", "headless", "WLR_RENDERER", "pixman", "WLR_LIBINPUT_NO_DEVICES", "1");
        }
    }

    /** What a readiness look found. */
    public sealed interface Readiness {
        record Ready(long pid, String version) implements Readiness {}
        record Waiting(String why) implements Readiness {}
        record Refused(String why) implements Readiness {}
    }

    private final Launch launch;
    private final Process process;

    private SwayProcess(Launch launch, Process process) {
        this.launch = launch;
        this.process = process;
    }

    /** Empties the runtime directory, makes it the uid's alone, and starts sway. */
    public static SwayProcess spawn(Launch launch, CommandRunner runner) throws IOException {
        Path dir = launch.dir();
        Files.createDirectories(dir);
        try (Stream<Path> old = Files.list(dir)) {
            for (Path p : old.toList()) Files.deleteIfExists(p);
        }
        Files.setAttribute(dir, "unix:uid", launch.uid());
        Files.setAttribute(dir, "unix:gid", launch.uid());
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        var argv = new ArrayList<>(launch.dropPrivileges());
        argv.addAll(launch.sway());
        var env = new TreeMap<>(Map.of("XDG_RUNTIME_DIR", dir.toString(), "SWAYSOCK", dir.resolve(IPC).toString(),
                "HOME", dir.toString(), "PATH", "/usr/bin:/bin:/usr/sbin:/sbin", "LANG", "C.UTF-8"));
        env.putAll(launch.env());
        LOG.log(System.Logger.Level.INFO, "compositor spawning argv={0} dir={1} uid={2}", argv, dir, launch.uid());
        Process p = runner.start(argv, env);
        LOG.log(System.Logger.Level.INFO, "compositor spawned pid={0}", p.pid());
        Thread.ofPlatform().daemon().name("sway-output").start(() -> {
            try (var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    LOG.log(System.Logger.Level.INFO, "sway pid={0}: {1}", p.pid(), line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
        return new SwayProcess(launch, p);
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Path wayland() {
        return launch.dir().resolve(WAYLAND);
    }

    public Path ipc() {
        return launch.dir().resolve(IPC);
    }

    /** One look: both sockets served by this process, or why not yet, or why never (another process serves one). */
    public Readiness look() {
        if (!process.isAlive()) return new Readiness.Refused("sway pid " + pid() + " exited with code " + process.exitValue());
        Readiness w = served(wayland(), pid());
        if (!(w instanceof Readiness.Ready)) return w;
        try (SwaySocket s = SwaySocket.connect(ipc(), Duration.ofSeconds(2))) {
            long peer = s.peerPid();
            if (peer != pid()) return refused(ipc(), peer);
            return new Readiness.Ready(pid(), new SwayDriver(s).version());
        } catch (IOException e) {
            return new Readiness.Waiting(ipc() + ": " + e.getMessage());
        }
    }

    /** Looks every 5 ms until ready, refused, or the bound passes (then the last reason to wait). */
    public Readiness await(Duration bound) {
        long t0 = System.nanoTime(), deadline = t0 + bound.toNanos();
        Readiness r;
        Optional<String> lastRefusal = Optional.empty();
        while (true) {
            r = look();
            if (r instanceof Readiness.Ready ready) {
                LOG.log(System.Logger.Level.INFO, "compositor ready pid={0} version={1} ms={2}", ready.pid(), ready.version(),
                        (System.nanoTime() - t0) / 1_000_000);
                return r;
            }
            if (r instanceof Readiness.Refused x && !lastRefusal.equals(Optional.of(x.why()))) {
                // a planted socket: refuse it, say so once, and keep waiting for sway's own
                LOG.log(System.Logger.Level.WARNING, "compositor socket refused: {0}", x.why());
                lastRefusal = Optional.of(x.why());
                if (!process.isAlive()) return r;
            }
            if (System.nanoTime() > deadline) return r;
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Readiness.Waiting("interrupted");
            }
        }
    }

    /** Who serves {@code socket}: ready when it is {@code pid}. */
    public static Readiness served(Path socket, long pid) {
        if (!Files.exists(socket)) return new Readiness.Waiting(socket + " does not exist yet");
        try (AFUNIXSocket s = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket))) {
            long peer = s.getPeerCredentials().getPid();
            return peer == pid ? new Readiness.Ready(pid, "") : refused(socket, peer);
        } catch (IOException e) {
            return new Readiness.Waiting(socket + ": " + e.getMessage());
        }
    }

    private static Readiness refused(Path socket, long peer) {
        return new Readiness.Refused(socket + " is served by pid " + peer + ", not by the compositor bay0 spawned; not using it");
    }

    /** SIGTERM, then SIGKILL after {@code grace} (sway ignores a SIGTERM before it finished starting). */
    public void stop(Duration grace) {
        if (!process.isAlive()) return;
        LOG.log(System.Logger.Level.INFO, "compositor stopping pid={0} grace_ms={1}", pid(), grace.toMillis());
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "compositor ignored SIGTERM for {0} ms; SIGKILL pid={1}", grace.toMillis(), pid());
                process.destroyForcibly();
                process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        LOG.log(System.Logger.Level.INFO, "compositor stopped pid={0} alive={1}", pid(), process.isAlive());
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(2));
    }
}
