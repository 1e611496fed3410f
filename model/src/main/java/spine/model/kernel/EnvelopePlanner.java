package spine.model.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

import spine.model.Compositor;
import spine.model.ContainerState;
import spine.model.DesiredContainer;
import spine.model.DesiredState;
import spine.model.Envelope;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.Plan.PlannedStep;
import spine.model.PlanPhase;
import spine.model.ResourceId;
import spine.model.RunState;
import spine.model.Step;

/**
 * Plans the writes that make the kernel enforce each running container's envelope, with the governor's throttles
 * laid over it, and the compositor's: a host process, which it first moves into a cgroup of its own. Pure. Podman's
 * flags set the envelope at create time; this repairs what changed since (someone wrote {@code max} into
 * {@code cpu.max}) and carries the governor's decisions, all without recreating anything. Only containers that run
 * at their current spec are looked at: one that is about to be recreated gets its envelope from podman again.
 */
public final class EnvelopePlanner {
    /**
     * The steps; what this kernel cannot enforce (a file the envelope needs does not exist though its controller is
     * enabled, such as {@code memory.swap.max} without swap accounting); and what cgroup v2 does not hold here because
     * the controller is not enabled in it (a hybrid host, where podman enforces through cgroup v1): not read back.
     */
    public record Result(List<PlannedStep> steps, List<String> unenforceable, List<String> notReadBack) {
        public Result {
            steps = List.copyOf(steps);
            unenforceable = List.copyOf(unenforceable);
            notReadBack = List.copyOf(notReadBack);
        }
    }

    private EnvelopePlanner() {}

    public static Result plan(DesiredState desired, ObservedState observed, KernelState kernel, List<Throttle> throttles) {
        var steps = new ArrayList<PlannedStep>();
        var missing = new ArrayList<String>();
        var elsewhere = new ArrayList<String>();
        SortedMap<ResourceId, ObservedContainer> ours = observed.spine();
        for (Map.Entry<ResourceId, DesiredContainer> e : desired.containers().entrySet()) {
            ResourceId id = e.getKey();
            DesiredContainer want = e.getValue();
            ObservedContainer have = ours.get(id);
            CgroupView view = kernel.cgroups().get(id);
            if (have == null || view == null || !have.specHash().equals(want.spec().specHash())
                    || (have.state() != ContainerState.RUNNING && have.state() != ContainerState.PAUSED)
                    || !view.containerId().equals(have.id())) {
                continue;
            }
            var files = EnvelopeFiles.desired(want.spec().limits());
            for (Throttle t : throttles) if (t.target().equals(id)) files.put(t.file(), t.value());
            files(id, view, files, throttles, steps, missing, Optional.of(elsewhere));
            oomScore(id, view, want.spec().limits().oomScoreAdj(), kernel.oomScoreFloor(), steps, missing);
        }
        compositor(desired, kernel, steps, missing);
        return new Result(steps, missing, elsewhere);
    }

    /**
     * The compositor, a host process podman does not set up: first its own cgroup ({@link Compositor#CGROUP}), then
     * its envelope's files there and its oom_score_adj. A controller cgroup v2 lacks is not enforced at all (no cgroup
     * v1 writer stands behind it as podman does for containers), so it counts as unenforceable, not as elsewhere.
     */
    private static void compositor(DesiredState desired, KernelState kernel, List<PlannedStep> steps, List<String> missing) {
        Optional<Compositor> want = desired.compositor().filter(c -> c.state() == RunState.RUNNING);
        Optional<Envelope> envelope = desired.compositorEnvelope();
        if (want.isEmpty() || envelope.isEmpty() || kernel.compositor().isEmpty()) return;
        CgroupView view = kernel.compositor().get();
        if (!view.cgroup().equals(Compositor.CGROUP)) {
            steps.add(new PlannedStep(PlanPhase.ENVELOPES, new Step.MoveToCgroup(Compositor.ID, view.pid(), Compositor.CGROUP,
                    "sway pid " + view.pid() + " is in cgroup " + view.cgroup() + "; its envelope lives in " + Compositor.CGROUP)));
            return;
        }
        files(Compositor.ID, view, EnvelopeFiles.desired(envelope.get()), List.of(), steps, missing, Optional.empty());
        oomScore(Compositor.ID, view, envelope.get().oomScoreAdj(), kernel.oomScoreFloor(), steps, missing);
    }

    /**
     * The writes that make {@code view} hold {@code files}. A file the kernel lacks goes to {@code missing}; so does
     * one whose controller cgroup v2 has not enabled there, unless cgroup v1 enforces it ({@code elsewhere}: podman's
     * containers on a hybrid host), where it is listed as not read back.
     */
    private static void files(ResourceId id, CgroupView view, SortedMap<String, String> files, List<Throttle> throttles,
                              List<PlannedStep> steps, List<String> missing, Optional<List<String>> elsewhere) {
        for (Map.Entry<String, String> f : files.entrySet()) {
            String file = f.getKey(), value = f.getValue();
            Optional<String> now = view.file(file);
            String controller = file.substring(0, file.indexOf('.'));
            Optional<String> enabled = view.file("cgroup.controllers");
            if (now.isEmpty() && enabled.isPresent() && !List.of(enabled.get().split(" ")).contains(controller)) {
                if (elsewhere.isPresent()) {
                    elsewhere.get().add(id + " " + file);
                } else if (!isDefault(file, value)) {
                    missing.add(id + " " + file + " " + value + ": cgroup v2 has no " + controller + " controller in "
                            + view.cgroup() + " on this host");
                }
                continue;
            }
            if (now.isEmpty()) {
                if (!isDefault(file, value)) {
                    missing.add(id + " " + file + " " + value + ": " + file + " does not exist in " + view.cgroup()
                            + " on this kernel");
                }
                continue;
            }
            if (EnvelopeFiles.same(file, value, now.get())) continue;
            String reason = throttles.stream().filter(t -> t.target().equals(id) && t.file().equals(file))
                    .map(Throttle::reason).findFirst()
                    .orElse("drift: " + file + " is '" + now.get() + "' in the kernel, intent '" + value + "'");
            steps.add(new PlannedStep(PlanPhase.ENVELOPES, new Step.WriteCgroup(id, view.cgroup(), file, value, reason)));
        }
    }

    /** The write that gives {@code view}'s pid the oom_score_adj {@code oom}, unless this process may not lower it so far. */
    private static void oomScore(ResourceId id, CgroupView view, Optional<Integer> oom, int floor, List<PlannedStep> steps,
                                 List<String> missing) {
        if (oom.isEmpty() || view.oomScoreAdj().isEmpty() || oom.get().equals(view.oomScoreAdj().get())) return;
        if (oom.get() < floor) {
            missing.add(id + " oom_score_adj " + oom.get() + ": below " + floor + " needs CAP_SYS_RESOURCE, which this process"
                    + " lacks (it is " + view.oomScoreAdj().get() + ")");
            return;
        }
        steps.add(new PlannedStep(PlanPhase.ENVELOPES, new Step.SetOomScoreAdj(id, view.pid(), oom.get(),
                "drift: oom_score_adj is " + view.oomScoreAdj().get() + " in the kernel, intent " + oom.get())));
    }

    /** A value that only restates the kernel default needs no file: a kernel without the controller enforces it. */
    private static boolean isDefault(String file, String value) {
        return value.equals("max") || value.startsWith("max ") || (file.equals("cpu.weight") && value.equals("100"));
    }
}
