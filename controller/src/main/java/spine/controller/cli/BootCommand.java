package spine.controller.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import spine.controller.state.SpecFiles;
import spine.controller.state.StateBridge;

/** {@code spine boot timeline}: the last boot's genesis milestones, and its boot-convergence steps, as a table or an SVG. */
record BootCommand(Machine m) {
    int boot(Args args) throws UsageException {
        args.allowOnly(Command.BOOT);
        boolean thisBoot = args.flag("--this-boot");
        if (args.positionals.isEmpty() || !args.positionals.getFirst().equals("timeline")
                || args.positionals.size() != (thisBoot ? 1 : 2)) {
            throw new UsageException("usage: spine boot timeline SERIAL_LOG [--spine-log FILE] | spine boot timeline --this-boot [-o text|svg]");
        }
        String format = args.one("-o").orElse("text");
        if (!format.equals("text") && !format.equals("svg")) throw new UsageException("-o is text or svg, not " + format);
        List<String> lines, spineLog;
        String source;
        try {
            if (thisBoot) {
                if (args.one("--spine-log").isPresent()) throw new UsageException("--this-boot reads spine.log under the root; --spine-log is for a SERIAL_LOG");
                var bridge = new StateBridge(m.root());
                lines = bridge.genesisLog();
                spineLog = bridge.spineLog();
                source = "genesis.log under " + m.root().path();
            } else {
                Path log = Path.of(args.positionals.get(1));
                lines = SpecFiles.logLines(log);
                spineLog = args.one("--spine-log").isPresent() ? SpecFiles.logLines(Path.of(args.one("--spine-log").get())) : List.of();
                source = log.toString();
            }
        } catch (IOException e) {
            m.err().println("spine: cannot read the boot log: " + (e instanceof java.nio.file.NoSuchFileException
                    ? "no such file " + e.getMessage() : e.getMessage()));
            return ExitCode.UNAVAILABLE;
        }
        List<BootTimeline.Milestone> boot = BootTimeline.lastBoot(lines);
        if (boot.isEmpty()) {
            m.err().println("spine: no boot in " + source + " (no \"bay0: starting\" genesis line)");
            return ExitCode.INVALID;
        }
        var stretches = BootTimeline.stretches(boot);
        var steps = BootTimeline.steps(boot, spineLog);
        m.out().print(format.equals("svg") ? BootTimeline.svg(stretches, steps, BootTimeline.title(boot).orElseThrow())
                : BootTimeline.table(stretches, steps));
        return ExitCode.OK;
    }
}
