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

    UpgradeBoot(Kernel kernel, Syscalls sys, UpgradeRecords records, Slots slots, String version, Genesis genesis, Runnable kexecNow) {
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
            Optional<String> refused = load(slot, hash);
            if (refused.isPresent()) {
                records.recordSlot(slot, hash, rec.get().version(), UpgradeRecords.SlotState.STAGED);
                LOG.log(System.Logger.Level.ERROR, "upgrade boot refused slot={0} hash={1} reason=\"{2}\"", slot, hash, refused.get());
                return Optional.of(reply.put("error", refused.get()));
            }
            // from here on the candidate's own kernel runs next: if its bay0 never reports, the next boot blames it
            records.recordTrialFailure(slot, UpgradeRecords.KEXEC_NO_REPORT);
            genesis.line("upgrade: candidate " + Trial.shortHash(hash) + " (version " + rec.get().version() + ", slot " + slot
                    + ") loaded; kexec after a clean shutdown");
            Thread.ofPlatform().name("upgrade-kexec").start(kexecNow);
            return Optional.of(reply.put("ok", true).put("version", rec.get().version()));
        } catch (StateException e) {
            return Optional.of(reply.put("error", "the state database: " + e.getMessage()));
        }
    }

    private Optional<String> load(String slot, String hash) {
        Path dir = slots.dir(slot);
        Candidate.Verdict v = Candidate.check(dir.resolve(Slots.MANIFEST), kernel.path(TRUST), version, true,
                kernel.path(ImageVerifier.CONTRACT_IN_IMAGE));
        if (v instanceof Candidate.Verdict.Refused r) return Optional.of("the staged candidate no longer checks (" + r.kind() + "): " + r.reason());
        var a = (Candidate.Verdict.Accepted) v;
        if (!a.hash().equals(hash)) return Optional.of("slot " + slot + " holds candidate " + a.hash() + ", not " + hash);
        Path kernelFile = dir.resolve(artifact(a, "kernel")), image = dir.resolve(artifact(a, "image"));
        String cmdline = trialCommandLine(kernel.cmdlineText(), hash);
        LOG.log(System.Logger.Level.INFO, "kexec_file_load starting kernel={0} initrd={1} cmdline=\"{2}\"", kernelFile, image, cmdline);
        Syscalls.Result r = sys.kexecFileLoad(kernelFile.toString(), image.toString(), cmdline);
        LOG.log(r.ok() ? System.Logger.Level.INFO : System.Logger.Level.ERROR, "kexec_file_load done result={0}", r);
        return r.ok() ? Optional.empty() : Optional.of("kexec_file_load of slot " + slot + " failed: " + r);
    }

    private static String artifact(Candidate.Verdict.Accepted a, String role) {
        return a.manifest().artifacts().stream().filter(x -> x.role().equals(role)).findFirst().orElseThrow().name();
    }

    /** This boot's command line with {@code spine.trial=HASH} in place of any earlier one. */
    static String trialCommandLine(String current, String hash) {
        String kept = Arrays.stream(current.trim().split("\\s+")).filter(w -> !w.isEmpty() && !w.startsWith("spine.trial="))
                .collect(Collectors.joining(" "));
        return (kept.isEmpty() ? "" : kept + " ") + "spine.trial=" + hash;
    }
}
