package spine.controller.state;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Opens the archive an Image names, read-only: the archives live under the persist root ({@code /persist/images}),
 * whose files only this package touches. Only a regular file is opened; anything else reads as not there.
 */
public final class ImageArchives {
    private ImageArchives() {}

    public static InputStream open(Path archive) throws IOException {
        if (!Files.isRegularFile(archive)) {
            throw new NoSuchFileException(archive.toString());
        }
        return Files.newInputStream(archive);
    }
}
