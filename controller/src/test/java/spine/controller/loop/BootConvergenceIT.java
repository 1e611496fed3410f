package spine.controller.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.controller.PodmanHarness;
import spine.controller.state.IntentStore;
import spine.controller.state.SpineRoot;
import spine.drivers.exec.ProcessCommandRunner;
import spine.drivers.podman.PodmanDriver;
import spine.model.DesiredState;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.boot.BootHolds;
import spine.model.boot.BootRepair;
import spine.model.spec.SpecParser;

/**
 * Boot-time convergence on real podman and real SQLite: every row of the repair table is staged as a power
 * loss leaves it (a status row plus a real container in the matching state), then repaired.
 */
class BootConvergenceIT {
    private static final String IMAGE = "localhost/spine/busybox:1";
    private static final String SLEEPER = "[\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 1; done\"]";

    private static String persona(String name, String state, boolean autostart) {
        return """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://%s"}
                spec: {image: %s, command: %s, state: %s, autostart: %s}
                ---
                """.formatted(name, IMAGE, SLEEPER, state, autostart);
    }

    @TempDir Path dir;
    private PodmanHarness podman;
    private IntentStore store;
    private PodmanDriver driver;
    private DesiredState desired;

    @BeforeEach
    void setUp() throws Exception {
        podman = new PodmanHarness();
        podman.reset();
        store = IntentStore.open(new SpineRoot(dir), Clock.systemUTC());
        String yaml = persona("missing", "running", true) + persona("starting", "running", true)
                + persona("stopping", "running", false) + persona("paused", "paused", false)
                + persona("auto", "running", true) + """
                apiVersion: spine/v1
                kind: Tenant
                metadata: {name: "sys://ai"}
                spec: {image: %s, command: %s, socket: /run/spine/ai.sock}
                """.formatted(IMAGE, SLEEPER);
        SpecParser.Result parsed = SpecParser.parse("boot.yaml", yaml);
        assertThat(parsed.errors()).isEmpty();
        List<Spec> specs = parsed.specs().stream().map(SpecParser.Located::spec).toList();
        store.intents().apply(specs, 0);
        desired = store.intents().load().desired();
        driver = new PodmanDriver(new ProcessCommandRunner(podman.env()), List.of("podman"), PodmanDriver.Timeouts.defaults());
        // the executor here is the driver itself, not Machinery, which makes these before a run or start
        for (ResourceId id : desired.containers().keySet()) {
            if (id.kind() == spine.model.Kind.PERSONA) spine.controller.umbilical.RunDirs.lock(driver.sockets(), id);
        }
    }

    @AfterEach
    void tearDown() {
        store.close();
        podman.reset();
    }

    /** A container with Spine's labels for this resource, made by the driver's own argv, run or only created. */
    private void container(ResourceId id, boolean start) throws java.io.IOException {
        spine.controller.umbilical.RunDirs.lock(driver.sockets(), id);
        List<String> argv = new ArrayList<>(driver.runArgs(desired.containers().get(id).spec(), 1));
        argv.removeFirst(); // "podman"
        if (!start) {
            argv.set(0, "create");
            argv.remove("-d");
        }
        var r = podman.podman(argv.toArray(String[]::new));
        assertThat(r.ok()).as(r.summary()).isTrue();
    }

    @Test
    void repairsEveryHalfStateRemovesGhostsAndLeavesForeignContainers() throws Exception {
        ResourceId missing = ResourceId.persona("missing");
        ResourceId starting = ResourceId.persona("starting");
        ResourceId stopping = ResourceId.persona("stopping");
        ResourceId paused = ResourceId.persona("paused");
        store.statuses().set(missing, Phase.RUNNING, 1, Optional.empty());
        store.statuses().set(starting, Phase.STARTING, -1, Optional.empty());
        store.statuses().set(stopping, Phase.STOPPING, 1, Optional.empty());
        store.statuses().set(paused, Phase.PAUSED, 1, Optional.empty());
        container(starting, false);           // a half-made container: created, never started
        container(stopping, true);            // the stop never happened
        container(paused, true);
        assertThat(podman.podman("pause", paused.containerName()).ok()).isTrue();
        // a ghost: Spine's labels, no intent (an apply that was rolled back, or a delete cut short)
        store.intents().apply(List.of(SpecParser.parse("g.yaml", persona("ghost", "running", false)).specs().getFirst().spec()), 0);
        desired = store.intents().load().desired();
        container(ResourceId.persona("ghost"), true);
        store.intents().delete(ResourceId.persona("ghost"), 0);
        assertThat(podman.podman("run", "-d", "--name", "p__foreign", IMAGE, "sleep", "600").ok()).isTrue();

        var metrics = new Metrics();
        var boot = new BootConvergence(store, driver, metrics);
        var holds = boot.hold(true, false);
        BootConvergence.Report report = boot.repair(true, false, holds).orElseThrow();
        // its steps went through the executor: counted as a pass's are (issue 27)
        assertThat(metrics.prometheus()).contains("spine_steps_total{kind=\"remove\",result=\"ok\"} 2",
                "spine_steps_total{kind=\"stop\",result=\"ok\"}");
        assertThat(boot.untouchedObservation()).as("the repair changed podman's world: its look is stale").isEmpty();

        assertThat(report.repairs()).containsEntry(BootRepair.Kind.RUNNING_MISSING, 1).containsEntry(BootRepair.Kind.STARTING, 1)
                .containsEntry(BootRepair.Kind.STOPPING, 1).containsEntry(BootRepair.Kind.PAUSED, 1)
                .containsEntry(BootRepair.Kind.GHOST, 1).containsEntry(BootRepair.Kind.RUNNING_DEAD, 0);
        assertThat(report.failed()).isZero();
        assertThat(report.foreign()).isEqualTo(1);
        assertThat(report.integrity()).isEqualTo("ok");
        assertThat(report.line()).startsWith("boot report: last_shutdown=unclean boot=clean repairs=5 running_missing=1 running_dead=0 "
                + "starting=1 stopping=1 paused=1 ghost=1 failed=0 foreign_untouched=1 held=5 db=ok ms=");

        Map<String, String> after = podman.containers();
        assertThat(after).doesNotContainKeys("p__starting", "p__ghost");
        assertThat(after.get("p__stopping")).endsWith("exited");
        assertThat(after.get("p__paused")).endsWith("exited");
        assertThat(after.get("p__foreign")).endsWith("running");
        store.statuses().all().forEach((id, s) -> assertThat(s.phase()).as(id.toString()).isEqualTo(Phase.STOPPED));

        // again: a repaired world needs no repair
        assertThat(boot.repair(true, false, holds).orElseThrow().repaired()).isZero();
        // and its look is what podman shows, for the loop's first pass
        assertThat(boot.untouchedObservation()).hasValueSatisfying(o -> assertThat(o.state().containers().values())
                .anyMatch(c -> c.name().equals("p__foreign")));
    }

    @Test
    void afterACrashOnlyTenantsStartUntilTheUserAppliesAgain() throws Exception {
        var boot = new BootConvergence(store, driver, new Metrics());
        var holds = boot.hold(true, false);
        assertThat(holds).containsOnlyKeys(ResourceId.persona("missing"), ResourceId.persona("starting"),
                ResourceId.persona("stopping"), ResourceId.persona("paused"), ResourceId.persona("auto"));
        assertThat(holds.values()).containsOnly(BootHolds.UNCLEAN);
        boot.repair(true, false, holds).orElseThrow();

        var metrics = new Metrics();
        var reconciler = new Reconciler(store, driver, new Executor(driver, store, metrics, 4), new BackoffTracker(), metrics, Clock.systemUTC());
        assertThat(reconciler.convergeUntil(java.time.Instant.now().plus(Duration.ofSeconds(60)))).isTrue();
        assertThat(podman.containers()).containsOnlyKeys("sys__ai");

        // the user acts: applying the spec again (even unchanged) releases that persona's hold, and only that one
        store.intents().apply(List.of(desired.specs().get(ResourceId.persona("auto"))), 0);
        assertThat(store.holds().all()).doesNotContainKey(ResourceId.persona("auto")).containsKey(ResourceId.persona("missing"));
        assertThat(reconciler.convergeUntil(java.time.Instant.now().plus(Duration.ofSeconds(60)))).isTrue();
        assertThat(podman.containers()).containsOnlyKeys("sys__ai", "p__auto");
    }

    @Test
    void afterACleanShutdownAutostartPersonasStartAndShutdownStopsThem() throws Exception {
        var boot = new BootConvergence(store, driver, new Metrics());
        var holds = boot.hold(true, true);
        // autostart off: held whether the spec wants it running or paused
        assertThat(holds).containsOnlyKeys(ResourceId.persona("stopping"), ResourceId.persona("paused"))
                .containsValue(BootHolds.NOT_AUTOSTART);
        var metrics = new Metrics();
        var reconciler = new Reconciler(store, driver, new Executor(driver, store, metrics, 4), new BackoffTracker(), metrics, Clock.systemUTC());
        assertThat(reconciler.convergeUntil(java.time.Instant.now().plus(Duration.ofSeconds(60)))).isTrue();
        assertThat(podman.containers()).containsOnlyKeys("sys__ai", "p__auto", "p__missing", "p__starting");

        assertThat(boot.stopAll()).isEqualTo(4);
        assertThat(podman.containers().values()).allMatch(s -> s.endsWith("exited"));
        store.statuses().all().forEach((id, s) -> assertThat(s.phase()).as(id.toString()).isEqualTo(Phase.STOPPED));
    }
}
