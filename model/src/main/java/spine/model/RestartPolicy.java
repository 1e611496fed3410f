package spine.model;

import java.util.Locale;

/**
 * What Spine does when a persona wanted running exits by itself, with podman's meaning: {@code always} restarts it
 * whatever its exit code, {@code on-failure} only after a non-zero exit, {@code never} leaves it exited and shows
 * its exit code. Restarts of a crashing container wait as {@link CrashLoop} says.
 */
public enum RestartPolicy {
    ALWAYS, ON_FAILURE, NEVER;

    public String word() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    /** Whether an exit with this code is restarted at all. */
    public boolean restarts(int exitCode) {
        return switch (this) {
            case ALWAYS -> true;
            case ON_FAILURE -> exitCode != 0;
            case NEVER -> false;
        };
    }
}
