package spine.model.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.ContainerState;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.Step;

/**
 * Boot-time convergence, decided: the status table is what Spine last believed, podman is what is there, and
 * after a power loss the machine must believe no half state. Every resource with intent ends this repair in
 * {@code stopped}; the loop then starts what policy allows. Pure: the caller runs the steps and records phases.
 */
public final class BootRepair {
    /** Grace for the stops a repair issues: the machine just booted, nothing inside has state worth waiting for. */
    public static final Duration GRACE = Duration.ofSeconds(2);

    /** One line of the repair table. The word is the key in the boot report. */
    public enum Kind {
        RUNNING_MISSING("running_missing", "status running, container missing"),
        RUNNING_DEAD("running_dead", "status running, container not running"),
        STARTING("starting", "status starting: container may be partial"),
        STOPPING("stopping", "status stopping"),
        PAUSED("paused", "status pausing or paused"),
        GHOST("ghost", "container labelled as Spine's with no intent");

        private final String word;
        private final String why;

        Kind(String word, String why) {
            this.word = word;
            this.why = why;
        }

        public String word() { return word; }

        public String why() { return why; }
    }

    /**
     * One repair: the podman steps to run, in order (possibly none), and whether the resource's status must
     * be set to stopped afterwards (false only for ghosts, which have no status).
     */
    public record Action(ResourceId target, Kind kind, List<Step> steps, boolean setStopped) {
        public Action {
            steps = List.copyOf(steps);
        }
    }

    /** Repairs sorted by target; {@code foreign} counts containers without Spine's labels, left untouched. */
    public record Plan(List<Action> actions, int foreign) {
        public Plan {
            actions = List.copyOf(actions);
        }

        /** A count for every kind, zeros included, in the kind's order: the boot report prints them all. */
        public SortedMap<Kind, Integer> counts() {
            var out = new TreeMap<Kind, Integer>();
            for (Kind k : Kind.values()) out.put(k, 0);
            actions.forEach(a -> out.merge(a.kind(), 1, Integer::sum));
            return Collections.unmodifiableSortedMap(out);
        }
    }

    private BootRepair() {}

    /**
     * @param recorded the phase the status table holds for each resource with intent
     * @param intent   every resource that has intent (ghosts are Spine's containers outside this set)
     */
    public static Plan plan(Map<ResourceId, Phase> recorded, Set<ResourceId> intent, ObservedState observed) {
        SortedMap<ResourceId, ObservedContainer> spine = observed.spine();
        var actions = new ArrayList<Action>();
        for (Map.Entry<ResourceId, Phase> e : new TreeMap<>(recorded).entrySet()) {
            ResourceId id = e.getKey();
            if (!intent.contains(id)) continue;
            ObservedContainer c = spine.get(id);
            ContainerState state = c == null ? null : c.state();
            switch (e.getValue()) {
                case STOPPED, CRASHLOOP, EXITED -> { } // exited by itself; its crash record carries over
                case RUNNING -> {
                    // A running container that still runs agrees with the record (bay0 restarted without a reboot).
                    if (c == null) actions.add(new Action(id, Kind.RUNNING_MISSING, List.of(), true));
                    else if (state != ContainerState.RUNNING) actions.add(new Action(id, Kind.RUNNING_DEAD, stopIfUp(id, state), true));
                }
                // The container may be half-created: it is never trusted, only removed. With no container podman
                // lists, the cut run may still hold the name in container storage, so remove runs anyway, unless a
                // container Spine does not own holds the name (never touched; the planner reports it).
                case STARTING -> actions.add(new Action(id, Kind.STARTING,
                        c == null && observed.byName(id.containerName()).isPresent() ? List.of()
                                : List.of(new Step.RemoveContainer(id, "boot repair: " + Kind.STARTING.why())), true));
                case STOPPING -> actions.add(new Action(id, Kind.STOPPING, stopIfUp(id, state), true));
                case PAUSING, PAUSED -> actions.add(new Action(id, Kind.PAUSED, stopIfUp(id, state), true));
            }
        }
        int foreign = 0;
        for (ObservedContainer c : observed.containers().values()) {
            var id = c.spineId();
            if (id.isEmpty()) {
                foreign++;
            } else if (!intent.contains(id.get())) {
                actions.add(new Action(id.get(), Kind.GHOST, List.of(new Step.RemoveContainer(id.get(), "boot repair: " + Kind.GHOST.why())), false));
            }
        }
        actions.sort(java.util.Comparator.comparing(Action::target));
        return new Plan(actions, foreign);
    }

    /** Whatever it takes to bring a container down: thaw first when frozen (a frozen task cannot take SIGTERM). */
    private static List<Step> stopIfUp(ResourceId id, ContainerState state) {
        if (state == null) return List.of();
        String why = "boot repair: make sure it is stopped";
        return switch (state) {
            case PAUSED -> List.of(new Step.UnpauseContainer(id, "boot repair: thaw before stopping"), new Step.StopContainer(id, GRACE, why));
            case RUNNING, STOPPING, UNKNOWN -> List.of(new Step.StopContainer(id, GRACE, why));
            case CREATED, EXITED, STOPPED, REMOVING, INTERRUPTED -> List.of();
        };
    }
}
