package spine.model.kernel;

import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.ResourceId;

/**
 * What the sysfs/procfs driver read in one observation: each running Spine container's cgroup, machine-wide
 * pressure (empty without {@code psi=1}), the thermal zones, and what it could not read and why.
 */
public record KernelState(SortedMap<ResourceId, CgroupView> cgroups, Optional<Pressure> pressure,
                          List<ThermalZone> thermal, List<String> problems) {
    public KernelState {
        cgroups = Collections.unmodifiableSortedMap(new TreeMap<>(cgroups));
        thermal = List.copyOf(thermal);
        problems = List.copyOf(problems);
    }

    public static KernelState empty() {
        return new KernelState(new TreeMap<>(), Optional.empty(), List.of(), List.of());
    }
}
