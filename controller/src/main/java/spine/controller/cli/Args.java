package spine.controller.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Command-line arguments: positionals plus options, some of which repeat (-f). */
final class Args {
    /** Options that take a value; everything else starting with - is a flag. */
    private static final List<String> VALUED = List.of("-f", "--filename", "--root", "--timeout", "-o", "--output",
            "--resync", "--parallel", "--contract", "--budget", "--since", "--spine-log", "--key", "--as",
            "--replaces", "--trust", "--running", "--wait", "--try");
    private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)?");

    final List<String> positionals = new ArrayList<>();
    final Map<String, List<String>> options = new TreeMap<>();

    static Args parse(List<String> argv) throws UsageException {
        var a = new Args();
        for (int i = 0; i < argv.size(); i++) {
            String s = argv.get(i);
            if (s.startsWith("--") && s.contains("=")) {
                a.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
            } else if (VALUED.contains(s)) {
                if (i + 1 >= argv.size()) throw new UsageException(s + " needs a value");
                a.put(s, argv.get(++i));
            } else if (s.startsWith("-") && s.length() > 1) {
                a.put(s, "true");
            } else {
                a.positionals.add(s);
            }
        }
        return a;
    }

    private void put(String key, String value) {
        String canonical = switch (key) {
            case "--filename" -> "-f";
            case "--output" -> "-o";
            default -> key;
        };
        options.computeIfAbsent(canonical, k -> new ArrayList<>()).add(value);
    }

    List<String> all(String key) {
        return options.getOrDefault(key, List.of());
    }

    Optional<String> one(String key) {
        List<String> v = all(key);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.getLast());
    }

    boolean flag(String key) {
        return options.containsKey(key);
    }

    void allowOnly(Command command) throws UsageException {
        for (String k : options.keySet()) {
            if (!command.options.contains(k) && !Command.COMMON.contains(k)) {
                throw new UsageException("spine " + command.word + " does not take " + k + "; see spine " + command.word + " --help");
            }
        }
    }

    Duration duration(String key, Duration fallback) throws UsageException {
        Optional<String> v = one(key);
        if (v.isEmpty()) return fallback;
        return duration(key, v.get());
    }

    /** {@code 90s}, {@code 2m}, {@code 500ms}, {@code 1h} (seconds when bare); {@code what} names it in the error. */
    static Duration duration(String what, String value) throws UsageException {
        Matcher m = DURATION.matcher(value);
        if (!m.matches()) throw new UsageException(what + " " + value + " is not a duration; write e.g. 90s, 2m or 500ms");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
