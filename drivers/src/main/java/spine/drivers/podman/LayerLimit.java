package spine.drivers.podman;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Bounds a container's writable layer (podman's {@code overlay/<layer>} directory, before the container first starts)
 * with the kernel's disk quota; the reason when it could not. The state package owns persist, so it does this, not
 * podman's driver (docs/ARCHITECTURE.md "Disk").
 */
@FunctionalInterface
public interface LayerLimit {
    Optional<String> bound(Path layerDir);
}
