package spine.controller;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schema pattern for a quantity between two byte counts, per unit: a regular expression cannot compare
 * numbers, so each unit gets the digit ranges that fall inside the bounds. Generated here from the parser's bounds and
 * units, and compared with docs/schema by SchemaTest.
 */
final class QuantityPattern {
    /** Quantity's units, with their size in bytes; "" is plain bytes. */
    private static final Map<String, Long> UNITS = new LinkedHashMap<>();

    static {
        UNITS.put("", 1L);
        UNITS.put("Ki", 1L << 10);
        UNITS.put("Mi", 1L << 20);
        UNITS.put("Gi", 1L << 30);
        UNITS.put("Ti", 1L << 40);
        UNITS.put("k", 1_000L);
        UNITS.put("K", 1_000L);
        UNITS.put("M", 1_000_000L);
        UNITS.put("G", 1_000_000_000L);
        UNITS.put("T", 1_000_000_000_000L);
    }

    private QuantityPattern() {}

    /** Leading zeros are allowed, as the parser allows them; at most 15 digits, as its form says. */
    static String of(long min, long max) {
        var alts = new ArrayList<String>();
        UNITS.forEach((unit, size) -> {
            long lo = Math.ceilDiv(min, size), hi = Math.min(max / size, 999_999_999_999_999L);
            if (lo <= hi) alts.add("(?:" + String.join("|", range(lo, hi)) + ")" + unit);
        });
        return "^0*(?:" + String.join("|", alts) + ")$";
    }

    /** Alternatives matching exactly the decimal numbers lo..hi, written without leading zeros. */
    static List<String> range(long lo, long hi) {
        var out = new ArrayList<String>();
        String a = Long.toString(lo), b = Long.toString(hi);
        int fullFrom = -1; // a run of lengths where every number of that length is in range: one alternative
        for (int d = a.length(); d <= b.length() + 1; d++) {
            String from = d == a.length() ? a : "1" + "0".repeat(d - 1);
            String to = d == b.length() ? b : "9".repeat(d);
            boolean full = d <= b.length() && from.equals(d == 1 ? "0" : "1" + "0".repeat(d - 1)) && to.equals("9".repeat(d));
            full |= d <= b.length() && d == 1 && from.equals("1") && to.equals("9");
            if (full && fullFrom < 0) fullFrom = d;
            if (full) continue;
            if (fullFrom > 0) {
                int last = d - 1;
                out.add((fullFrom == 1 && a.equals("0") ? "[0-9]" : "[1-9]")
                        + (last == 1 ? "" : fullFrom == last ? any(last - 1) : "[0-9]{" + (fullFrom - 1) + "," + (last - 1) + "}"));
                fullFrom = -1;
            }
            if (d <= b.length()) sameLength(from, to, "", out);
        }
        return out;
    }

    private static void sameLength(String x, String y, String prefix, List<String> out) {
        if (x.equals(y)) {
            out.add(prefix + x);
            return;
        }
        int i = 0;
        while (x.charAt(i) == y.charAt(i)) i++;
        if (i > 0) {
            sameLength(x.substring(i), y.substring(i), prefix + x.substring(0, i), out);
            return;
        }
        int rest = x.length() - 1;
        boolean lowFull = x.substring(1).chars().allMatch(c -> c == '0');
        boolean highFull = y.substring(1).chars().allMatch(c -> c == '9');
        int from = x.charAt(0) - '0', to = y.charAt(0) - '0';
        if (!lowFull) {
            sameLength(x.substring(1), "9".repeat(rest), prefix + x.charAt(0), out);
            from++;
        }
        if (!highFull) to--;
        if (from <= to) out.add(prefix + (from == to ? Integer.toString(from) : "[" + from + "-" + to + "]") + any(rest));
        if (!highFull) sameLength("0".repeat(rest), y.substring(1), prefix + y.charAt(0), out);
    }

    private static String any(int n) {
        return n == 0 ? "" : n == 1 ? "[0-9]" : "[0-9]{" + n + "}";
    }
}
