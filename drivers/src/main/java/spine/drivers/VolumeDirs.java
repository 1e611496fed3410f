package spine.drivers;

import java.nio.file.Path;

import spine.model.ResourceId;

/**
 * Where the volumes live on the host: {@code <root>/<container name>/<volume>} under the state root's volume directory
 * ({@code /persist/volumes} on a device). The state package makes and removes them; podman only names them in a
 * bind mount. Unlike {@link SocketDirs}, this is continuity: nothing here is rebuilt or emptied by Spine on its own.
 */
public record VolumeDirs(Path root) {
    public VolumeDirs {
        root = root.toAbsolutePath().normalize();
    }

    public Path dir(ResourceId owner, String volume) {
        return root.resolve(owner.containerName()).resolve(volume);
    }
}
