package spine.controller.umbilical;

import java.io.IOException;
import java.util.Optional;

import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketCredentials;

import spine.drivers.sysfs.SysfsDriver;
import spine.model.ObservedContainer;
import spine.model.ResourceId;

/**
 * Who is at the other end of a unix socket: SO_PEERCRED gives the peer's pid (for a connecting client, its own;
 * for a server, the process that listened), and {@code /proc/PID/cgroup} must name the container that the resource
 * runs as ({@code libpod-<id>}). Anything else, a socket put in place by another process included, is refused.
 */
public final class PeerCheck {
    /** Live, bounded: the id of the container a resource runs as now, if it runs. */
    public interface Containers {
        Optional<String> idOf(ResourceId id);
    }

    /** A verdict with the peer's pid and the reason, for the log. */
    public record Verdict(boolean ok, long pid, String detail) {}

    private final SysfsDriver proc;
    private final Containers containers;

    public PeerCheck(SysfsDriver proc, Containers containers) {
        this.proc = proc;
        this.containers = containers;
    }

    public Verdict check(AFUNIXSocket socket, ResourceId expected) {
        long pid;
        try {
            AFUNIXSocketCredentials cred = socket.getPeerCredentials();
            pid = cred == null ? -1 : cred.getPid();
        } catch (IOException e) {
            return new Verdict(false, -1, "no peer credentials: " + e.getMessage());
        }
        if (pid <= 0) return new Verdict(false, pid, "the kernel gave no peer pid");
        Optional<String> id = containers.idOf(expected);
        if (id.isEmpty()) return new Verdict(false, pid, expected + " has no running container");
        Optional<String> cgroup;
        try {
            cgroup = proc.cgroupPath(pid);
        } catch (IOException e) {
            return new Verdict(false, pid, "cannot read /proc/" + pid + "/cgroup: " + e.getMessage());
        }
        if (cgroup.isPresent() && ObservedContainer.runsIn(cgroup.get(), id.get())) {
            return new Verdict(true, pid, "pid " + pid + " is in " + expected.containerName() + " (" + id.get().substring(0, 12) + ")");
        }
        return new Verdict(false, pid, "pid " + pid + " is in cgroup " + cgroup.orElse("(none)") + ", not in "
                + expected.containerName() + " (" + id.get().substring(0, Math.min(12, id.get().length())) + ")");
    }
}
