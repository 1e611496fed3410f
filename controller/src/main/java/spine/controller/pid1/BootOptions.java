package spine.controller.pid1;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import spine.controller.state.Slots;
import spine.drivers.kernel.Syscalls;

/**
 * Boot options from the kernel command line. Reads needed to survive get {@code spine.timeout_ms} (200 ms); writes
 * (fresh seed, last-good time, genesis.log) may take longer, since they fsync, but are bounded too.
 */
record BootOptions(Duration survivalTimeout, Duration mountTimeout, Duration writeTimeout, Duration dbTimeout,
                   Duration moduleTimeout, Duration deviceWait, String persistDevice, String panic, String podman,
                   java.util.Optional<String> trial, Duration trialDeadline, String cli, java.util.Optional<String> slot,
                   Duration trialWatchdog, int parallel) {
    static BootOptions from(Map<String, String> cmdline, Consumer<String> warn) {
        return new BootOptions(
                millis(cmdline, "spine.timeout_ms", 200, warn),
                // the mount replays ext4's journal after a power cut: 200 ms was not enough under TCG (Gate B soak)
                millis(cmdline, "spine.mount_timeout_ms", 5_000, warn),
                millis(cmdline, "spine.write_timeout_ms", 2_000, warn),
                millis(cmdline, "spine.db_timeout_ms", 120_000, warn),
                millis(cmdline, "spine.module_timeout_ms", 10_000, warn),
                millis(cmdline, "spine.device_wait_ms", 3_000, warn),
                cmdline.getOrDefault("spine.persist", "auto"),
                cmdline.getOrDefault("spine.panic", "halt"),
                // for diagnosis (and the hanging-podman test): another podman binary, e.g. a wrapper that traces
                cmdline.getOrDefault("spine.podman", "/usr/bin/podman"),
                // a trial boot of an upgrade candidate (set by the kexec into it; docs/OPERATIONS.md "Upgrades")
                java.util.Optional.ofNullable(cmdline.get(Slots.TRIAL_OPTION)).filter(h -> !h.isEmpty()),
                millis(cmdline, "spine.trial_deadline_ms", 120_000, warn),
                // the command a trial boot judges itself with (spine validate); tests give a stand-in
                cmdline.getOrDefault("spine.cli", "/usr/bin/spine"),
                // a promoted candidate booted with kexec at power-on (docs/OPERATIONS.md "Upgrades")
                java.util.Optional.ofNullable(cmdline.get(Slots.SLOT_OPTION)).filter(h -> !h.isEmpty()),
                // the hardware watchdog's timeout around a trial (TrialWatchdog): more than the trial deadline and the
                // boot before it; i6300esb takes 1..2046 s
                Duration.ofSeconds(millis(cmdline, "spine.trial_watchdog_ms", 300_000, warn).toSeconds()),
                // podman calls the loop runs at once: one per CPU (BENCHMARKS, boot speed third part: under TCG four
                // side by side on two CPUs took longer in all than the same starts one after another)
                count(cmdline, "spine.parallel", Runtime.getRuntime().availableProcessors(), warn));
    }

    /** What a panic does, for the genesis line: {@code spine.panic=}, except that a trial boot always reboots. */
    String panicPolicy() {
        return trial.isPresent() ? "reboot (a trial boot: back to the known-good image, which nacks the candidate)" : panic;
    }

    /**
     * What {@code spine.panic=} asks reboot(2) for: halt (the default), reboot or poweroff. A trial boot reboots
     * whatever it says, so a candidate whose bay0 panics is back on the known-good image at once, not halted until
     * the watchdog fires.
     */
    int panicReboot() {
        if (trial.isPresent()) return Syscalls.RB_AUTOBOOT;
        return switch (panic) {
            case "reboot" -> Syscalls.RB_AUTOBOOT;
            case "poweroff" -> Syscalls.RB_POWER_OFF;
            default -> Syscalls.RB_HALT_SYSTEM;
        };
    }

    private static int count(Map<String, String> cmdline, String key, int fallback, Consumer<String> warn) {
        String v = cmdline.get(key);
        if (v == null) return fallback;
        try {
            int n = Integer.parseInt(v);
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        warn.accept(key + "=" + v + " is not a positive number; using " + fallback);
        return fallback;
    }

    /** A bad value must not stop PID 1: it gets the default and a genesis line saying so. */
    private static Duration millis(Map<String, String> cmdline, String key, long fallback, Consumer<String> warn) {
        String v = cmdline.get(key);
        if (v == null) return Duration.ofMillis(fallback);
        try {
            long ms = Long.parseLong(v);
            if (ms > 0) return Duration.ofMillis(ms);
        } catch (NumberFormatException ignored) {
            // reported below
        }
        warn.accept(key + "=" + v + " is not a positive number of milliseconds; using " + fallback);
        return Duration.ofMillis(fallback);
    }
}
