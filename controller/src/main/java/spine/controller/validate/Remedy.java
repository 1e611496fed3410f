package spine.controller.validate;

import java.util.List;
import java.util.Optional;

/**
 * What fixes each line validate can print: the "what to do" column of docs/OPERATIONS.md as data, so that
 * {@code spine doctor} can print it and a test keeps the two texts the same.
 */
public final class Remedy {
    /** A check's lines that start with {@code reasonPrefix} are fixed by {@code fix}. */
    public record Row(String component, String reasonPrefix, String fix) {}

    public static final List<Row> TABLE = List.of(
            new Row("freezer", "cannot start probe container", "in host mode run `scripts/example-images.sh`; check `podman info`"),
            new Row("freezer", "no room to start the probe container", "make room as the disk line's fix says; the freezer"
                    + " is checked again once a container can start"),
            new Row("freezer", "CPU time advanced while frozen", "check the cgroup freezer (v1 `freezer` controller or v2"
                    + " `cgroup.freeze`); do not rely on focus switching until it is fixed"),
            new Row("freezer", "CPU time did not resume after thaw", "as above; `podman unpause` the probe (`spine-validate-*`)"
                    + " if it is left over"),
            new Row("freezer", "", "check `podman info` and the cgroup freezer; run `spine validate -o json` for the measurements"),
            new Row("umbilical", "no AI tenant configured", "apply the AI tenant: `spine apply -f /usr/share/spine/examples`"
                    + " in the VM, `spine apply -f specs/examples` in host mode"),
            new Row("umbilical", "the AI tenant sys://ai is configured stopped", "set `state: running` in its spec and apply it"),
            new Row("umbilical", "no broker", "the broker lives in the converger: bay0 on a device; in host mode start `spine run`"),
            new Row("umbilical", "sys://ai does not answer through the broker", "`spine get tenant sys://ai` for its phase and last"
                    + " error, `podman logs sys__ai` for its output; an answerer refused means a socket sys__ai did not make:"
                    + " `podman rm -f sys__ai` and the loop runs it again"),
            new Row("compositor", "no converger is running", "the compositor lives in the converger: bay0 on a device; in host mode start `spine run`"),
            new Row("compositor", "the converger has no ready compositor", "`spine get tenant sys://compositor` for its last error;"
                    + " the log's `sway pid=` lines are sway's own output"),
            new Row("compositor", "", "a socket that sway did not make: stop whatever serves it; the loop respawns sway in an emptied"
                    + " directory (`spine apply` the compositor with `state: stopped`, then `running`)"),
            new Row("network", "a tenant has a network", "`podman rm -f` the container it names; the loop recreates it with network none"),
            new Row("network", "interfaces up in bay0's namespace", "something configured a network in the spine: find it"
                    + " (`ip link`) and take the interface down (`ip link set IF down`)"),
            new Row("envelopes", "kernel differs from intent after a pass", "something keeps writing the cgroup: `spine get -o json`"
                    + " shows the kernel's values beside intent; find the writer"),
            new Row("envelopes", "cannot enforce on this kernel", "drop the field from the envelope, or boot a kernel with that"
                    + " controller (memory.swap.max needs swap accounting)"),
            new Row("envelopes", "not read back", "expected on a host with hybrid cgroups: podman enforces through cgroup v1;"
                    + " on a device (pure cgroup v2) this check reads every file back"),
            new Row("envelopes", "cannot observe containers", "podman did not answer: check `podman info`"),
            new Row("persist", "dirty boot", "check the disk and reboot"),
            new Row("persist", "marker write/read failed", "the disk is wedged or read-only; check `dmesg`, free space and mount options"),
            new Row("disk", "volume ", "the persona filled that volume up to its `size:`: delete what it no longer needs"
                    + " inside it, or give the volume a larger `size:` and `spine apply` the spec (its files stay);"
                    + " `spine get volumes` lists every volume with its bytes"),
            new Row("disk", "the writable layer of ", "a container's writable layer holds at most a quarter of persist and is"
                    + " lost at every recreate: keep the persona's data in a volume (`spec.volumes`); `podman rm -f` the"
                    + " container named and the loop runs it again from a fresh layer"),
            new Row("disk", "persist is nearly full", "`spine get volumes` and `spine get images` show what holds the space:"
                    + " `spine delete volume OWNER NAME` or `spine delete image NAME` what is no longer needed; bay0 writes"
                    + " into its own reserve meanwhile, so Spine goes on working"),
            new Row("disk", "volume sizes are not enforced", "make the persist disk with `scripts/mkpersist.sh` (ext4 with"
                    + " `-O quota,project`), or add the features to this one offline: `tune2fs -O quota,project DEVICE`"),
            new Row("log", "append to validate.log failed", "as for persist: the disk is wedged or read-only; check `dmesg`,"
                    + " free space and mount options"),
            new Row("", "skipped: validate ran out of its time budget", "run again with a larger `--budget`; if a check hangs,"
                    + " the component it names is wedged"));

    private Remedy() {}

    /** The fix for a check that is not GREEN; the most specific row wins. */
    public static Optional<String> of(Check check) {
        return TABLE.stream()
                .filter(r -> r.component().isEmpty() || r.component().equals(check.component()))
                .filter(r -> check.reason().startsWith(r.reasonPrefix()))
                .max(java.util.Comparator.comparingInt(r -> r.reasonPrefix().length()))
                .map(Row::fix);
    }
}
