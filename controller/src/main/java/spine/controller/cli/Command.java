package spine.controller.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Every command, with the options it takes and what it prints for {@code --help}. One table serves the option check
 * ({@link Args#allowOnly}), {@code spine help}, {@code spine COMMAND --help} and {@code spine completion bash}, so
 * none of them can drift from what a command accepts.
 */
enum Command {
    APPLY("apply", "apply -f PATH... [--timeout 120s] [--parallel 4] [--try 60s] | apply --confirm",
            "validate, store intent, converge; exit 0 converged, 1 not, 2 invalid",
            List.of("-f", "--timeout", "--parallel", "--try", "--confirm"), """
            Validates every document in the files (or directories, searched for *.yaml and *.yml), stores all of them in
            one transaction, and converges: through spine run or bay0 when one listens on the control socket (then a
            member of group spine may apply), else by itself under the converger lock. Prints one line per resource:
            created/updated/unchanged, its phase, and for a container that exited by itself its exit code, restarts
            and next try. Returns as soon as everything converged, or only crash loops, exits and conflicts remain.
            Kinds: Persona, Tenant, Envelope, Image (an app's image from an archive file, pinned by sha256; applying
            an Image whose last load failed tries it again).
            --try 60s: the apply is on trial (one at a time; needs bay0 or spine run): the intent as it was is kept, and
            unless spine apply --confirm comes within the window, the converger's first pass after it puts that back
            (a reboot inside the window does not lose the revert: the first pass after the boot makes it).
            Exit codes: 0 converged, 1 not converged, 2 invalid input (nothing stored), 3 unavailable."""),
    DIFF("diff", "diff -f PATH... | diff --since GENERATION [KIND NAME]",
            "print the plan an apply would run, or what changed since a generation; exit 0 none, 1 changes, 2 invalid",
            List.of("-f", "--since"), """
            With -f: the intent changes (create/update, with the fields that differ) and the plan an apply of those files
            would run, one step per line: <phase> <target> <step> -- <reason>. Writes nothing.
            With --since G: for every resource (or the one named), what its spec is now against what it was at
            generation G, field by field, from the append-only history; resources created or deleted after G say so.
            Exit codes: 0 no changes, 1 changes, 2 invalid input, 3 podman or database unavailable."""),
    FOCUS("focus", "focus p://NAME | focus --none",
            "make a persona the foreground one; returns at once, the loop switches",
            List.of("--none"), """
            Records the active persona in intent and returns: through the running converger (bay0 or spine run) when
            one listens, which wakes its loop, else straight into the database. The loop then shows the persona's
            workspace, freezes every other running persona (cgroup.freeze), thaws this one and focuses its window.
            --none: no foreground persona, every persona thawed. spine get focus shows desired and observed focus.
            Exit codes: 0 recorded, 2 no such persona, 3 unavailable."""),
    GET("get", "get [KIND] [NAME] [-o table|yaml|json] | get boot [-o json] | get images [-o json] | get volumes [-o json] | get governor [-o json] | get focus [-o json]",
            "desired state, observed phase, restarts and last error",
            List.of("-o"), """
            KIND is persona, tenant, envelope or image. The table shows WANT (held when this boot holds it stopped), PHASE
            (stopped, starting, running, paused, crashloop, exited, ...), RESTARTS, the generation, the observed
            generation and the last error; crash loops and exits get a line with the exit code and next try.
            -o yaml prints re-appliable specs; -o json adds status details and, for each running container, its
            envelope as the kernel enforces it. An Image's PHASE is loaded, failed (LAST ERROR says why: a missing archive,
            a sha256 that differs, with both hashes, a name the archive carries, podman's refusal) or pending, and a line
            gives its ref, archive and the image id it loaded. get boot shows how this boot went; get images, the built-in images
            as placed (name, id, when, how: loaded, reloaded, verified, tagged), what this boot did to them, and each image an
            Image's load gave with its owner (the Image, or unreferenced since T: removed after the grace);
            get volumes, every volume on the state root (owner: persona or tenant, name, path, bytes, size, orphaned: no intent names it);
            get governor, the governor's level and its decisions (from the running converger).
            Exit codes: 0, 2 unknown kind or name, 3 unavailable or an old schema (run spine apply or reboot)."""),
    PERSONA("persona", "persona export p://NAME -o FILE | persona import FILE [--replace] [--timeout 120s]",
            "carry a persona to another machine: its spec, envelope, app image and volumes in one file",
            List.of("-o", "--replace", "--timeout"), """
            export writes one file (a POSIX tar, any tar lists it): the persona's spec, the envelope it names, the Image
            that provides its image with the archive itself (a built-in image travels as its name), every volume's files,
            and last a manifest with each part's sha256. A running persona is refused: stop it first (a paused one,
            frozen by spine focus, exports as it is), so the copy of its volumes is consistent.
            import reads the whole file and checks every part against the manifest before it writes anything, then
            extracts it into a staging directory under the state root, checking again, moves the volumes and the image
            archive into place and applies the specs in one transaction: all of it or none. A persona, volume, envelope
            or image archive already here is refused unless --replace; what --replace displaces is moved under
            <root>/spine/attic/, never deleted.
            Exit codes: 0 done (import: converged), 1 not converged or running, 2 invalid or refused, 3 unavailable."""),
    HISTORY("history", "history [KIND NAME] [-o table|json]",
            "every change of intent: generation, time, uid and the fields that changed",
            List.of("-o"), """
            The append-only history, oldest first: time, the uid that made the change (the CLI's own, or the control
            socket peer's for an apply through spine run or bay0), kind and name, generation, create/update/delete,
            and the fields that changed against the resource's previous generation.
            Exit codes: 0, 2 unknown kind or name, 3 unavailable."""),
    DELETE("delete", "delete KIND NAME [--timeout 120s] | delete volume OWNER NAME",
            "remove intent and prune its container; or remove one volume",
            List.of("--timeout"), """
            Removes the intent (the history keeps it) and prunes the container. An envelope still named by a persona
            or tenant is refused. delete image NAME removes the Image's intent and load record; the image it loaded stays
            in podman's storage, and containers running it keep running. A persona's volumes are kept (spine get volumes shows them orphaned); delete volume
            removes one with every file in it, refused while an intent names it.
            Exit codes: 0 converged, 1 not, 2 invalid or not found, 3 unavailable."""),
    RUN("run", "run [--resync 30s] [--parallel 4]",
            "the level-triggered loop (hands-off convergence daemon)",
            List.of("--resync", "--parallel"), """
            A pass on every wake-up (an apply through the control socket) and every resync; wake-ups coalesce. Failed
            steps back off 1 s doubling to 5 min; crash-looping containers 10 s doubling to 5 min. Holds the converger
            lock and serves <root>/spine/control.sock; SIGTERM stops it cleanly.
            Exit codes: 0 on a clean stop, 3 another converger holds the lock."""),
    RECONCILE("reconcile", "reconcile --once [--timeout 120s] [--parallel 4]",
            "one pass, then exit",
            List.of("--once", "--timeout", "--parallel"), """
            One pass (through spine run when it is up): observe, plan, run the steps.
            Exit codes: 0 converged after the pass, 1 not."""),
    METRICS("metrics", "metrics",
            "Prometheus text from the running spine run",
            List.of(), """
            spine_passes_total{result}, spine_steps_total{kind,result} and the pass and step duration summaries.
            Exit codes: 0, 3 no daemon or refused."""),
    VALIDATE("validate", "validate [-o json] [--budget 20s]",
            "health check: GREEN/YELLOW/RED (exit 0/1/2); also bay0 --validate",
            List.of("-o", "--budget"), """
            Freezer (a probe container frozen and thawed), umbilical (the AI tenant's socket), persist (a marker
            written and read back) and log, within a hard budget. Never writes the database.
            Exit codes: 0 GREEN, 1 YELLOW, 2 RED, 3 unavailable."""),
    DOCTOR("doctor", "doctor [--budget 20s]",
            "validate, and for every line that is not GREEN the command or step that fixes it",
            List.of("--budget"), """
            Runs validate, then prints under each line that is not GREEN what fixes it (the same table as
            docs/OPERATIONS.md), and a line for each resource that is held, crash-looping, exited or in conflict.
            Exit codes: as validate."""),
    BOOT("boot", "boot timeline SERIAL_LOG [--spine-log FILE] | boot timeline --this-boot [-o text|svg]",
            "the last boot's milestones and steps as a table or an SVG timeline",
            List.of("--this-boot", "-o", "--spine-log"), """
            Reads the genesis lines ([  11.411] bay0: starting ...) of the last boot in a serial log, or with
            --this-boot in genesis.log under the root, and prints one stretch per line: from each milestone to the
            next, the first from the kernel's start. Then the boot-convergence steps (each executor step and
            built-in image load from init complete to converged after boot) from spine.log: under the root with
            --this-boot, or the file --spine-log names. -o svg draws the same as a timeline (spine boot timeline
            --this-boot -o svg > boot.svg).
            Exit codes: 0 printed, 2 no boot in the input or a usage error, 3 the log cannot be read."""),
    IMAGE("image", "image verify IMG | keygen DIR | sign --key KEY --as VERSION [--replaces VERSION] [--allow-yellow] KERNEL IMG"
            + " | check MANIFEST [--trust DIR] [--allow-downgrade] [--contract FILE]",
            "check an image against the contract; sign and check upgrade candidates",
            List.of("--contract", "--key", "--as", "--replaces", "--allow-yellow", "--trust", "--allow-downgrade", "--running"), """
            verify streams the archive (LZ4 and zstd segments, gzip, or none), so memory stays small whatever its size, and prints one
            INTEGRATION FAIL: <path> - <reason> line per breach.
            keygen writes an Ed25519 pair into DIR: spine.key (keep it on the build host) and spine.pub (what a
            machine trusts). sign prints the signed manifest of a kernel and an image (publish it beside them),
            for version --as, which may replace --replaces only; --allow-yellow lets a YELLOW validate pass its
            trial boot (GREEN otherwise). check is what a machine does before it stages a
            candidate: the key must be in --trust (default /etc/spine/trust), the signature and every artifact's
            size and sha256 must match, the version must be newer than this spine's (--running, default its own)
            unless --allow-downgrade, and the image must meet the contract.
            Exit codes: 0 meets the contract / accepted, 1 breaches / refused (one line: the kind and why), 2
            unreadable input or a usage error, 3 a key that cannot be written."""),
    UPGRADE("upgrade", "upgrade MANIFEST [--stage-only] [--wait 30s] [--force] [--trust DIR] [--allow-downgrade] [--contract FILE]",
            "check a signed candidate, refuse a nacked one, stage it into an A/B slot and reboot into it for a trial",
            List.of("--stage-only", "--wait", "--force", "--trust", "--allow-downgrade", "--contract", "--running"), """
            Checks the candidate as spine image check does (trusted key, signature, every artifact's size and sha256,
            a newer version unless --allow-downgrade, the contract), refuses it when the NACK registry holds its hash
            (a trial boot of it failed: spine nack list), waits while a persona holds its busy-lock
            (/run/spine-lock/updates.lock in the persona; up to --wait, then refused naming them; --force goes on and
            logs it), then copies the kernel, the image and the manifest into the
            slot under <root>/spine/slots that does not hold the running candidate, checking each file's sha256 as it
            is copied, fsynced and renamed into place; a power cut leaves the slot's old content or nothing, never
            half of it. Then (unless --stage-only) it records the slot in trial and asks bay0 to reboot into it: bay0
            checks the slot again against its own trusted keys and contract, loads it with kexec_file_load, shuts down
            cleanly and boots it with spine.trial=HASH. The trial boot promotes the candidate on a GREEN validate
            within spine.trial_deadline_ms (120 s); anything else reboots into the known-good image, whose boot nacks it.
            --contract: default /usr/share/spine/contract.yaml in the image, images/contract.yaml in a checkout.
            Exit codes: 0 staged (and rebooting), 1 refused (one line: the kind and why), 2 unreadable input or a usage
            error, 3 the slot could not be written, or no bay0 took the reboot (the slot stays staged)."""),
    NACK("nack", "nack list | nack forgive HASH",
            "the candidates whose trial boot failed; forgive one so it may be tried again",
            List.of(), """
            list prints each refused candidate: the hash of its signed manifest, its version, when its trial failed
            and why. forgive removes one entry (any unique prefix of its hash), logged in spine.log with the caller's
            uid; spine upgrade then takes the candidate again.
            Exit codes: 0, 2 no such entry or a usage error, 3 the database is unavailable."""),
    COMPLETION("completion", "completion bash",
            "print the bash completion script",
            List.of(), """
            Debian's layout: spine completion bash > /usr/share/bash-completion/completions/spine
            (or ~/.local/share/bash-completion/completions/spine for one user). Completes commands, their options,
            kinds and the names stored in the intent.
            Exit codes: 0, 2 for another shell."""),
    VERSION("version", "version", "print the version", List.of(), "Exit code: 0.");

    /** Options every command takes. */
    static final List<String> COMMON = List.of("--root", "-v", "--verbose", "-h", "--help");

    final String word;
    final String usage;
    final String summary;
    final List<String> options;
    final String details;

    Command(String word, String usage, String summary, List<String> options, String details) {
        this.word = word;
        this.usage = usage;
        this.summary = summary;
        this.options = List.copyOf(options);
        this.details = details;
    }

    static Optional<Command> of(String word) {
        return Arrays.stream(values()).filter(c -> c.word.equals(word)).findFirst();
    }

    String help() {
        return "usage: spine " + usage + "\n\n" + summary + "\n\n" + details.strip() + "\n\n"
                + "Every command also takes --root DIR (or SPINE_ROOT; it stands in for /persist), -v and --help.\n";
    }

    static String overview() {
        var sb = new StringBuilder("""
                spine: declarative reconciler for personas, tenants and envelopes

                usage: spine COMMAND [--root DIR] [-v]    (spine COMMAND --help for one command)
                """);
        for (Command c : values()) sb.append(String.format("  %-10s %s%n", c.word, c.summary));
        sb.append("\n--root DIR (or SPINE_ROOT) stands in for /persist. Exit code 3: the machine cannot do it now.\n");
        return sb.toString();
    }
}
