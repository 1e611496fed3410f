package spine.controller.pid1;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import spine.controller.state.StateBridge;
import spine.drivers.kernel.Syscalls;

/**
 * A clean boot's continuity: the stored entropy seed is credited to the kernel and replaced at once (a seed is never
 * used twice), and a clock behind the last-good time is set forward to it. Reads get the survival timeout. With no
 * seed to credit (a first boot), the new one is written beside the boot, not before it goes on.
 */
final class EntropyAndClock {
    private static final System.Logger LOG = System.getLogger("bay0");

    /** The seed writer of a first boot runs at the lowest priority (nice 19). */
    static final int SEED_NICE = 19;

    private final BootContext boot;
    private final BootOptions options;

    EntropyAndClock(BootContext boot, BootOptions options) {
        this.boot = boot;
        this.options = options;
    }

    void restore(StateBridge state) {
        Syscalls sys = boot.sys();
        Clock clock = boot.clock();
        Bounded.Outcome<Optional<byte[]>> seed = Bounded.call("read-seed", options.survivalTimeout(), state::readEntropySeed);
        boolean credited = seed.ok() && seed.value().flatMap(x -> x).isPresent();
        if (credited) {
            byte[] s = seed.value().get().get();
            Syscalls.Result r = sys.addEntropy(s, s.length * 8);
            LOG.log(System.Logger.Level.INFO, "entropy seed credited bytes={0} result={1}", s.length, r);
        } else {
            LOG.log(System.Logger.Level.INFO, "no entropy seed credited reason={0}", seed.ok() ? "none stored" : seed.failure());
        }
        Runnable replace = () -> {
            Bounded.Outcome<Boolean> fresh = Bounded.call("write-seed", options.writeTimeout(), () -> {
                if (!credited) {
                    // the jitter loop a first read of an unready pool runs is this (throw-away) thread's CPU time:
                    // at the lowest priority it takes what the boot leaves, not half of a two-CPU machine
                    Syscalls.Result nice = sys.setPriority(0, SEED_NICE);
                    LOG.log(System.Logger.Level.INFO, "seed writer nice={0}: {1}", SEED_NICE, nice);
                }
                state.writeEntropySeed(boot.kernel().random(StateBridge.seedBytes()));
                return true;
            });
            LOG.log(fresh.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "fresh entropy seed {0}",
                    fresh.ok() ? "written" : "not written reason=" + fresh.failure());
        };
        if (credited) {
            replace.run(); // at once: the seed just credited must never be credited again, even after a crash now
        } else {
            // Nothing was credited, so nothing can be replayed, and the kernel's pool may not be ready: a read of
            // /dev/urandom then first gathers jitter entropy (a second under TCG, on every first boot). Boot goes on.
            Thread.ofPlatform().daemon().name("seed-writer").start(replace);
        }

        Bounded.Outcome<Optional<Instant>> lastGood = Bounded.call("read-time", options.survivalTimeout(), state::readLastGoodTime);
        Instant now = clock.instant();
        if (lastGood.ok() && lastGood.value().flatMap(x -> x).filter(now::isBefore).isPresent()) {
            Instant target = lastGood.value().get().get();
            Syscalls.Result r = sys.setRealtime(target.getEpochSecond(), 0);
            boot.genesis().line("clock was behind last-good time; set to " + target + " result=" + r);
        }
        Bounded.call("write-time", options.writeTimeout(), () -> {
            state.writeLastGoodTime(clock.instant());
            return true;
        });
    }
}
