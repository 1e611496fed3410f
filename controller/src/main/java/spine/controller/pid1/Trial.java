package spine.controller.pid1;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import spine.controller.state.StateException;
import spine.controller.state.UpgradeRecords;
import spine.drivers.exec.CommandResult;
import spine.drivers.exec.CommandRunner;

/**
 * A trial boot ({@code spine.trial=HASH} on the kernel command line, set by the kexec into a staged candidate): the
 * candidate is promoted to known-good when this boot converges and {@code spine validate} says GREEN within the
 * deadline (or YELLOW, when its signed manifest says {@code allowYellow}); anything else (RED, YELLOW, not converged,
 * no verdict by the deadline) is recorded against its slot and
 * the machine reboots into the known-good image, whose boot then writes the NACK entry ({@link UpgradeRecords#settleTrials}).
 * A trial that never judges (bay0 crashes, the machine hangs or loses power) leaves the slot in trial, which that
 * boot nacks just the same. Judged once: the first of the verdict and the deadline wins.
 */
final class Trial {
    private static final System.Logger LOG = System.getLogger("bay0");
    static final Duration VALIDATE_TIMEOUT = Duration.ofSeconds(90);

    /** What the machine says of itself: GREEN, YELLOW or RED, and the lines that were not GREEN. */
    record Verdict(String level, String detail) {}

    private final UpgradeRecords records;
    private final UpgradeRecords.Slot slot;
    private final java.util.function.Consumer<String> say;
    private final Runnable flush;
    private final java.util.function.Supplier<Verdict> validate;
    private final Runnable backToKnownGood;
    private final boolean allowYellow;
    private final TrialWatchdog watchdog;
    private final AtomicBoolean judged = new AtomicBoolean();

    private Trial(UpgradeRecords records, UpgradeRecords.Slot slot, java.util.function.Consumer<String> say, Runnable flush,
                  java.util.function.Supplier<Verdict> validate, Runnable backToKnownGood, boolean allowYellow, TrialWatchdog watchdog) {
        this.allowYellow = allowYellow;
        this.watchdog = watchdog;
        this.records = records;
        this.slot = slot;
        this.say = say;
        this.flush = flush;
        this.validate = validate;
        this.backToKnownGood = backToKnownGood;
    }

    /**
     * The trial of {@code hash}, its deadline counted from now; empty (and a line said) when no slot holds that
     * candidate in trial, so this is an ordinary boot. {@code say}: a genesis line that the boot record keeps too;
     * {@code allowsYellow}: whether the slot's signed manifest lets a YELLOW validate pass; {@code watchdog}: armed now,
     * disarmed at the promotion, so a trial that wedges past both the deadline and the watchdog's timeout is reset.
     */
    static Optional<Trial> begin(String hash, UpgradeRecords records, Duration deadline, java.util.function.Consumer<String> say, Runnable flush,
                                 java.util.function.Supplier<Verdict> validate, Runnable backToKnownGood,
                                 java.util.function.Predicate<UpgradeRecords.Slot> allowsYellow, TrialWatchdog watchdog) throws StateException {
        // the slot in trial with that candidate: an earlier slot may hold the same candidate promoted or staged
        Optional<UpgradeRecords.Slot> slot = records.slots().stream()
                .filter(s -> s.hash().equals(hash) && s.state() == UpgradeRecords.SlotState.TRIAL).findFirst();
        if (slot.isEmpty()) {
            say.accept("trial of " + shortHash(hash) + ": no slot holds it in trial; an ordinary boot");
            return Optional.empty();
        }
        // the trial has begun: until it has a verdict, a boot after this one nacks the candidate with this
        records.recordTrialFailure(slot.get().name(), UpgradeRecords.NO_VERDICT);
        boolean yellow = allowsYellow.test(slot.get());
        var t = new Trial(records, slot.get(), say, flush, validate, backToKnownGood, yellow, watchdog);
        say.accept("trial of " + shortHash(hash) + " (version " + slot.get().version() + ", slot " + slot.get().name()
                + "): GREEN " + (yellow ? "or YELLOW (its manifest allows it) " : "") + "within " + deadline.toSeconds() + " s promotes it");
        watchdog.arm("the trial of " + shortHash(hash) + ": a verdict disarms it");
        Thread.ofPlatform().daemon().name("trial-deadline").start(() -> {
            try {
                Thread.sleep(deadline);
            } catch (InterruptedException e) {
                return;
            }
            t.fail("no GREEN validate within " + deadline.toSeconds() + " s of init complete");
        });
        return Optional.of(t);
    }

    /** The boot converged (or gave up): judge the candidate by validate's verdict. */
    void converged(boolean ok) {
        if (judged.get()) return;
        if (!ok) {
            fail("the boot did not converge");
            return;
        }
        Verdict v = validate.get();
        if (v.level().equals("GREEN")) promote("");
        else if (allowYellow && v.level().equals("YELLOW")) promote(" (validate YELLOW, which its manifest allows: " + v.detail() + ")");
        else fail("validate " + v.level() + (v.detail().isEmpty() ? "" : ": " + v.detail()));
    }

    private void promote(String note) {
        if (!judged.compareAndSet(false, true)) return;
        try {
            records.recordSlot(slot.name(), slot.hash(), slot.version(), UpgradeRecords.SlotState.GOOD);
            say.accept("trial passed: candidate " + shortHash(slot.hash()) + " promoted (version " + slot.version() + ", slot " + slot.name() + ")" + note);
        } catch (StateException e) {
            say.accept("trial passed, but the promotion was not recorded (" + e.getMessage() + "); the next boot nacks it");
        }
        watchdog.disarm();
        flush.run();
    }

    void fail(String why) {
        if (!judged.compareAndSet(false, true)) return;
        try {
            records.recordTrialFailure(slot.name(), why);
        } catch (StateException e) {
            LOG.log(System.Logger.Level.ERROR, "trial failure not recorded slot={0} error=\"{1}\"", slot.name(), e.getMessage());
        }
        say.accept("trial failed: " + why + " -> rebooting into the known-good image");
        flush.run();
        backToKnownGood.run();
    }

    /** {@code spine validate} as a command (bounded, logged): exit 0 GREEN, 1 YELLOW, 2 RED; the lines not GREEN. */
    static Verdict validate(CommandRunner runner, String cli) {
        List<String> argv = List.of(cli, "validate");
        LOG.log(System.Logger.Level.INFO, "trial validate starting argv={0}", argv);
        CommandResult r = runner.run(argv, VALIDATE_TIMEOUT);
        String level = r.timedOut() ? "RED" : switch (r.exit()) {
            case 0 -> "GREEN";
            case 1 -> "YELLOW";
            default -> "RED";
        };
        String detail = r.timedOut() ? "validate did not answer within " + VALIDATE_TIMEOUT.toSeconds() + " s"
                : String.join("; ", r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty() && !List.of("GREEN", "YELLOW", "RED").contains(l)).limit(4).toList());
        LOG.log(System.Logger.Level.INFO, "trial validate done exit={0} level={1} ms={2} detail=\"{3}\"", r.exit(), level, r.took().toMillis(), detail);
        return new Verdict(level, detail.length() > 400 ? detail.substring(0, 400) + "..." : detail);
    }

    static String shortHash(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) : hash;
    }
}
