package spine.model.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

import spine.model.ContainerState;
import spine.model.DesiredContainer;
import spine.model.DesiredState;
import spine.model.ObservedContainer;
import spine.model.ObservedState;
import spine.model.Plan.PlannedStep;
import spine.model.PlanPhase;
import spine.model.ResourceId;
import spine.model.Step;

/**
 * Plans the writes that make the kernel enforce each running container's envelope, with the governor's throttles
 * laid over it. Pure. Podman's flags set the envelope at create time; this repairs what changed since (someone wrote
 * {@code max} into {@code cpu.max}) and carries the governor's decisions, all without recreating anything.
 * Only containers that run at their current spec are looked at: one that is about to be recreated gets its
 * envelope from podman again.
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
            for (Map.Entry<String, String> f : files.entrySet()) {
                String file = f.getKey(), value = f.getValue();
                Optional<String> now = view.file(file);
                String controller = file.substring(0, file.indexOf('.'));
                Optional<String> enabled = view.file("cgroup.controllers");
                if (now.isEmpty() && enabled.isPresent() && !List.of(enabled.get().split(" ")).contains(controller)) {
                    elsewhere.add(id + " " + file);
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
            Optional<Integer> oom = want.spec().limits().oomScoreAdj();
            if (oom.isPresent() && view.oomScoreAdj().isPresent() && !oom.get().equals(view.oomScoreAdj().get())) {
                steps.add(new PlannedStep(PlanPhase.ENVELOPES, new Step.SetOomScoreAdj(id, view.pid(), oom.get(),
                        "drift: oom_score_adj is " + view.oomScoreAdj().get() + " in the kernel, intent " + oom.get())));
            }
        }
        return new Result(steps, missing, elsewhere);
    }

    /** A value that only restates the kernel default needs no file: a kernel without the controller enforces it. */
    private static boolean isDefault(String file, String value) {
        return value.equals("max") || value.startsWith("max ") || (file.equals("cpu.weight") && value.equals("100"));
    }
}
