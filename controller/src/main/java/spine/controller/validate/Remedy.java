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
            new Row("freezer", "CPU time advanced while frozen", "check the cgroup freezer (v1 `freezer` controller or v2"
                    + " `cgroup.freeze`); do not rely on focus switching until it is fixed"),
            new Row("freezer", "CPU time did not resume after thaw", "as above; `podman unpause` the probe (`spine-validate-*`)"
                    + " if it is left over"),
            new Row("freezer", "", "check `podman info` and the cgroup freezer; run `spine validate -o json` for the measurements"),
            new Row("umbilical", "no AI tenant configured", "expected until Gate D; apply the AI tenant spec"),
            new Row("umbilical", "cannot connect to", "`spine get tenant sys://ai` for its phase and last error"),
            new Row("persist", "dirty boot", "check the disk and reboot"),
            new Row("persist", "marker write/read failed", "the disk is wedged or read-only; check `dmesg`, free space and mount options"),
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
