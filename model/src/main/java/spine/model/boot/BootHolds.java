package spine.model.boot;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.DesiredState;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.RunState;
import spine.model.Spec;

/**
 * Which personas this boot holds stopped, whatever their spec says, until the user acts on them (an apply
 * that names them releases the hold). System tenants are never held: the machine needs them.
 * <ul>
 * <li>after a clean shutdown: personas without {@code autostart: true};</li>
 * <li>after a crash, a power loss or on a dirty boot: every persona, since one of them may have caused it.</li>
 * </ul>
 */
public final class BootHolds {
    public static final String NOT_AUTOSTART = "autostart is off";
    public static final String UNCLEAN = "last shutdown was unclean";
    public static final String DIRTY = "dirty boot (persist unavailable)";

    private BootHolds() {}

    public static SortedMap<ResourceId, String> decide(DesiredState desired, boolean cleanBoot, boolean lastShutdownClean) {
        var out = new TreeMap<ResourceId, String>();
        for (Spec s : desired.specs().values()) {
            if (!(s instanceof Persona p) || p.state() == RunState.STOPPED) continue; // nothing to hold back
            if (!cleanBoot) out.put(p.id(), DIRTY);
            else if (!lastShutdownClean) out.put(p.id(), UNCLEAN);
            else if (!p.autostart()) out.put(p.id(), NOT_AUTOSTART);
        }
        return Collections.unmodifiableSortedMap(out);
    }
}
