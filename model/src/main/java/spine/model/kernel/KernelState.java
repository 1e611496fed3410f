package spine.model.kernel;

import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.ResourceId;

/**
 * What the sysfs/procfs driver read in one observation: each running Spine container's cgroup, machine-wide
 * pressure (empty without {@code psi=1}), the thermal zones, what it could not read and why, the cgroup of the
 * compositor's process (a host process, so not among the containers; empty without a running compositor), and the
 * lowest {@code oom_score_adj} this process may write: {@value #OOM_MIN} with CAP_SYS_RESOURCE, else 0 (the kernel
 * refuses to lower it below its minimum without that capability, which a container sandbox may withhold from root).
 */
public record KernelState(SortedMap<ResourceId, CgroupView> cgroups, Optional<Pressure> pressure,
                          List<ThermalZone> thermal, List<String> problems, Optional<CgroupView> compositor, int oomScoreFloor) {
    public static final int OOM_MIN = -1000;

    public KernelState {
        cgroups = Collections.unmodifiableSortedMap(new TreeMap<>(cgroups));
        thermal = List.copyOf(thermal);
        problems = List.copyOf(problems);
    }

    /** Without a compositor, by a process that may write any oom_score_adj. */
    public KernelState(SortedMap<ResourceId, CgroupView> cgroups, Optional<Pressure> pressure, List<ThermalZone> thermal,
                       List<String> problems) {
        this(cgroups, pressure, thermal, problems, Optional.empty(), OOM_MIN);
    }

    public static KernelState empty() {
        return new KernelState(new TreeMap<>(), Optional.empty(), List.of(), List.of());
    }
}
