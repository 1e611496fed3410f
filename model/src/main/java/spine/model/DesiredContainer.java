package spine.model;

/** A container Spine wants: its resolved spec, the state asked for, and the intent generation it comes from. */
public record DesiredContainer(ContainerSpec spec, RunState state, long generation) {}
