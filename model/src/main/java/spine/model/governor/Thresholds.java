package spine.model.governor;

/**
 * When the governor tightens and when it lets go. Hot above the {@code high} figures, cool below the {@code low}
 * ones (hysteresis: between them nothing changes); a level moves after {@code windows} samples in a row agree.
 */
public record Thresholds(double cpuHigh, double cpuLow, double memoryHigh, double memoryLow, double hotC, double coolC,
                         int windows) {
    public static Thresholds defaults() {
        return new Thresholds(40, 15, 20, 5, 80, 70, 3);
    }
}
