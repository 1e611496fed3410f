package spine.drivers.podman;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import spine.drivers.exec.CommandResult;
import spine.model.ContainerSpec;
import spine.model.ContainerState;
import spine.model.Envelope;
import spine.model.NetworkMode;
import spine.model.ObservedState;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.RunState;
import spine.model.Step;
import spine.model.StepResult;

class PodmanDriverTest {
    private final List<List<String>> calls = new ArrayList<>();

    private PodmanDriver driver(CommandResult reply) {
        return new PodmanDriver((argv, timeout) -> {
            calls.add(argv);
            return reply;
        }, List.of("podman"), PodmanDriver.Timeouts.defaults());
    }

    private static String fixture() throws IOException {
        try (InputStream in = PodmanDriverTest.class.getResourceAsStream("/podman-ps-a.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Replies in order, one per call. */
    private PodmanDriver scripted(CommandResult... replies) {
        var queue = new java.util.ArrayDeque<>(List.of(replies));
        return new PodmanDriver((argv, timeout) -> {
            calls.add(argv);
            return queue.removeFirst();
        }, List.of("podman"), PodmanDriver.Timeouts.defaults());
    }

    private static final CommandResult NO_SUCH = new CommandResult(125, "",
            "Error: no container with name or ID \"p__work\" found: no such container", Duration.ofMillis(30), false);

    /** Recorded in CI (KilledApplyIT, an apply killed 474 ms after storing): podman rm on a run killed halfway. */
    private static final String BUSY = "Error: removing container 375eeda03ca7a62a65071d389a780ed8826d42f2b230bb2584a87dd4b7c35b9d root"
            + " filesystem: 1 error occurred:\n\t* unlinkat /var/tmp/spine-it/graph/overlay-containers/"
            + "375eeda03ca7a62a65071d389a780ed8826d42f2b230bb2584a87dd4b7c35b9d/userdata/shm: device or resource busy\n";

    @Test
    void removeTriesAgainWhileAKilledRunsShmIsStillBusy() {
        var busy = new CommandResult(125, "", BUSY, Duration.ofMillis(174), false);
        var gone = new CommandResult(125, "", "Error: no container with name or ID \"p__k2x7\" found: no such container",
                Duration.ofMillis(30), false);
        // the first rm leaves podman's record gone and the storage busy; a moment later storage lets go
        var d = scripted(busy, gone, busy, gone, new CommandResult(0, "", "", Duration.ofMillis(60), false));
        StepResult r = d.apply(new Step.RemoveContainer(ResourceId.persona("k2x7"), "interrupted start"));
        assertThat(r).isEqualTo(new StepResult.Ok("removed a leftover in container storage (rm found the container's /dev/shm busy"
                + " 2 times first)"));
        assertThat(calls).containsExactly(List.of("podman", "rm", "-f", "-t", "5", "p__k2x7"), List.of("podman", "rm", "-f", "-t", "5", "p__k2x7"),
                List.of("podman", "rm", "--storage", "p__k2x7"), List.of("podman", "rm", "-f", "-t", "5", "p__k2x7"),
                List.of("podman", "rm", "--storage", "p__k2x7"));
    }

    @Test
    void aShmThatStaysBusyIsARetryableFailureAfterBoundedTries() {
        var busy = new CommandResult(125, "", BUSY, Duration.ofMillis(174), false);
        var d = scripted(busy, busy, busy, busy);
        assertThat(d.apply(new Step.RemoveContainer(ResourceId.persona("k2x7"), "t"))).isInstanceOf(StepResult.Failed.class);
        assertThat(calls).hasSize(PodmanDriver.BUSY_TRIES);
    }

    private static List<Step.StartContainer> starts(String... names) {
        return java.util.Arrays.stream(names).map(n -> new Step.StartContainer(ResourceId.persona(n), "exited; want running")).toList();
    }

    @Test
    void startsAreOneCallAndOneThatFailedInItIsStartedAloneForItsOwnAnswer() {
        // recorded from podman 4.3 on the build host: it names what it started and goes on past a failure
        var batch = new CommandResult(125, "p__a1\np__a3\n", "Error: unable to start container \"d1355f2d519f\": runc: runc create"
                + " failed: unable to start container process: exec: \"/nonexistent\": stat /nonexistent: no such file or directory",
                Duration.ofMillis(900), false);
        var alone = new CommandResult(125, "", "Error: unable to start container \"d1355f2d519f\": runc: exec: \"/nonexistent\": no such"
                + " file or directory", Duration.ofMillis(300), false);
        var results = scripted(batch, alone).startAll(starts("a1", "a2", "a3"));

        assertThat(calls).containsExactly(List.of("podman", "start", "p__a1", "p__a2", "p__a3"), List.of("podman", "start", "p__a2"));
        assertThat(results.get(ResourceId.persona("a1"))).isEqualTo(new StepResult.Ok("p__a1"));
        assertThat(results.get(ResourceId.persona("a3"))).isEqualTo(new StepResult.Ok("p__a3"));
        assertThat(results.get(ResourceId.persona("a2"))).isInstanceOfSatisfying(StepResult.Failed.class,
                f -> assertThat(f.reason()).contains("no such file or directory"));
    }

    @Test
    void aStartBatchThatTimedOutIsNotTriedAgainOneByOne() {
        var hung = new CommandResult(-1, "", "", Duration.ofSeconds(60), true);
        var results = scripted(hung).startAll(starts("a1", "a2"));
        assertThat(calls).hasSize(1);
        assertThat(results.values()).allMatch(r -> r instanceof StepResult.Failed f && f.retryable() && f.reason().contains("timed out"));
    }

    @Test
    void removeClearsALeftoverInContainerStorageAndIsIdempotent() {
        var work = new Step.RemoveContainer(ResourceId.persona("work"), "boot repair");
        // podman's database does not know the name, container storage still holds it (a run cut by a power loss)
        var d = scripted(NO_SUCH, new CommandResult(0, "p__work\n", "", Duration.ofMillis(30), false));
        assertThat(d.apply(work).ok()).isTrue();
        assertThat(calls).containsExactly(List.of("podman", "rm", "-f", "-t", "5", "p__work"), List.of("podman", "rm", "--storage", "p__work"));
        // nothing anywhere: already removed
        calls.clear();
        assertThat(scripted(NO_SUCH, NO_SUCH).apply(work).ok()).isTrue();
        // any other failure is a failure, and storage is not touched
        calls.clear();
        var busy = new CommandResult(125, "", "Error: container is busy", Duration.ofMillis(30), false);
        assertThat(scripted(busy).apply(work)).isInstanceOf(StepResult.Failed.class);
        assertThat(calls).hasSize(1);
    }

    private static final CommandResult IN_USE = new CommandResult(125, "", "Error: creating container storage: the container"
            + " name \"p__work\" is already in use by 5e1c. You have to remove that container to be able to reuse that name:"
            + " that name is already in use", Duration.ofMillis(40), false);

    private static CommandResult exit(int code, String out) {
        return new CommandResult(code, out, "", Duration.ofMillis(20), false);
    }

    private static Step.RunContainer runWork() {
        var p = new Persona(ResourceId.persona("work"), "localhost/spine/busybox:1", List.of("sleep", "1"), new TreeMap<>(),
                RunState.RUNNING, Optional.empty(), false, false, NetworkMode.NONE);
        return new Step.RunContainer(p.id(), ContainerSpec.of(p, Envelope.unlimited()), 1, "no container");
    }

    /** A run killed halfway leaves the name in container storage only: cleared, and the run tried once more. */
    @Test
    void runClearsAStorageLeftoverHoldingTheName() {
        var d = scripted(IN_USE, exit(1, ""), exit(0, "p__work\n"), exit(0, "0123456789abcdef\n"));
        StepResult r = d.apply(runWork());
        assertThat(r).isEqualTo(new StepResult.Ok("0123456789ab (removed a leftover in container storage that held the name)"));
        assertThat(calls).hasSize(4);
        assertThat(calls.get(1)).containsExactly("podman", "container", "exists", "p__work");
        assertThat(calls.get(2)).containsExactly("podman", "rm", "--storage", "p__work");
        assertThat(calls.get(3)).isEqualTo(calls.get(0));
    }

    /**
     * The leftover a killed run leaves can still have its /dev/shm mounted in the dying process when the next run
     * clears it (CI: KilledApplyIT, a kill 396 ms after storing, reconcile --once not converged): the clear is tried
     * again as remove's is, not given up at once.
     */
    @Test
    void runTriesTheLeftoversClearAgainWhileItsShmIsBusy() {
        var busy = new CommandResult(125, "", BUSY, Duration.ofMillis(174), false);
        var d = scripted(IN_USE, exit(1, ""), busy, exit(0, "p__work\n"), exit(0, "0123456789abcdef\n"));
        StepResult r = d.apply(runWork());
        assertThat(r).isEqualTo(new StepResult.Ok("0123456789ab (removed a leftover in container storage that held the name;"
                + " rm found the container's /dev/shm busy 1 time first)"));
        assertThat(calls.get(2)).isEqualTo(calls.get(3)).containsExactly("podman", "rm", "--storage", "p__work");
    }

    /**
     * Where persist enforces project quotas, a new container is created, its writable layer (the parent of podman's
     * upper directory) bounded, then started: podman's own --storage-opt size refuses ext4. A layer that could not
     * be bounded still starts, and the step says why.
     */
    @Test
    void aBoundedLayerIsCreatedBoundedThenStarted() {
        var bounded = new ArrayList<java.nio.file.Path>();
        PodmanDriver d = scripted(exit(0, "0123456789abcdef\n"), exit(0, "/persist/containers/storage/overlay/abc/diff\n"),
                exit(0, "p__work\n")).withLayerLimit(dir -> {
                    bounded.add(dir);
                    return Optional.empty();
                });
        assertThat(d.apply(runWork())).isEqualTo(new StepResult.Ok("p__work"));
        assertThat(calls.get(0)).startsWith("podman", "create", "--pull", "never", "--name", "p__work");
        assertThat(calls.get(1)).containsExactly("podman", "inspect", "--type", "container", "--format",
                "{{.GraphDriver.Data.UpperDir}}", "p__work");
        assertThat(calls.get(2)).containsExactly("podman", "start", "p__work");
        assertThat(bounded).containsExactly(java.nio.file.Path.of("/persist/containers/storage/overlay/abc"));

        calls.clear();
        d = scripted(exit(0, "0123456789abcdef\n"), exit(0, "/persist/containers/storage/overlay/abc/diff\n"),
                exit(0, "p__work\n")).withLayerLimit(dir -> Optional.of("errno 95 (EOPNOTSUPP)"));
        assertThat(d.apply(runWork())).isEqualTo(new StepResult.Ok("p__work (its writable layer is not bounded: errno 95 (EOPNOTSUPP))"));
        assertThat(calls.get(2)).containsExactly("podman", "start", "p__work");

        calls.clear();
        scripted(exit(0, "0123456789abcdef\n")).apply(runWork());
        assertThat(calls).singleElement().satisfies(argv -> assertThat(argv).startsWith("podman", "run", "-d", "--pull", "never"));
    }

    /** A start bounds the layer again first: a power cut between a create and its start left it unbounded. */
    @Test
    void aStartBoundsTheLayerFirstWhereLayersAreBounded() {
        var bounded = new ArrayList<java.nio.file.Path>();
        PodmanDriver d = scripted(exit(0, "p__work /persist/containers/storage/overlay/abc/diff\n"), exit(0, "p__work\n"))
                .withLayerLimit(dir -> {
                    bounded.add(dir);
                    return Optional.empty();
                });
        assertThat(d.apply(new Step.StartContainer(ResourceId.persona("work"), "stopped"))).isEqualTo(new StepResult.Ok("p__work"));
        assertThat(calls.get(0)).containsExactly("podman", "inspect", "--type", "container", "--format",
                "{{.Name}} {{.GraphDriver.Data.UpperDir}}", "p__work");
        assertThat(calls.get(1)).containsExactly("podman", "start", "p__work");
        assertThat(bounded).containsExactly(java.nio.file.Path.of("/persist/containers/storage/overlay/abc"));
        calls.clear();
        scripted(exit(0, "p__work\n")).apply(new Step.StartContainer(ResourceId.persona("work"), "stopped"));
        assertThat(calls).singleElement().satisfies(argv -> assertThat(argv).containsExactly("podman", "start", "p__work"));
    }

    /**
     * A persona with a display gets the Wayland socket file alone (never the compositor's directory, which holds its IPC
     * socket) and the variables a Wayland client reads; the field joins the spec hash only when set.
     */
    @Test
    void aPersonaWithADisplayGetsTheWaylandSocketFileAlone() {
        var plain = new Persona(ResourceId.persona("work"), "localhost/spine/busybox:1", List.of("sleep", "1"), new TreeMap<>(),
                RunState.RUNNING, Optional.empty(), false, false, NetworkMode.NONE, spine.model.RestartPolicy.ALWAYS, false);
        var shown = new Persona(plain.id(), plain.image(), plain.command(), plain.env(), plain.state(), plain.envelope(), false,
                false, NetworkMode.NONE, spine.model.RestartPolicy.ALWAYS, true);
        // display: false writes nothing into the hash, so no existing container is recreated by the new field
        assertThat(ContainerSpec.of(plain, Envelope.unlimited()).specHash()).isEqualTo(ContainerSpec.of(new Persona(plain.id(),
                plain.image(), plain.command(), plain.env(), plain.state(), plain.envelope(), false, false, NetworkMode.NONE),
                Envelope.unlimited()).specHash());
        assertThat(ContainerSpec.of(shown, Envelope.unlimited()).specHash()).isNotEqualTo(ContainerSpec.of(plain, Envelope.unlimited()).specHash());
        var d = scripted(exit(0, "0123456789abcdef\n"), exit(0, "0123456789abcdef\n"));
        d.apply(new Step.RunContainer(shown.id(), ContainerSpec.of(shown, Envelope.unlimited()), 1, "r"));
        String argv = String.join(" ", calls.get(0));
        assertThat(argv).contains("--volume " + new spine.drivers.SocketDirs(spine.drivers.SocketDirs.DEFAULT).waylandSocket() + ":/run/wayland/wayland-1:rw",
                "--env XDG_RUNTIME_DIR=/run/wayland", "--env WAYLAND_DISPLAY=wayland-1",
                "--label io.spine.display=true"); // a later start checks the socket's server first (Machinery)
        assertThat(argv).doesNotContain(new spine.drivers.SocketDirs(spine.drivers.SocketDirs.DEFAULT).compositorDir() + ":");
        d.apply(new Step.RunContainer(plain.id(), ContainerSpec.of(plain, Envelope.unlimited()), 1, "r"));
        assertThat(String.join(" ", calls.get(1))).doesNotContain("wayland").doesNotContain("io.spine.display");
    }

    /** A container podman knows (exists answers 0) is never removed by a run: the next pass plans for it. */
    @Test
    void runNeverRemovesAContainerPodmanKnows() {
        var d = scripted(IN_USE, exit(0, ""));
        assertThat(d.apply(runWork())).isInstanceOf(StepResult.Failed.class);
        assertThat(calls).hasSize(2);
    }

    @Test
    void observesRecordedPodmanOutputWithOneCall() throws IOException {
        var d = driver(new CommandResult(0, fixture(), "", Duration.ofMillis(40), false));
        spine.drivers.ContainerRuntime.Observation o = d.observe();
        assertThat(o.ok()).isTrue();
        assertThat(calls).containsExactly(List.of("podman", "ps", "-a", "--format", "json"));
        ObservedState s = o.state();
        assertThat(s.containers().keySet()).containsExactly("foreign", "p__done", "p__idle", "p__work", "sys__ai");
        assertThat(s.spine().keySet()).extracting(Object::toString)
                .containsExactly("sys://ai", "p://done", "p://idle", "p://work");
        assertThat(s.containers().get("p__work").state()).isEqualTo(ContainerState.RUNNING);
        assertThat(s.containers().get("p__work").specHash()).isEqualTo("18edcb7845421e6a");
        assertThat(s.containers().get("p__work").generation()).isEqualTo(3);
        assertThat(s.containers().get("sys__ai").state()).isEqualTo(ContainerState.PAUSED);
        assertThat(s.containers().get("p__idle").state()).isEqualTo(ContainerState.CREATED);
        assertThat(s.containers().get("p__done").state()).isEqualTo(ContainerState.EXITED);
        assertThat(s.containers().get("foreign").spineId()).isEmpty();
        // only a container that ran and ended has an exit; podman writes "never" as a negative time
        var ran = java.time.Instant.ofEpochSecond(1795302524);
        assertThat(s.containers().get("p__done").exit()).contains(new spine.model.ObservedContainer.Exit(0, ran, ran));
        assertThat(s.containers().get("p__work").exit()).isEmpty();
        assertThat(s.containers().get("p__idle").exit()).isEmpty();
    }

    @Test
    void observeFailureIsAValue() {
        var d = driver(new CommandResult(125, "", "Error: something broke\n", Duration.ofMillis(5), false));
        assertThat(d.observe().error()).isEqualTo("podman ps failed: Error: something broke");
        var garbled = driver(new CommandResult(0, "{not json", "", Duration.ofMillis(5), false));
        assertThat(garbled.observe().error()).startsWith("podman ps printed JSON Spine cannot read");
    }

    @Test
    void runCarriesLabelsAndEnvelopeFlags() {
        var env = new Envelope(ResourceId.envelope("small"), Optional.of(new BigDecimal("0.5")), Optional.of(100),
                Optional.of(512L << 20), Optional.of(0L), Optional.of(500), Optional.of(256), true);
        var env2 = new TreeMap<String, String>();
        env2.put("LANG", "C");
        var p = new Persona(ResourceId.persona("work"), "localhost/spine/busybox:1", List.of("sleep", "60"), env2,
                RunState.RUNNING, Optional.of("small"), false, false, NetworkMode.NONE);
        ContainerSpec spec = ContainerSpec.of(p, env);
        List<String> args = driver(null).runArgs(spec, 7);
        assertThat(String.join(" ", args)).isEqualTo("podman run -d --pull never --name p__work"
                + " --label io.spine.name=p://work --label io.spine.kind=persona"
                + " --label io.spine.spec-hash=" + spec.specHash() + " --label io.spine.generation=7"
                + " --network none --cpus 0.5 --cpu-shares 2598 --memory 536870912 --memory-swap 536870912"
                + " --oom-score-adj 500 --pids-limit 256 --security-opt no-new-privileges"
                + " --volume /run/spine/locks/p__work:/run/spine-lock:rw --env LANG=C"
                + " localhost/spine/busybox:1 sleep 60");
    }

    @Test
    void volumesAreBoundFromTheStateRootAndAContainerWithVolumesNeedsOne() {
        var p = new Persona(ResourceId.persona("diary"), "localhost/spine/busybox:1", List.of(), new TreeMap<>(), RunState.RUNNING,
                Optional.empty(), false, false, NetworkMode.NONE, spine.model.RestartPolicy.ALWAYS, false,
                List.of(new spine.model.Volume("home", "/home/user", Optional.empty(), false),
                        new spine.model.Volume("music", "/srv/music", Optional.empty(), true)));
        ContainerSpec spec = ContainerSpec.of(p, Envelope.unlimited());
        String args = String.join(" ", driver(null).withVolumes(new spine.drivers.VolumeDirs(java.nio.file.Path.of("/persist/volumes")))
                .runArgs(spec, 1));
        assertThat(args).contains(" --volume /persist/volumes/p__diary/home:/home/user:rw --volume /persist/volumes/p__diary/music:/srv/music:ro ");
        StepResult r = driver(null).apply(new Step.RunContainer(p.id(), spec, 1, "test"));
        assertThat(r).isEqualTo(new StepResult.Failed("p://diary has volumes, and this process knows no state root to keep them under", false));
    }

    @Test
    void cpuWeightMapsOntoSharesAtBothEnds() {
        assertThat(PodmanDriver.cpuShares(1)).isEqualTo(2);
        for (int w = 1; w <= 10_000; w++) {
            long shares = PodmanDriver.cpuShares(w);
            assertThat(1 + (shares - 2) * 9999 / 262142).as("runc maps shares for weight %d back", w).isEqualTo(w);
        }
        assertThat(PodmanDriver.cpuShares(10_000)).isEqualTo(262144);
    }

    @Test
    void stepFailuresSayWhetherToRetry() {
        var missingImage = driver(new CommandResult(125, "",
                "Error: localhost/nope:1: image not known\n", Duration.ofMillis(5), false));
        StepResult r = missingImage.apply(new Step.StartContainer(ResourceId.persona("work"), "test"));
        assertThat(r).isEqualTo(new StepResult.Failed("image localhost/nope:1 is not in local storage and there is no registry:"
                + " provide it with an Image spec (docs/OPERATIONS.md, \"Apps\")", false));
        var hung = driver(new CommandResult(-1, "", "", Duration.ofSeconds(30), true));
        assertThat(hung.apply(new Step.PauseContainer(ResourceId.persona("work"), "test")))
                .isEqualTo(new StepResult.Failed("timed out after 30000 ms", true));
        assertThat(calls.getLast()).containsExactly("podman", "pause", "p__work");
    }

    @Test
    void aTenantRunsAsItsUidWithItsSocketDirectoryAndAPersonaGetsTheUmbilicalReadOnly() {
        var dirs = new spine.drivers.SocketDirs(java.nio.file.Path.of("/run/spine"));
        var driver = new PodmanDriver(null, List.of("podman"), PodmanDriver.Timeouts.defaults(), dirs);
        var ai = new spine.model.Tenant(spine.model.ResourceId.tenant("ai"), "localhost/spine/ai:1", List.of("spine-ai"),
                new java.util.TreeMap<>(), java.util.Optional.empty(), "/run/spine/ai.sock", spine.model.RunState.RUNNING);
        String tenant = String.join(" ", driver.runArgs(ContainerSpec.of(ai, Envelope.unlimited()), 1));
        assertThat(tenant).contains("--network none", "--user " + ai.uid() + ":" + ai.uid(),
                "--volume /run/spine/tenant/sys__ai:/run/spine:rw");
        var work = new spine.model.Persona(spine.model.ResourceId.persona("work"), "localhost/spine/tools:1", List.of(),
                new java.util.TreeMap<>(), spine.model.RunState.RUNNING, java.util.Optional.empty(), true, true,
                spine.model.NetworkMode.NONE);
        String persona = String.join(" ", driver.runArgs(ContainerSpec.of(work, Envelope.unlimited()), 1));
        assertThat(persona).contains("--volume /run/spine/umbilical/p__work:/run/spine:ro").doesNotContain("--user");
        assertThat(persona).as("no envelope: the kernel's max, not podman's default 2048, which the loop would rewrite after"
                + " every start").contains("--pids-limit -1");
        var plain = work.withState(spine.model.RunState.RUNNING);
        var noUmbilical = new spine.model.Persona(plain.id(), plain.image(), plain.command(), plain.env(), plain.state(),
                plain.envelope(), false, true, plain.network());
        assertThat(String.join(" ", driver.runArgs(ContainerSpec.of(noUmbilical, Envelope.unlimited()), 1))).doesNotContain("umbilical")
                .as("every persona's busy-lock directory").contains("--volume /run/spine/locks/p__work:/run/spine-lock:rw");
        assertThat(tenant).as("a tenant has no busy-lock").doesNotContain("spine-lock");
        assertThat(ContainerSpec.of(work, Envelope.unlimited()).specHash())
                .as("umbilical is part of the spec hash").isNotEqualTo(ContainerSpec.of(noUmbilical, Envelope.unlimited()).specHash());
    }
}
