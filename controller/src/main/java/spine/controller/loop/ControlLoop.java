package spine.controller.loop;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code spine run}: a pass on every wake-up and every resync period. Wake-ups (an apply over the control
 * socket, later podman events and timers) only poke a one-slot trigger, so any number of them coalesce
 * into one pass. Waiters get an answer after the first pass that converges, or at their deadline.
 */
public final class ControlLoop {
    private static final System.Logger LOG = System.getLogger("loop");

    /** {@code afterPass}: only a pass that started after the request can answer it (it must see the new intent). */
    private record Waiter(CompletableFuture<Boolean> result, Instant deadline, long afterPass, boolean once) {}

    private final Reconciler reconciler;
    private final Duration resync;
    private final Clock clock;
    private final ArrayBlockingQueue<Boolean> trigger = new ArrayBlockingQueue<>(1);
    private final List<Waiter> waiters = new ArrayList<>();
    private volatile boolean stopping;
    private final ArrayBlockingQueue<Boolean> focusTrigger = new ArrayBlockingQueue<>(1);
    private long passesStarted; // guarded by waiters

    public ControlLoop(Reconciler reconciler, Duration resync, Clock clock) {
        this.reconciler = reconciler;
        this.resync = resync;
        this.clock = clock;
    }

    public void wake() {
        trigger.offer(Boolean.TRUE); // a full slot means a pass is already due: the pokes coalesce
    }

    /**
     * A focus change, a window event, or a full pass that found focus not converged: the focus thread runs a focus
     * pass (the last podman observation, fresh freezer and sway reads) at once, beside any full pass in progress, so
     * a switch never waits for {@code podman ps}. Wake-ups coalesce.
     */
    public void wakeFocus() {
        focusTrigger.offer(Boolean.TRUE);
    }

    /** Asks for convergence and returns a future that says whether it happened by the deadline. */
    public CompletableFuture<Boolean> awaitConverged(Duration timeout) {
        return await(timeout, false);
    }

    /** Asks for one pass and returns a future that says whether that pass found everything converged. */
    public CompletableFuture<Boolean> awaitNextPass(Duration timeout) {
        return await(timeout, true);
    }

    private CompletableFuture<Boolean> await(Duration timeout, boolean once) {
        Waiter w;
        synchronized (waiters) {
            w = new Waiter(new CompletableFuture<>(), clock.instant().plus(timeout), passesStarted, once);
            waiters.add(w);
        }
        wake();
        return w.result();
    }

    public void stop() {
        stopping = true;
        wake();
    }

    public void run() {
        LOG.log(System.Logger.Level.INFO, "loop started resync_s={0}", resync.toSeconds());
        reconciler.handFocusTo(this::wakeFocus);
        Thread focus = Thread.ofPlatform().name("focus").daemon().start(this::focusLoop);
        while (!stopping) {
            long pass;
            synchronized (waiters) {
                pass = ++passesStarted;
            }
            Reconciler.PassResult r = reconciler.pass();
            settleWaiters(r, pass);
            if (stopping) break;
            if (r.progressed() && !r.converged()) continue; // level-triggered: look again at once after a change
            Duration wait = resync;
            var retry = reconciler.nextRetry();
            if (retry.isPresent()) {
                Duration untilRetry = Duration.between(clock.instant(), retry.get());
                if (untilRetry.compareTo(wait) < 0) wait = untilRetry.isNegative() ? Duration.ofMillis(50) : untilRetry;
            }
            wait = min(wait, untilNextDeadline());
            try {
                trigger.poll(Math.max(50, wait.toMillis()), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        settleAll(false);
        focus.interrupt();
        LOG.log(System.Logger.Level.INFO, "loop stopped");
    }

    /** The focus thread: a focus pass per wake-up (they coalesce), then a full pass to confirm what it did. */
    private void focusLoop() {
        // the UI path: a switch must not queue behind the personas it is about to freeze (docs/OPERATIONS.md)
        reconciler.uiPath("focus thread");
        while (!stopping) {
            try {
                focusTrigger.take();
            } catch (InterruptedException e) {
                return;
            }
            if (stopping) return;
            if (reconciler.focusPass()) wake();
        }
    }

    private Duration untilNextDeadline() {
        synchronized (waiters) {
            Instant now = clock.instant();
            return waiters.stream().map(w -> Duration.between(now, w.deadline())).min(Duration::compareTo).orElse(resync);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private void settleWaiters(Reconciler.PassResult r, long pass) {
        Instant now = clock.instant();
        synchronized (waiters) {
            var it = waiters.iterator();
            while (it.hasNext()) {
                Waiter w = it.next();
                if (pass <= w.afterPass()) continue;
                if (r.converged() || w.once()) w.result().complete(r.converged());
                else if (r.stuck() || !now.isBefore(w.deadline())) w.result().complete(false);
                if (w.result().isDone()) it.remove();
            }
        }
    }

    private void settleAll(boolean value) {
        synchronized (waiters) {
            waiters.forEach(w -> w.result().complete(value));
            waiters.clear();
        }
    }
}
