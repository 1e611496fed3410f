package spine.controller.validate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

import spine.controller.state.DiskQuotas;
import spine.controller.state.StateException;
import spine.controller.state.Volumes;
import spine.model.DesiredState;
import spine.model.Persona;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.Tenant;
import spine.model.Volume;

/**
 * The disk check: a volume at its size, a writable layer at its bound, persist nearly full for personas (bay0's
 * reserve is not theirs), sizes the filesystem cannot enforce. Each names who holds the most bytes, layer and volumes
 * together, since that is where room is made (docs/OPERATIONS.md "Disk").
 */
final class DiskCheck {
    /** Full: within 2% of a bound (the kernel stops a write at it, so "at it" is as far as it goes). */
    private static final int FULL_PERCENT = 98;
    /** Persist is nearly full when less than this share of it is left for personas. */
    private static final int LOW_PERCENT = 10;

    private final Path root;
    private final Volumes volumes;
    private final DiskQuotas quotas;
    private final DesiredState desired;
    private final Supplier<Map<String, Path>> layers;

    DiskCheck(Path root, Volumes volumes, DiskQuotas quotas, DesiredState desired, Supplier<Map<String, Path>> layers) {
        this.root = root;
        this.volumes = volumes;
        this.quotas = quotas;
        this.desired = desired;
        this.layers = layers;
    }

    Check run() throws StateException {
        var findings = new ArrayList<String>();
        var held = new TreeMap<ResourceId, long[]>(); // layer, volumes
        boolean sized = false;
        for (Volumes.OnDisk v : volumes.list()) {
            held.computeIfAbsent(v.owner(), k -> new long[2])[1] += v.bytes();
            Optional<Long> size = sizeOf(v.owner(), v.name());
            sized |= size.isPresent();
            if (size.isPresent() && v.bytes() * 100 >= size.get() * FULL_PERCENT) {
                findings.add("volume " + v.name() + " of " + v.owner() + " is full: " + human(v.bytes()) + " of its " + human(size.get()));
            }
        }
        for (var e : layers.get().entrySet()) {
            Optional<ResourceId> id = ResourceId.fromContainerName(e.getKey());
            if (id.isEmpty()) continue;
            long bytes = quotas.usage(e.getValue());
            held.computeIfAbsent(id.get(), k -> new long[2])[0] += bytes;
            if (quotas.bytes(e.getValue()).isPresent()) {
                long bound = layerBound(root); // not the layer's own: statfs inside a project answers the project's limit
                if (bound > 0 && bytes * 100 >= bound * FULL_PERCENT) {
                    findings.add("the writable layer of " + id.get() + " is full: " + human(bytes) + " of its " + human(bound));
                }
            }
        }
        Optional<DiskQuotas.Space> space = DiskQuotas.space(root);
        space.filter(s -> s.usable() * 100 < s.total() * LOW_PERCENT).ifPresent(s -> findings.add("persist is nearly full: "
                + human(s.usable()) + " left for personas of " + human(s.total()) + " (bay0's reserve is apart)"));
        if (sized && !volumes.sizesEnforced()) {
            findings.add("volume sizes are not enforced: the filesystem under " + root + " has no project quotas");
        }
        Optional<Map.Entry<ResourceId, long[]>> most = held.entrySet().stream()
                .max(java.util.Comparator.comparingLong(e -> e.getValue()[0] + e.getValue()[1]));
        String largest = most.map(e -> e.getKey() + " holds the most: " + human(e.getValue()[0] + e.getValue()[1]) + " (layer "
                + human(e.getValue()[0]) + ", volumes " + human(e.getValue()[1]) + ")").orElse("no persona holds any");
        if (!findings.isEmpty()) return Check.yellow("disk", String.join("; ", findings) + "; " + largest);
        var facts = new TreeMap<String, Long>();
        space.ifPresent(s -> {
            facts.put("totalBytes", s.total());
            facts.put("usableBytes", s.usable());
        });
        return Check.green("disk", space.map(s -> human(s.usable()) + " of " + human(s.total()) + " left for personas; ").orElse("")
                + largest, facts);
    }

    private static long layerBound(Path dir) {
        try {
            return DiskQuotas.layerLimit(dir);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private Optional<Long> sizeOf(ResourceId owner, String name) {
        Spec spec = desired.specs().get(owner);
        var list = spec instanceof Persona p ? p.volumes() : spec instanceof Tenant t ? t.volumes() : java.util.List.<Volume>of();
        return list.stream().filter(v -> v.name().equals(name)).findFirst().flatMap(Volume::size);
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1024L * 1024) return String.format("%.1f KiB", bytes / 1024.0);
        if (bytes < 1024L * 1024 * 1024) return String.format("%.1f MiB", bytes / 1048576.0);
        return String.format("%.2f GiB", bytes / 1073741824.0);
    }
}
