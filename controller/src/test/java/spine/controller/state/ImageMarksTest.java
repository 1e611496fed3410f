package spine.controller.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageMarksTest {
    @TempDir Path dir;

    @Test
    void marksAreWrittenWholeReadBackAndRemoved() throws Exception {
        var marks = new ImageMarks(new SpineRoot(dir));
        assertThat(marks.read()).isEmpty();
        marks.mark(List.of(new ImageMarks.Mark("localhost/spine/busybox:1", "aa", "2026-12-07T09:00:00Z", "loaded"),
                new ImageMarks.Mark("localhost/spine/ai:1", "bb", "2026-12-07T09:00:00Z", "tagged")));
        marks.mark(List.of(new ImageMarks.Mark("localhost/spine/busybox:1", "cc", "2026-12-07T10:00:00Z", "reloaded")));
        assertThat(new ImageMarks(new SpineRoot(dir)).read()).containsOnlyKeys("localhost/spine/ai:1", "localhost/spine/busybox:1")
                .extractingByKey("localhost/spine/busybox:1").extracting(ImageMarks.Mark::id).isEqualTo("cc");
        assertThat(Files.list(dir.resolve("spine")).map(p -> p.getFileName().toString())).containsExactly("images.placed");

        marks.unmark(List.of("localhost/spine/busybox:1"));
        assertThat(marks.read()).containsOnlyKeys("localhost/spine/ai:1");
    }

    @Test
    void aLineThatDoesNotParseIsSkippedNotFatal() throws Exception {
        Files.createDirectories(dir.resolve("spine"));
        Files.writeString(dir.resolve("spine/images.placed"), "garbage\nlocalhost/spine/foot:1 dd 2026-12-07T09:00:00Z loaded\n");
        assertThat(new ImageMarks(new SpineRoot(dir)).read()).containsOnlyKeys("localhost/spine/foot:1");
    }

    @Test
    void savedFilesGoUnderTheRootByContainerAndTime() throws Exception {
        var marks = new ImageMarks(new SpineRoot(dir));
        assertThat(marks.savedChanges("p__diary", Instant.parse("2026-12-07T09:38:59.5Z")))
                .isEqualTo(dir.resolve("spine/saved/p__diary-20261207T093859Z.tar"));
        assertThat(dir.resolve("spine/saved")).isDirectory();
        assertThatThrownBy(() -> marks.savedChanges("../etc", Instant.EPOCH)).isInstanceOf(IllegalArgumentException.class);
    }
}
