package spine.controller.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A boot as a timeline: the genesis lines ({@code [   11.411] bay0: starting (0.1.0-dev)}) of the last boot in a serial
 * log or in genesis.log, as stretches from one milestone to the next, the first from the kernel's start (uptime 0) to
 * {@code starting}. Pure: text in, a table or an SVG out.
 */
final class BootTimeline {
    private static final Pattern GENESIS = Pattern.compile("\\[\\s*([0-9]+\\.[0-9]+)\\] bay0: (.*)");

    record Milestone(double uptime, String text) {}

    /** One stretch: from the milestone {@code from} (or the kernel's start) to {@code to}. */
    record Stretch(String from, String to, double start, double end) {
        double seconds() {
            return end - start;
        }
    }

    /** One boot-convergence step from spine.log, placed on the uptime axis: its name and when it ran. */
    record Step(String name, double start, double end) {
        double seconds() {
            return end - start;
        }
    }

    private BootTimeline() {}

    /** A spine.log line: wall clock, level, logger, message. */
    private static final Pattern LOG_LINE = Pattern.compile("^(\\S+Z) \\S+ \\S+ (.*)$");
    private static final Pattern ANCHOR = Pattern.compile("^genesis uptime=([0-9]+\\.[0-9]+) (.*)$");
    private static final Pattern STEP_DONE = Pattern.compile("^step done pass=\\S+ target=(\\S+) step=(.+?) ms=([0-9]+)(?: |$)");
    private static final Pattern IMAGE = Pattern.compile("^image (load|tag) ref=(\\S+) .*?ms=([0-9]+)");

    /**
     * The boot-convergence steps of {@code boot} in spine.log's {@code log}: what the executor did and the built-in
     * image loads, from {@code init complete} to {@code converged after boot}. spine.log carries the wall clock and the
     * milestones carry uptimes; bay0 logs each milestone with its uptime ({@code genesis uptime=...}), so the line of
     * this boot's {@code init complete} ties the two clocks. Empty when spine.log does not hold this boot.
     */
    static List<Step> steps(List<Milestone> boot, List<String> log) {
        Optional<Milestone> init = boot.stream().filter(m -> m.text().startsWith("init complete")).findFirst();
        if (init.isEmpty()) return List.of();
        Optional<Milestone> converged = boot.stream().filter(m -> m.text().startsWith("converged after boot")).findFirst();
        var out = new ArrayList<Step>();
        Double offset = null; // uptime minus wall clock, seconds
        for (String line : log) {
            Matcher l = LOG_LINE.matcher(line);
            if (!l.find()) continue;
            double wall;
            try {
                java.time.Instant at = java.time.Instant.parse(l.group(1));
                wall = at.getEpochSecond() + at.getNano() / 1e9;
            } catch (java.time.DateTimeException e) {
                continue;
            }
            String msg = l.group(2);
            Matcher a = ANCHOR.matcher(msg);
            if (a.find()) {
                double up = Double.parseDouble(a.group(1));
                if (a.group(2).equals(init.get().text()) && Math.abs(up - init.get().uptime()) < 0.0005) {
                    offset = up - wall;
                    out.clear(); // an earlier boot's steps, if this log holds several
                } else if (offset != null && converged.isPresent() && a.group(2).equals(converged.get().text())
                        && Math.abs(up - converged.get().uptime()) < 0.0005) {
                    break;
                }
                continue;
            }
            if (offset == null) continue;
            Matcher st = STEP_DONE.matcher(msg), im = IMAGE.matcher(msg);
            String name;
            long ms;
            if (st.find()) {
                name = st.group(2) + " " + st.group(1);
                ms = Long.parseLong(st.group(3));
            } else if (im.find()) {
                name = "image " + im.group(1) + " " + im.group(2);
                ms = Long.parseLong(im.group(3));
            } else {
                continue;
            }
            double end = wall + offset;
            out.add(new Step(name, end - ms / 1000.0, end));
        }
        if (offset == null) return List.of();
        out.sort(java.util.Comparator.comparingDouble(Step::start));
        return List.copyOf(out);
    }

    /**
     * The milestones of the last boot in {@code lines}: from its last {@code starting} line up to {@code converged after
     * boot} (what follows, a shutdown, is not the boot's); empty without a {@code starting} line.
     */
    static List<Milestone> lastBoot(List<String> lines) {
        var all = new ArrayList<Milestone>();
        boolean converged = false;
        for (String line : lines) {
            Matcher m = GENESIS.matcher(line);
            if (!m.find()) continue;
            String text = m.group(2).strip();
            if (text.startsWith("starting")) {
                all.clear();
                converged = false;
            }
            if (converged) continue;
            all.add(new Milestone(Double.parseDouble(m.group(1)), text));
            converged = text.startsWith("converged after boot");
        }
        return !all.isEmpty() && all.getFirst().text().startsWith("starting") ? List.copyOf(all) : List.of();
    }

    static List<Stretch> stretches(List<Milestone> boot) {
        var out = new ArrayList<Stretch>();
        String from = "kernel";
        double at = 0;
        for (Milestone m : boot) {
            out.add(new Stretch(from, name(m.text()), at, m.uptime()));
            from = name(m.text());
            at = m.uptime();
        }
        return out;
    }

    /** A milestone's name without its details: "state db ready schema=4 ms=6984" is "state db ready". */
    static String name(String text) {
        var words = new ArrayList<String>();
        for (String w : text.split(" ")) {
            if (w.startsWith("(") || w.contains("=")) break;
            words.add(w);
        }
        String n = String.join(" ", words);
        return n.endsWith(":") ? n.substring(0, n.length() - 1) : n;
    }

    static String table(List<Stretch> s) {
        return table(s, List.of());
    }

    /** The stretches, then the boot-convergence steps under a heading of their own (none: no heading). */
    static String table(List<Stretch> s, List<Step> steps) {
        var sb = new StringBuilder(String.format(Locale.ROOT, "%-60s  %9s  %9s  %8s%n", "STRETCH", "FROM (s)", "TO (s)", "SECONDS"));
        for (Stretch x : s) {
            sb.append(String.format(Locale.ROOT, "%-60s  %9.3f  %9.3f  %8.3f%n", x.from() + " -> " + x.to(), x.start(), x.end(), x.seconds()));
        }
        if (!steps.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%n%-60s  %9s  %9s  %8s%n", "BOOT-CONVERGENCE STEP", "FROM (s)", "TO (s)", "SECONDS"));
            for (Step x : steps) {
                sb.append(String.format(Locale.ROOT, "%-60s  %9.3f  %9.3f  %8.3f%n", x.name(), x.start(), x.end(), x.seconds()));
            }
        }
        return sb.toString();
    }

    private static final int LABEL = 360, BARS = 560, ROW = 22, TOP = 48;

    /** One row per stretch: its name, a bar on a shared time axis, and its duration. */
    static String svg(List<Stretch> s, String title) {
        return svg(s, List.of(), title);
    }

    /** The stretches' rows, then one row per boot-convergence step in another colour, on the same time axis. */
    static String svg(List<Stretch> s, List<Step> steps, String title) {
        double total = s.isEmpty() ? 1 : Math.max(s.getLast().end(), 0.001);
        for (Step x : steps) total = Math.max(total, x.end());
        double scale = BARS / total;
        int rows = s.size() + steps.size();
        int height = TOP + rows * ROW + 40, width = LABEL + BARS + 90;
        var sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"monospace\" font-size=\"12\">%n", width, height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        sb.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"20\" font-size=\"14\">%s</text>%n", xml(title)));
        double tick = niceTick(total);
        for (double t = 0; t <= total + 1e-9; t += tick) {
            double x = LABEL + t * scale;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, TOP - 8,
                    x, TOP + rows * ROW));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%ss</text>%n", x,
                    TOP - 12, trim(t)));
        }
        for (int i = 0; i < s.size(); i++) {
            Stretch x = s.get(i);
            int y = TOP + i * ROW;
            sb.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"%d\">%s</text>%n", y + 15, xml(x.from() + " → " + x.to())));
            double bx = LABEL + x.start() * scale, bw = Math.max(1, x.seconds() * scale);
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n", bx, y + 4,
                    bw, ROW - 8, i == 0 ? "#999" : "#4a7ab5"));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.3f s</text>%n", bx + bw + 4, y + 15, x.seconds()));
        }
        for (int i = 0; i < steps.size(); i++) {
            Step x = steps.get(i);
            int y = TOP + (s.size() + i) * ROW;
            sb.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"%d\" fill=\"#8a5a12\">%s</text>%n", y + 15, xml("step: " + x.name())));
            double bx = LABEL + x.start() * scale, bw = Math.max(1, x.seconds() * scale);
            sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#d08c2a\"/>%n", bx,
                    y + 4, bw, ROW - 8));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.3f s</text>%n", bx + bw + 4, y + 15, x.seconds()));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"%d\" fill=\"#666\">uptime from the kernel's start; total %.3f s%s</text>%n",
                TOP + rows * ROW + 24, total, steps.isEmpty() ? "" : "; boot-convergence steps from spine.log"));
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static double niceTick(double total) {
        for (double t : new double[] {0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120}) if (total / t <= 12) return t;
        return 300;
    }

    private static String trim(double t) {
        return t == Math.rint(t) ? Long.toString((long) t) : String.format(Locale.ROOT, "%.1f", t);
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static Optional<String> title(List<Milestone> boot) {
        return boot.isEmpty() ? Optional.empty() : Optional.of("Spine boot: " + boot.getFirst().text());
    }
}
