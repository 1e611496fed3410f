package spine.controller.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import spine.controller.image.Candidate;
import spine.controller.state.IntentStore;
import spine.controller.state.LogFile;
import spine.controller.state.Slots;
import spine.controller.state.StateException;
import spine.controller.state.UpgradeRecords;
import spine.drivers.kernel.HostFile;

/**
 * {@code spine upgrade MANIFEST [--stage-only]} and {@code spine nack list|forgive} (issue 12): a candidate is checked
 * (signature, artifacts, version, contract), refused when the NACK registry holds its hash, staged into an A/B slot
 * under /persist, and (unless {@code --stage-only}) recorded in trial while bay0 reboots into it with kexec; the trial
 * boot promotes it or brings back the known-good image, whose boot nacks it.
 */
record UpgradeCommand(Machine m) {
    private static final System.Logger LOG = System.getLogger("cli");

    int upgrade(Args args) throws UsageException, StateException {
        args.allowOnly(Command.UPGRADE);
        if (args.positionals.size() != 1) throw new UsageException("usage: spine " + Command.UPGRADE.usage);
        Path manifest = Path.of(args.positionals.getFirst());
        String running = args.one("--running").orElse(Cli.version());
        Candidate.Verdict v = Candidate.check(manifest, args.one("--trust").map(Path::of).orElseGet(() -> m.host().path(HostFile.TRUST)), running,
                args.flag("--allow-downgrade"), args.one("--contract").map(Path::of).orElseGet(spine.controller.image.ImageVerifier::defaultContract));
        if (v instanceof Candidate.Verdict.Refused r) {
            m.err().println("spine: refused (" + r.kind() + "): " + r.reason());
            LOG.log(System.Logger.Level.WARNING, "upgrade refused manifest={0} kind={1} reason=\"{2}\"", manifest, r.kind(), r.reason());
            return r.kind().equals("unreadable") || r.kind().equals("malformed") ? ExitCode.INVALID : ExitCode.PENDING;
        }
        var a = (Candidate.Verdict.Accepted) v;
        try (LogFile log = m.openLog(); IntentStore store = IntentStore.open(m.root(), m.clock())) {
            UpgradeRecords records = store.upgrades();
            Optional<UpgradeRecords.Nack> nacked = records.nack(a.hash());
            if (nacked.isPresent()) {
                var n = nacked.get();
                m.err().println("spine: refused (nacked): candidate " + a.hash() + " (version " + n.version() + ") failed its trial boot at "
                        + n.failedAt() + ": " + n.reason() + "; spine nack forgive " + a.hash().substring(0, 12) + " lets it try again");
                LOG.log(System.Logger.Level.WARNING, "upgrade refused manifest={0} kind=nacked hash={1}", manifest, a.hash());
                return ExitCode.PENDING;
            }
            Optional<String> blocked = busyLocks(args);
            if (blocked.isPresent()) {
                m.err().println("spine: refused (busy): " + blocked.get());
                LOG.log(System.Logger.Level.WARNING, "upgrade refused manifest={0} kind=busy reason=\"{1}\"", manifest, blocked.get());
                return ExitCode.PENDING;
            }
            String slot = Slots.choose(records.slots(), Slots.runningHashOf(m.host().path(HostFile.CMDLINE)));
            Path dir = manifest.toAbsolutePath().normalize().getParent();
            var files = new java.util.ArrayList<Slots.Artifact>();
            for (Candidate.Artifact art : a.manifest().artifacts()) {
                files.add(new Slots.Artifact(dir.resolve(art.name()), art.name(), art.sha256(), art.size()));
            }
            records.forgetSlot(slot);
            LOG.log(System.Logger.Level.INFO, "upgrade staging hash={0} version={1} slot={2} manifest={3}", a.hash(), a.manifest().version(), slot, manifest);
            Path staged;
            try {
                staged = new Slots(m.root()).stage(slot, files, a.document().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException e) {
                m.err().println("spine: cannot stage into slot " + slot + ": " + e.getMessage() + "; nothing was staged");
                LOG.log(System.Logger.Level.ERROR, "upgrade staging failed hash={0} slot={1} error=\"{2}\"", a.hash(), slot, e.getMessage());
                return ExitCode.UNAVAILABLE;
            }
            records.recordSlot(slot, a.hash(), a.manifest().version(), UpgradeRecords.SlotState.STAGED);
            m.out().println("staged: version " + a.manifest().version() + " (hash " + a.hash() + ") in slot " + slot + " (" + staged + ")");
            if (args.flag("--stage-only")) return ExitCode.OK;
            return trialBoot(records, slot, a);
        }
    }

    /**
     * The personas' veto (balena's update locks): while a persona holds {@code /run/spine-lock/updates.lock}, an upgrade
     * waits up to {@code --wait} (default 30 s), then is refused naming the personas; {@code --force} goes on anyway
     * and says so in the log. Empty when nothing blocks.
     */
    private Optional<String> busyLocks(Args args) throws UsageException {
        var dirs = new spine.drivers.SocketDirs(java.nio.file.Path.of(m.env().getOrDefault(Machine.RUN_ENV, spine.drivers.SocketDirs.DEFAULT.toString())));
        java.time.Duration wait = args.duration("--wait", java.time.Duration.ofSeconds(30));
        long deadline = System.nanoTime() + wait.toNanos();
        List<String> busy = List.of();
        while (true) {
            try {
                busy = spine.controller.umbilical.RunDirs.busy(dirs);
            } catch (IOException e) {
                return Optional.of("cannot read the busy-locks under " + dirs.run() + ": " + e.getMessage() + " (--force goes on anyway)");
            }
            if (busy.isEmpty()) return Optional.empty();
            if (args.flag("--force")) {
                LOG.log(System.Logger.Level.WARNING, "upgrade busy-locks overridden by --force uid={0} personas={1}", m.host().ownUid(), busy);
                m.err().println("spine: --force: going on although " + String.join(", ", busy) + " hold their busy-lock");
                return Optional.empty();
            }
            if (System.nanoTime() > deadline) break;
            LOG.log(System.Logger.Level.INFO, "upgrade waits for busy-locks personas={0}", busy);
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return Optional.of(String.join(", ", busy) + " held " + spine.drivers.SocketDirs.LOCK_DIR_IN_CONTAINER + "/"
                + spine.drivers.SocketDirs.BUSY_LOCK + " for all of --wait " + wait.toSeconds() + "s, vetoing the reboot;"
                + " wait longer with --wait, or override with --force");
    }

    /**
     * Records the slot in trial (first: a trial boot must find it so), then asks bay0 to reboot into it. Without bay0,
     * or when it refuses, the slot goes back to staged and the command says why.
     */
    private int trialBoot(UpgradeRecords records, String slot, Candidate.Verdict.Accepted a) throws StateException {
        records.recordSlot(slot, a.hash(), a.manifest().version(), UpgradeRecords.SlotState.TRIAL);
        String why;
        try (var client = spine.controller.state.ControlSocket.connect(m.root()).orElse(null)) {
            if (client == null) {
                why = "no bay0 answers on the control socket (a trial boot needs the machine's PID 1)";
            } else {
                var req = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("op", "upgrade-boot")
                        .put("slot", slot).put("hash", a.hash());
                var reply = client.request(req, java.time.Duration.ofMinutes(5));
                if (reply.path("ok").asBoolean(false)) {
                    m.out().println("rebooting into version " + a.manifest().version() + " for its trial (spine.trial=" + a.hash()
                            + "); a GREEN validate promotes it, anything else brings back this image and nacks it");
                    return ExitCode.OK;
                }
                why = "bay0 refused: " + reply.path("error").asText("no reason given");
            }
        } catch (StateException e) {
            why = "the control socket: " + e.getMessage();
        }
        records.recordSlot(slot, a.hash(), a.manifest().version(), UpgradeRecords.SlotState.STAGED);
        m.err().println("spine: staged in slot " + slot + " but not booted: " + why);
        return ExitCode.UNAVAILABLE;
    }

    int nack(Args args) throws UsageException, StateException {
        args.allowOnly(Command.NACK);
        String sub = args.positionals.isEmpty() ? "" : args.positionals.getFirst();
        return switch (sub) {
            case "list" -> {
                if (args.positionals.size() != 1) throw new UsageException("usage: spine " + Command.NACK.usage);
                yield list();
            }
            case "forgive" -> {
                if (args.positionals.size() != 2) throw new UsageException("usage: spine nack forgive HASH");
                yield forgive(args.positionals.get(1));
            }
            default -> throw new UsageException("usage: spine " + Command.NACK.usage);
        };
    }

    private int list() throws StateException {
        Optional<IntentStore> ro = IntentStore.openReadOnly(m.root(), m.clock());
        List<UpgradeRecords.Nack> nacks;
        if (ro.isEmpty()) {
            nacks = List.of();
        } else {
            try (IntentStore store = ro.get()) {
                nacks = store.upgrades().nacks();
            }
        }
        if (nacks.isEmpty()) {
            m.out().println("no candidate is nacked");
            return ExitCode.OK;
        }
        String fmt = "%-64s  %-12s  %-24s  %s%n";
        m.out().printf(fmt, "HASH", "VERSION", "FAILED", "WHY");
        for (var n : nacks) m.out().printf(fmt, n.hash(), n.version(), n.failedAt(), n.reason());
        return ExitCode.OK;
    }

    private int forgive(String hash) throws StateException {
        try (LogFile log = m.openLog(); IntentStore store = IntentStore.open(m.root(), m.clock())) {
            UpgradeRecords.Forgiven f = store.upgrades().forgive(hash, m.host().ownUid());
            if (f.removed().isEmpty()) {
                m.err().println("spine: " + f.why());
                return ExitCode.INVALID;
            }
            var n = f.removed().get();
            m.out().println("forgiven: " + n.hash() + " (version " + n.version() + ", failed " + n.failedAt() + ": " + n.reason()
                    + "); spine upgrade may try it again");
            return ExitCode.OK;
        }
    }
}
