package spine.controller.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import spine.controller.loop.ControlLoop;
import spine.controller.loop.ControlProtocol;
import spine.controller.loop.GovernorLoop;
import spine.controller.loop.Machinery;
import spine.controller.loop.Metrics;
import spine.controller.loop.Reconciler;
import spine.controller.state.ControlSocket;
import spine.controller.state.ConvergeLock;
import spine.controller.state.IntentStore;
import spine.controller.state.IoPriority;
import spine.controller.state.LogFile;
import spine.controller.state.StateException;
import spine.drivers.kernel.HostFile;

/** {@code spine run} (the loop and its control socket), {@code reconcile --once} and {@code metrics}. */
record LoopCommands(Machine m) {
    private static final System.Logger LOG = System.getLogger("cli");

    int run(Args args) throws UsageException, StateException {
        args.allowOnly(Command.RUN);
        Duration resync = args.duration("--resync", Duration.ofSeconds(30));
        try (LogFile log = m.openLog()) {
            Optional<ConvergeLock> lock = ConvergeLock.tryAcquire(m.root(), "spine run");
            if (lock.isEmpty()) {
                m.err().println("spine: another converger (spine run or a CLI command) holds " + m.root()
                        + "/spine/converge.lock; stop it first");
                return ExitCode.UNAVAILABLE;
            }
            var metrics = new Metrics();
            IoPriority.stateSync(m.syscalls(), m.host().path(HostFile.OWN_TASKS));
            try (ConvergeLock held = lock.get(); IntentStore store = IntentStore.open(m.root(), m.clock());
                 Machinery machinery = m.machinery(true)) {
                Reconciler reconciler = m.reconciler(machinery, store, metrics);
                var loop = new ControlLoop(reconciler, resync, m.clock());
                machinery.startGovernor(reconciler, loop, GovernorLoop.PERIOD, m.clock());
                machinery.onWindowEvent(loop::wakeFocus);
                var done = new CountDownLatch(1);
                try (ControlSocket.Server server = ControlSocket.bind(m.root(), m.host(),
                        req -> ControlProtocol.answer(req, loop, metrics, store, machinery))) {
                    Thread hook = new Thread(() -> {
                        LOG.log(System.Logger.Level.INFO, "shutdown requested; stopping the loop");
                        loop.stop();
                        try {
                            done.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    Runtime.getRuntime().addShutdownHook(hook);
                    loop.run();
                } finally {
                    // before the hook lets the JVM go: the compositor is a child process the JVM would leave running
                    machinery.close();
                    done.countDown();
                }
            }
            return ExitCode.OK;
        }
    }

    int reconcile(Args args) throws UsageException, StateException {
        args.allowOnly(Command.RECONCILE);
        if (!args.flag("--once")) throw new UsageException("reconcile runs one pass and needs --once; for a lasting loop use spine run");
        Duration timeout = args.duration("--timeout", Cli.DEFAULT_TIMEOUT);
        try (LogFile log = m.openLog(); IntentStore store = IntentStore.open(m.root(), m.clock())) {
            boolean converged = Convergence.converge(m, store, timeout, true, "spine reconcile");
            m.out().println(converged ? "converged" : "not converged; spine get shows the last error of each resource");
            return converged ? ExitCode.OK : ExitCode.PENDING;
        }
    }

    int metrics(Args args) throws UsageException, StateException {
        args.allowOnly(Command.METRICS);
        Optional<ControlSocket.Client> daemon = ControlSocket.connect(m.root());
        if (daemon.isEmpty()) {
            m.err().println("spine: spine run is not running under " + m.root() + "; metrics live in that process. Start it with spine run");
            return ExitCode.UNAVAILABLE;
        }
        try (ControlSocket.Client c = daemon.get()) {
            ObjectNode reply = c.request(JsonNodeFactory.instance.objectNode().put("op", "metrics"), Duration.ofSeconds(10));
            if (reply.has("error")) {
                m.err().println("spine: spine run refused: " + reply.path("error").asText());
                return ExitCode.UNAVAILABLE;
            }
            m.out().print(reply.path("text").asText());
            return ExitCode.OK;
        }
    }
}
