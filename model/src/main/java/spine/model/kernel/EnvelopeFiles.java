package spine.model.kernel;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import spine.model.Envelope;

/**
 * An envelope as cgroup v2 interface files: the values the kernel must show for it, and whether a value read back
 * from the kernel means the same. Every file is enforced, a limit the envelope leaves out as {@code max} (the
 * kernel's own default), except {@code memory.swap.max}, which podman derives from the memory limit when the
 * envelope is silent, and {@code cpu.weight}, left to the kernel default 100 then.
 */
public final class EnvelopeFiles {
    /** The cpu.max period podman writes with {@code --cpus}. */
    public static final long PERIOD_USEC = 100_000;
    static final long PAGE = 4096;

    private EnvelopeFiles() {}

    /** File name to the value the kernel should hold. */
    public static SortedMap<String, String> desired(Envelope e) {
        var out = new TreeMap<String, String>();
        out.put("cpu.max", e.cpuMax().map(EnvelopeFiles::cpuMax).orElse("max " + PERIOD_USEC));
        out.put("cpu.weight", Integer.toString(e.cpuWeight().orElse(100)));
        out.put("memory.max", e.memoryMax().map(String::valueOf).orElse("max"));
        out.put("memory.high", "max");
        e.swapMax().ifPresent(s -> out.put("memory.swap.max", Long.toString(s)));
        out.put("pids.max", e.pidsMax().map(String::valueOf).orElse("max"));
        return out;
    }

    /** {@code --cpus 0.5} as the kernel shows it: {@code 50000 100000}. */
    public static String cpuMax(BigDecimal cpus) {
        long quota = cpus.multiply(BigDecimal.valueOf(PERIOD_USEC)).setScale(0, RoundingMode.HALF_UP).longValueExact();
        return Math.max(quota, 1000) + " " + PERIOD_USEC; // the kernel refuses quotas below 1 ms
    }

    /** A cpu.max of {@code cpus} scaled by {@code factor}, never below the kernel's 1 ms minimum. */
    public static String scaledCpuMax(String have, double factor, int cpuCount) {
        Optional<long[]> qp = quotaPeriod(have);
        long period = qp.map(v -> v[1]).orElse(PERIOD_USEC);
        long quota = qp.map(v -> v[0]).filter(q -> q >= 0).orElse(period * cpuCount);
        return Math.max(1000, Math.round(quota * factor)) + " " + period;
    }

    /** Whether the kernel's {@code have} enforces {@code want} for {@code file}. */
    public static boolean same(String file, String want, String have) {
        if (want.equals(have)) return true;
        return switch (file) {
            case "cpu.max" -> {
                Optional<long[]> w = quotaPeriod(want), h = quotaPeriod(have);
                if (w.isEmpty() || h.isEmpty()) yield false;
                long[] a = w.get(), b = h.get();
                if (a[0] < 0 || b[0] < 0) yield a[0] < 0 && b[0] < 0; // both max: the period does not limit anything
                yield a[0] * b[1] == b[0] * a[1];
            }
            // the kernel keeps memory limits in whole pages
            case "memory.max", "memory.high", "memory.swap.max" -> isNumber(want) && isNumber(have)
                    && Long.parseLong(want) / PAGE * PAGE == Long.parseLong(have);
            default -> false;
        };
    }

    /** {@code quota period}, quota -1 for {@code max}. */
    static Optional<long[]> quotaPeriod(String v) {
        String[] p = v.strip().split("\\s+");
        if (p.length != 2 || !isNumber(p[1])) return Optional.empty();
        if (p[0].equals("max")) return Optional.of(new long[] {-1, Long.parseLong(p[1])});
        return isNumber(p[0]) ? Optional.of(new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])}) : Optional.empty();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.length() < 19 && s.chars().allMatch(Character::isDigit);
    }
}
