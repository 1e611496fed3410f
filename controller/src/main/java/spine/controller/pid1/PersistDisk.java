package spine.controller.pid1;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import spine.drivers.kernel.Kernel;
import spine.drivers.kernel.Syscalls;

/**
 * Finds the persist disk (label SPINE_PERSIST, else the first virtio-blk disk) and mounts it on /persist within the
 * mount timeout. Every step that touches the disk is bounded, so a dead disk costs its timeout and gives a dirty boot.
 */
final class PersistDisk {
    private static final System.Logger LOG = System.getLogger("bay0");
    static final String LABEL = "SPINE_PERSIST";
    static final String MOUNT_POINT = "/persist";
    /** ext4's reserved blocks belong to this uid, which nothing runs as: only CAP_SYS_RESOURCE (bay0, podman) reaches them. */
    static final int RESERVE_UID = 2_147_483_645;
    static final String RESERVE_OPTION = "resuid=" + RESERVE_UID;
    static final String QUOTA_OPTIONS = "prjquota," + RESERVE_OPTION;

    private final Kernel kernel;
    private final Genesis genesis;
    private final BootContext boot;
    private final BootOptions options;

    PersistDisk(BootContext boot, BootOptions options) {
        this.boot = boot;
        this.kernel = boot.kernel();
        this.genesis = boot.genesis();
        this.options = options;
    }

    /** True when /persist is mounted; false means a dirty boot, with the reason on the console. */
    boolean mount() {
        Optional<String> device = find();
        genesis.line("persist mount attempt (" + device.map(d -> "/dev/" + d).orElse("no device") + ")");
        if (device.isEmpty()) {
            genesis.line("persist timeout -> dirty boot (no virtio-blk or " + LABEL + " device)");
            return false;
        }
        try {
            kernel.mkdirs(MOUNT_POINT);
        } catch (IOException e) {
            genesis.line("persist timeout -> dirty boot (cannot create /persist: " + e.getMessage() + ")");
            return false;
        }
        long t0 = System.nanoTime();
        String dev = "/dev/" + device.get();
        // Project quotas enforce volume and layer sizes; resuid gives the disk's reserved blocks to no user, so only a
        // process with CAP_SYS_RESOURCE (bay0, podman) writes into them, never a container: podman does not give it,
        // and overlayfs drops it from the writes to a layer (ARCHITECTURE "Disk").
        // A disk made without the quota features refuses prjquota (EINVAL; ESRCH without the quota_v2 module): it mounts
        // with the reserve alone, and validate says so.
        Bounded.Outcome<Syscalls.Result> m = mountWith(dev, QUOTA_OPTIONS);
        if (m.ok() && !m.value().get().ok()) {
            genesis.line("persist has no project quota feature (" + m.value().get() + "): volume and layer sizes are not enforced");
            m = mountWith(dev, RESERVE_OPTION);
        }
        if (!m.ok()) {
            genesis.line("persist timeout -> dirty boot (" + m.failure() + ")");
            return false;
        }
        if (!m.value().get().ok()) {
            genesis.line("persist timeout -> dirty boot (mount failed: " + m.value().get() + ")");
            return false;
        }
        genesis.line("persist mounted");
        LOG.log(System.Logger.Level.INFO, "persist mount ms={0}", (System.nanoTime() - t0) / 1_000_000);
        return true;
    }

    private Bounded.Outcome<Syscalls.Result> mountWith(String dev, String data) {
        return Bounded.call("mount-persist", options.mountTimeout(),
                () -> boot.sys().mount(dev, MOUNT_POINT, "ext4", Syscalls.MS_NOSUID | Syscalls.MS_NODEV, data));
    }

    private Optional<String> find() {
        if (options.persistDevice().equals("none")) return Optional.empty();
        if (!options.persistDevice().equals("auto")) return Optional.of(options.persistDevice().replaceFirst("^/dev/", ""));
        Instant deadline = boot.clock().instant().plus(options.deviceWait());
        while (true) {
            List<String> devs = kernel.blockDevices();
            // A labelled disk wins; otherwise the first virtio-blk disk. The label read is bounded: it touches the disk.
            for (String d : devs) {
                Bounded.Outcome<Optional<String>> label = Bounded.call("label-" + d, options.survivalTimeout(), () -> kernel.extLabel(d));
                if (label.ok() && label.value().flatMap(x -> x).filter(LABEL::equals).isPresent()) return Optional.of(d);
            }
            for (String d : devs) {
                if (kernel.blockDriver(d).filter("virtio_blk"::equals).isPresent() || d.startsWith("vd")) return Optional.of(d);
            }
            if (!boot.clock().instant().isBefore(deadline)) return Optional.empty();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return Optional.empty();
            }
        }
    }
}
