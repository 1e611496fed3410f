package spine.model.kernel;

import java.util.Optional;

/**
 * Pressure stall information, the {@code avg10} figures (percent of the last 10 s) of {@code /proc/pressure/*}
 * or of a cgroup's {@code *.pressure} files.
 */
public record Pressure(double cpuSome, double memorySome, double memoryFull, double ioSome) {
    public static final Pressure NONE = new Pressure(0, 0, 0, 0);

    /**
     * The {@code avg10} of the {@code some} (or {@code full}) line of one PSI file, e.g.
     * {@code some avg10=63.20 avg60=20.01 avg300=4.50 total=123}.
     */
    public static Optional<Double> avg10(String text, String line) {
        for (String l : text.split("\n")) {
            if (!l.startsWith(line + " ")) continue;
            for (String field : l.split(" ")) {
                if (field.startsWith("avg10=")) {
                    try {
                        return Optional.of(Double.parseDouble(field.substring(6)));
                    } catch (NumberFormatException e) {
                        return Optional.empty();
                    }
                }
            }
        }
        return Optional.empty();
    }
}
