package spine.drivers.kernel;

/**
 * The machine's own files that Spine reads by name, outside the kernel driver and PID 1: each is resolved under a
 * {@link Kernel}'s root ({@link Kernel#path(HostFile)}), so a test points them elsewhere and no other package names
 * a host path (ArchitectureTest).
 */
public enum HostFile {
    /** Who holds which file lock: the converger lock's holder. */
    LOCKS("/proc/locks"),
    /** The kernel command line: the running image's hash. */
    CMDLINE("/proc/cmdline"),
    /** What is mounted where, with which options: whether persist enforces project quotas. */
    MOUNTS("/proc/self/mounts"),
    /** This process's threads. */
    OWN_TASKS("/proc/self/task"),
    /** The spine group's gid. */
    GROUPS("/etc/group"),
    /** The public keys an upgrade must be signed by. */
    TRUST("/etc/spine/trust"),
    /** The compositor's configuration in the image. */
    SWAY_CONFIG("/etc/spine/sway/config");

    private final String absolute;

    HostFile(String absolute) {
        this.absolute = absolute;
    }

    public String absolute() {
        return absolute;
    }
}
