package spine.model.kernel;

/** One {@code /sys/class/thermal/thermal_zone*}: its name, its {@code type} and its {@code temp} in °C. */
public record ThermalZone(String name, String type, double celsius) {}
