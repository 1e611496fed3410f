package spine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered list of steps plus the resources Spine cannot converge by itself (conflicts).
 * Steps are sorted by (phase, target); steps for one target keep their order and must run in sequence.
 */
public record Plan(List<PlannedStep> steps, List<Conflict> conflicts) {
    public Plan {
        steps = List.copyOf(steps);
        conflicts = List.copyOf(conflicts);
    }

    public record PlannedStep(PlanPhase phase, Step step) {
        /** {@code <phase> <target> <step> -- <reason>}, the form of golden files and {@code spine diff}. */
        public String line() {
            return phase.word() + " " + step.target() + " " + step.verb() + " -- " + step.reason();
        }
    }

    /** A resource that cannot converge without the user, such as a name taken by a foreign container. */
    public record Conflict(ResourceId target, String reason) {
        public String line() {
            return "conflict " + target + " -- " + reason;
        }
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    public List<String> lines() {
        var out = new ArrayList<String>();
        for (PlannedStep s : steps) out.add(s.line());
        for (Conflict c : conflicts) out.add(c.line());
        return out;
    }

    /** Steps of one phase grouped by target, in plan order: each group runs in sequence, groups may run in parallel. */
    public Map<ResourceId, List<Step>> groups(PlanPhase phase) {
        var out = new LinkedHashMap<ResourceId, List<Step>>();
        for (PlannedStep s : steps) {
            if (s.phase() == phase) out.computeIfAbsent(s.step().target(), k -> new ArrayList<>()).add(s.step());
        }
        return out;
    }

    /** This plan without the steps of the given targets (used by the loop to honour per-resource backoff). */
    public Plan without(java.util.Set<ResourceId> targets) {
        var kept = new ArrayList<PlannedStep>();
        for (PlannedStep s : steps) if (!targets.contains(s.step().target())) kept.add(s);
        return new Plan(kept, conflicts);
    }
}
