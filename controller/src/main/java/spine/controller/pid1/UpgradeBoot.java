package spine.controller.pid1;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import spine.controller.image.Candidate;
import spine.controller.image.ImageVerifier;
import spine.controller.state.Slots;
import spine.controller.state.StateException;
import spine.controller.state.UpgradeRecords;
import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;

/**
 * The control socket's {@code upgrade-boot} request ({@code spine upgrade}, after it staged a candidate and recorded
 * its slot in trial): only from root; the slot is checked again where it lies (the trusted keys and contract of this
 * image, each artifact's sha256), then its kernel and image are loaded with {@code kexec_file_load} and the command
 * line this boot had, with {@code spine.trial=HASH} in place of any earlier one. The answer goes back before the
 * clean shutdown that ends in {@code reboot(RB_KEXEC)}. Any refusal puts the slot back to staged and says why.
 * <p>
 * And at every boot from the boot loader, the same kexec into the candidate promoted last ({@link #atPowerOn}): the
 * boot loader only knows its own image, so a promoted upgrade lasts across power-offs this way.
 */
final class UpgradeBoot {
    private static final System.Logger LOG = System.getLogger("bay0");
    static final String TRUST = "/etc/spine/trust";

    private final Kernel kernel;
    private final Syscalls sys;
    private final UpgradeRecords records;
    private final Slots slots;
    private final String version;
    private final Genesis genesis;
    private final Runnable kexecNow;
    private final TrialWatchdog watchdog;

    UpgradeBoot(Kernel kernel, Syscalls sys, UpgradeRecords records, Slots slots, String version, Genesis genesis, Runnable kexecNow,
                TrialWatchdog watchdog) {
        this.watchdog = watchdog;
        this.kernel = kernel;
        this.sys = sys;
        this.records = records;
        this.slots = slots;
        this.version = version;
        this.genesis = genesis;
        this.kexecNow = kexecNow;
    }

    /** The answer to one request, or empty when it is not this one's. */
    Optional<ObjectNode> answer(ObjectNode req) {
        if (!req.path("op").asText().equals("upgrade-boot")) return Optional.empty();
        ObjectNode reply = JsonNodeFactory.instance.objectNode();
        String slot = req.path("slot").asText(), hash = req.path("hash").asText();
        if (req.path("peerUid").asLong(-1) != 0) return Optional.of(reply.put("error", "only root may reboot the machine into a candidate"));
        try {
            Optional<UpgradeRecords.Slot> rec = records.slots().stream().filter(s -> s.name().equals(slot) && s.hash().equals(hash)).findFirst();
            if (rec.isEmpty() || rec.get().state() != UpgradeRecords.SlotState.TRIAL) {
                return Optional.of(reply.put("error", "slot " + slot + " does not hold candidate " + hash + " in trial; run spine upgrade MANIFEST"));
            }
            Optional<String> refused = load(slot, hash, Slots.TRIAL_OPTION);
            if (refused.isPresent()) {
                records.recordSlot(slot, hash, rec.get().version(), UpgradeRecords.SlotState.STAGED);
                LOG.log(System.Logger.Level.ERROR, "upgrade boot refused slot={0} hash={1} reason=\"{2}\"", slot, hash, refused.get());
                return Optional.of(reply.put("error", refused.get()));
            }
            // from here on the candidate's own kernel runs next: if its bay0 never reports, the next boot blames it
            records.recordTrialFailure(slot, UpgradeRecords.KEXEC_NO_REPORT);
            genesis.line("upgrade: candidate " + Trial.shortHash(hash) + " (version " + rec.get().version() + ", slot " + slot
                    + ") loaded; kexec after a clean shutdown");
            watchdog.arm("until the candidate's trial arms it again: a kernel that never gets there resets the machine");
            Thread.ofPlatform().name("upgrade-kexec").start(kexecNow);
            return Optional.of(reply.put("ok", true).put("version", rec.get().version()));
        } catch (StateException e) {
            return Optional.of(reply.put("error", "the state database: " + e.getMessage()));
        }
    }

    /**
     * At a boot from the boot loader (neither a trial nor a promoted slot itself), the candidate promoted last runs
     * instead when it is newer than this image: its slot is checked again with this image's keys (signature and
     * artifacts; not the contract, which a newer image may have changed), marked ({@link UpgradeRecords#recordPowerOnBoot})
     * and loaded with {@code spine.slot=HASH}. True when it is loaded and the caller is to shut down into it. A slot
     * whose last power-on boot never came up, or that no longer checks or loads, goes back to staged and this image
     * runs, so a promoted candidate that stopped booting costs one failed boot, never a loop.
     */
    boolean atPowerOn(java.util.function.Consumer<String> say) throws StateException {
        Optional<UpgradeRecords.Slot> promoted = UpgradeRecords.promoted(records.slots());
        if (promoted.isEmpty()) return false;
        UpgradeRecords.Slot s = promoted.get();
        String which = "the promoted candidate " + Trial.shortHash(s.hash()) + " (version " + s.version() + ", slot " + s.name() + ")";
        if (Candidate.compareVersions(s.version(), version) <= 0) {
            say.accept("upgrade: " + which + " is not newer than this image (" + version + "); this image runs");
            return false;
        }
        if (s.failure().isPresent()) {
            records.demote(s.name(), s.failure().get());
            say.accept("upgrade: " + which + " did not come up when the last power-on booted it; slot " + s.name()
                    + " staged again and this image runs (spine upgrade of its manifest tries it again)");
            return false;
        }
        Optional<String> refused = load(s.name(), s.hash(), Slots.SLOT_OPTION);
        if (refused.isPresent()) {
            records.demote(s.name(), refused.get());
            say.accept("upgrade: " + which + " is not booted: " + refused.get() + "; slot " + s.name() + " staged again and this image runs");
            return false;
        }
        records.recordPowerOnBoot(s.name());
        // no watchdog here: the candidate passed its trial on this machine, and one that stops booting is caught by
        // the mark at the next power-on; an armed watchdog that an older candidate cannot disarm would reset it in a loop
        say.accept("upgrade: booting " + which + " with kexec after a clean shutdown");
        return true;
    }

    /**
     * The slot's own boot ({@code spine.slot=HASH}): its bay0 is up, so the mark of the power-on that booted it goes.
     */
    void booted(String hash, java.util.function.Consumer<String> say) throws StateException {
        Optional<UpgradeRecords.Slot> s = records.slots().stream()
                .filter(x -> x.hash().equals(hash) && x.state() == UpgradeRecords.SlotState.GOOD).findFirst();
        if (s.isEmpty()) {
            say.accept("upgrade: spine.slot=" + Trial.shortHash(hash) + " names no promoted slot; an ordinary boot");
            return;
        }
        if (s.get().failure().isPresent()) records.recordBooted(s.get().name());
        say.accept("upgrade: running the promoted candidate " + Trial.shortHash(hash) + " (version " + s.get().version() + ", slot "
                + s.get().name() + ")");
    }

    /**
     * Checks slot {@code slot} again and loads its kernel and image with {@code option=HASH} on the command line: a
     * trial ({@code spine.trial}) gets every check {@code spine upgrade} made, a power-on ({@code spine.slot}) the signed ones.
     */
    private Optional<String> load(String slot, String hash, String option) {
        Path dir = slots.dir(slot);
        Candidate.Verdict v = option.equals(Slots.TRIAL_OPTION)
                ? Candidate.check(dir.resolve(Slots.MANIFEST), kernel.path(TRUST), version, true, kernel.path(ImageVerifier.CONTRACT_IN_IMAGE))
                : Candidate.checkSigned(dir.resolve(Slots.MANIFEST), kernel.path(TRUST));
        if (v instanceof Candidate.Verdict.Refused r) return Optional.of("the staged candidate no longer checks (" + r.kind() + "): " + r.reason());
        var a = (Candidate.Verdict.Accepted) v;
        if (!a.hash().equals(hash)) return Optional.of("slot " + slot + " holds candidate " + a.hash() + ", not " + hash);
        Path kernelFile = dir.resolve(artifact(a, "kernel")), image = dir.resolve(artifact(a, "image"));
        String cmdline = commandLine(kernel.cmdlineText(), option, hash);
        LOG.log(System.Logger.Level.INFO, "kexec_file_load starting kernel={0} initrd={1} cmdline=\"{2}\"", kernelFile, image, cmdline);
        Syscalls.Result r = sys.kexecFileLoad(kernelFile.toString(), image.toString(), cmdline);
        LOG.log(r.ok() ? System.Logger.Level.INFO : System.Logger.Level.ERROR, "kexec_file_load done result={0}", r);
        return r.ok() ? Optional.empty() : Optional.of("kexec_file_load of slot " + slot + " failed: " + r);
    }

    private static String artifact(Candidate.Verdict.Accepted a, String role) {
        return a.manifest().artifacts().stream().filter(x -> x.role().equals(role)).findFirst().orElseThrow().name();
    }

    /** This boot's command line with {@code option=HASH} in place of any earlier trial or slot. */
    static String commandLine(String current, String option, String hash) {
        String kept = Arrays.stream(current.trim().split("\\s+"))
                .filter(w -> !w.isEmpty() && !w.startsWith(Slots.TRIAL_OPTION + "=") && !w.startsWith(Slots.SLOT_OPTION + "="))
                .collect(Collectors.joining(" "));
        return (kept.isEmpty() ? "" : kept + " ") + option + "=" + hash;
    }
}
