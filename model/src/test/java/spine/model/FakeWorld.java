package spine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import spine.model.Step.PauseContainer;
import spine.model.Step.RemoveContainer;
import spine.model.Step.RunContainer;
import spine.model.Step.StartContainer;
import spine.model.Step.StopContainer;
import spine.model.Step.UnpauseContainer;

/**
 * A stateful stand-in for podman: a TreeMap of containers that steps change the way podman would.
 * It refuses what podman refuses (a name in use, pausing a stopped container) and fails loudly if a
 * step ever targets a container Spine does not own.
 */
public final class FakeWorld {
    private final TreeMap<String, ObservedContainer> containers = new TreeMap<>();
    private final List<String> touched = new ArrayList<>();
    private int nextId = 1;

    public FakeWorld(ObservedState initial) {
        containers.putAll(initial.containers());
    }

    public ObservedState observe() {
        return new ObservedState(containers);
    }

    /** Names of every container a step touched, in order. */
    public List<String> touched() {
        return List.copyOf(touched);
    }

    public void apply(Plan plan) {
        for (Plan.PlannedStep s : plan.steps()) apply(s.step());
    }

    public void apply(Step step) {
        String name = step.target().containerName();
        touched.add(name);
        ObservedContainer c = containers.get(name);
        if (c != null && c.spineId().isEmpty()) {
            throw new AssertionError("step " + step + " touches foreign container " + name);
        }
        switch (step) {
            case RunContainer r -> {
                if (c != null) throw new IllegalStateException("podman: name " + name + " is in use");
                var labels = new TreeMap<String, String>();
                labels.put(Labels.NAME, r.target().toString());
                labels.put(Labels.KIND, r.target().kind().cliName());
                labels.put(Labels.SPEC_HASH, r.container().specHash());
                labels.put(Labels.GENERATION, Long.toString(r.generation()));
                containers.put(name, new ObservedContainer("fake" + nextId++, name, ContainerState.RUNNING,
                        r.container().image(), labels));
            }
            case StartContainer s -> {
                require(c, name);
                if (c.state() != ContainerState.RUNNING) set(c, ContainerState.RUNNING);
            }
            case StopContainer s -> {
                require(c, name);
                if (c.state() == ContainerState.PAUSED) throw new IllegalStateException("podman: " + name + " is paused");
                set(c, ContainerState.EXITED);
            }
            case PauseContainer s -> {
                require(c, name);
                if (c.state() != ContainerState.RUNNING && c.state() != ContainerState.PAUSED) {
                    throw new IllegalStateException("podman: " + name + " is not running, cannot pause");
                }
                set(c, ContainerState.PAUSED);
            }
            case UnpauseContainer s -> {
                require(c, name);
                if (c.state() != ContainerState.PAUSED && c.state() != ContainerState.RUNNING) {
                    throw new IllegalStateException("podman: " + name + " is not paused");
                }
                set(c, ContainerState.RUNNING);
            }
            case RemoveContainer s -> containers.remove(name);
            case Step.DrainUmbilical s -> require(c, name); // the broker's business; the container stays as it is
            case Step.WriteCgroup s -> throw new AssertionError("the container planner never writes cgroups: " + s);
            case Step.SetOomScoreAdj s -> throw new AssertionError("the container planner never sets oom_score_adj: " + s);
            case Step.MoveToCgroup s -> throw new AssertionError("the container planner never moves a process: " + s);
            case Step.Freeze s -> throw new AssertionError("the container planner never freezes (FocusPlanner does): " + s);
            case Step.Thaw s -> throw new AssertionError("the container planner never thaws (FocusPlanner does): " + s);
            case Step.ShowWorkspace s -> throw new AssertionError("the container planner never touches windows: " + s);
            case Step.MarkWindow s -> throw new AssertionError("the container planner never touches windows: " + s);
            case Step.FocusWindow s -> throw new AssertionError("the container planner never touches windows: " + s);
            case Step.SpawnCompositor s -> throw new AssertionError("the container planner never spawns the compositor: " + s);
            case Step.StopCompositor s -> throw new AssertionError("the container planner never stops the compositor: " + s);
            case Step.ImageStep s -> throw new AssertionError("the container planner never loads or removes an image: " + s);
        }
    }

    /** The container's process ends by itself with {@code code} at {@code at}, a second after it started. */
    public void exitByItself(String name, int code, java.time.Instant at) {
        ObservedContainer c = containers.get(name);
        require(c, name);
        containers.put(name, new ObservedContainer(c.id(), name, ContainerState.EXITED, c.image(), c.labels(),
                java.util.Optional.of(new ObservedContainer.Exit(code, at.minusSeconds(1), at))));
    }

    private static void require(ObservedContainer c, String name) {
        if (c == null) throw new IllegalStateException("podman: no container " + name);
    }

    private void set(ObservedContainer c, ContainerState state) {
        containers.put(c.name(), new ObservedContainer(c.id(), c.name(), state, c.image(), c.labels()));
    }
}
