package spine.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import spine.model.Plan.Conflict;
import spine.model.Plan.PlannedStep;
import spine.model.Step.DrainUmbilical;
import spine.model.Step.PauseContainer;
import spine.model.Step.RemoveContainer;
import spine.model.Step.RunContainer;
import spine.model.Step.StartContainer;
import spine.model.Step.StopContainer;
import spine.model.Step.UnpauseContainer;

/**
 * Plans the steps that take the observed world to the desired one. Pure: no I/O, no clock, no logging.
 * <ul>
 *   <li>A container whose spec hash differs is removed and run again (recreate).</li>
 *   <li>A container caught mid-transition (stopping, removing, unknown) is removed, never trusted.</li>
 *   <li>Only containers that are provably Spine's ({@link ObservedContainer#spineId()}) are ever touched;
 *       a foreign container holding a wanted name is a {@link Conflict}.</li>
 *   <li>A stopped resource needs no container; one that exists stays until its spec changes.</li>
 * </ul>
 */
public final class Planner {
    public static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** How long the umbilical broker lets requests in flight finish before a tenant goes down. */
    public static final Duration DRAIN = Duration.ofSeconds(5);

    private Planner() {}

    public static Plan plan(DesiredState desired, ObservedState observed) {
        var steps = new ArrayList<PlannedStep>();
        var conflicts = new ArrayList<Conflict>();
        SortedMap<ResourceId, ObservedContainer> ours = observed.spine();

        desired.danglingEnvelopes().forEach((id, env) -> conflicts.add(new Conflict(id,
                "envelope \"" + env + "\" does not exist; apply it or change the reference")));

        for (Map.Entry<ResourceId, DesiredContainer> e : desired.containers().entrySet()) {
            ResourceId id = e.getKey();
            PlanPhase phase = id.kind() == Kind.TENANT ? PlanPhase.TENANTS : PlanPhase.PERSONAS;
            ObservedContainer present = observed.byName(id.containerName()).orElse(null);
            if (present != null && present.spineId().isEmpty()) {
                conflicts.add(new Conflict(id, "container name " + id.containerName()
                        + " is taken by a container Spine did not create; remove or rename it"));
                continue;
            }
            for (Step s : converge(id, e.getValue(), ours.get(id))) steps.add(new PlannedStep(phase, s));
        }

        var uids = new java.util.TreeMap<Integer, ResourceId>();
        for (Spec s : desired.specs().values()) {
            if (s instanceof Tenant t) {
                ResourceId first = uids.putIfAbsent(t.uid(), t.id());
                if (first != null) conflicts.add(new Conflict(t.id(), "tenant uid " + t.uid() + " is also " + first
                        + "'s (uids come from the name); rename one of them"));
            }
        }

        for (Map.Entry<ResourceId, ObservedContainer> e : ours.entrySet()) {
            if (!desired.specs().containsKey(e.getKey())) {
                ObservedContainer c = e.getValue();
                if (e.getKey().kind() == Kind.TENANT && c.state() == ContainerState.RUNNING) {
                    steps.add(new PlannedStep(PlanPhase.PRUNE, new DrainUmbilical(e.getKey(), DRAIN,
                            "tenant has no intent; let requests in flight finish")));
                }
                steps.add(new PlannedStep(PlanPhase.PRUNE, new RemoveContainer(e.getKey(),
                        "no intent for this container (deleted or ghost)")));
            }
        }
        return new Plan(steps, conflicts);
    }

    /**
     * A tenant with a socket that is up is drained before it stops or goes: the umbilical broker lets the requests
     * in flight finish instead of cutting them off.
     */
    private static List<Step> converge(ResourceId id, DesiredContainer want, ObservedContainer have) {
        List<Step> out = convergeContainer(id, want, have);
        boolean up = have != null && (have.state() == ContainerState.RUNNING || have.state() == ContainerState.PAUSED);
        if (up && want.spec().socket().isPresent()
                && out.stream().anyMatch(s -> s instanceof RemoveContainer || s instanceof StopContainer)) {
            out.add(0, new DrainUmbilical(id, DRAIN, "tenant is going down; let requests in flight finish"));
        }
        return out;
    }

    private static List<Step> convergeContainer(ResourceId id, DesiredContainer want, ObservedContainer have) {
        var out = new ArrayList<Step>();
        String hash = want.spec().specHash();
        boolean replacing = have != null;
        if (have != null && !have.specHash().equals(hash)) {
            out.add(new RemoveContainer(id, recreateReason(want, have, hash)));
            have = null;
        } else if (have != null && have.state().isHalfState()) {
            out.add(new RemoveContainer(id, "container is " + have.state().word() + ", a half state; "
                    + (want.state() == RunState.STOPPED ? "removing it" : "replacing it")));
            have = null;
        }
        ContainerState now = have == null ? null : have.state();
        String wantWord = want.state().word();
        switch (want.state()) {
            case RUNNING -> {
                if (now == null) out.add(new RunContainer(id, want.spec(), want.generation(), runReason(replacing, hash, wantWord)));
                else if (now.isDown()) out.add(new StartContainer(id, "container is " + now.word() + "; want running"));
                else if (now == ContainerState.PAUSED) out.add(new UnpauseContainer(id, "container is paused; want running"));
            }
            case PAUSED -> {
                if (now == null) {
                    out.add(new RunContainer(id, want.spec(), want.generation(), runReason(replacing, hash, wantWord)));
                    out.add(new PauseContainer(id, "want paused"));
                } else if (now.isDown()) {
                    out.add(new StartContainer(id, "container is " + now.word() + "; want paused"));
                    out.add(new PauseContainer(id, "want paused"));
                } else if (now == ContainerState.RUNNING) {
                    out.add(new PauseContainer(id, "container is running; want paused"));
                }
            }
            case STOPPED -> {
                if (now == ContainerState.RUNNING) {
                    out.add(new StopContainer(id, STOP_GRACE, "container is running; want stopped"));
                } else if (now == ContainerState.PAUSED) {
                    // A paused container cannot take SIGTERM; thaw it so it can shut down cleanly.
                    out.add(new UnpauseContainer(id, "container is paused; thaw before a clean stop"));
                    out.add(new StopContainer(id, STOP_GRACE, "want stopped"));
                }
            }
        }
        return out;
    }

    private static String runReason(boolean replacing, String hash, String wantWord) {
        return (replacing ? "replacement" : "no container") + "; want " + wantWord + " (spec " + hash + ")";
    }

    private static String recreateReason(DesiredContainer want, ObservedContainer have, String hash) {
        String what = have.image().equals(want.spec().image()) || have.image().isEmpty()
                ? "spec changed"
                : "image changed " + have.image() + " -> " + want.spec().image();
        return what + " (spec " + (have.specHash().isEmpty() ? "none" : have.specHash()) + " -> " + hash + "); "
                + (want.state() == RunState.STOPPED ? "removing the stale container" : "recreating");
    }
}
