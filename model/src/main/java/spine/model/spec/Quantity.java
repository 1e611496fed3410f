package spine.model.spec;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte quantities as in Kubernetes: 512Mi, 1Gi, 100M, 64k or plain bytes. */
public final class Quantity {
    private static final Pattern FORM = Pattern.compile("([0-9]{1,15})(Ki|Mi|Gi|Ti|k|K|M|G|T)?");

    private Quantity() {}

    public static OptionalLong parseBytes(String text) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) return OptionalLong.empty();
        long n = Long.parseLong(m.group(1));
        long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "k", "K" -> 1_000L;
            case "M" -> 1_000_000L;
            case "G" -> 1_000_000_000L;
            default -> 1_000_000_000_000L;
        };
        try {
            return OptionalLong.of(Math.multiplyExact(n, unit));
        } catch (ArithmeticException e) {
            return OptionalLong.empty();
        }
    }

    /** A well-formed quantity too large for a long: reported as over the maximum, not as malformed. */
    public static boolean isOverflow(String text) {
        return FORM.matcher(text.strip()).matches() && parseBytes(text).isEmpty();
    }

    /** The shortest exact binary form: 536870912 becomes 512Mi. */
    public static String format(long bytes) {
        String[] units = {"Ti", "Gi", "Mi", "Ki"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long u = 1L << shifts[i];
            if (bytes != 0 && bytes % u == 0) return (bytes / u) + units[i];
        }
        return Long.toString(bytes);
    }
}
