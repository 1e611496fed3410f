package spine.controller.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Staging into the A/B slots on a real directory: all or nothing, and never the running candidate's slot. */
class SlotsTest {
    @TempDir Path root;
    @TempDir Path src;

    private Slots.Artifact artifact(String name, String content) throws Exception {
        Path f = Files.writeString(src.resolve(name), content);
        return new Slots.Artifact(f, name, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))), Files.size(f));
    }

    @Test
    void aCopyThatDiffersFromItsHashLeavesTheSlotAsItWas() throws Exception {
        var slots = new Slots(new SpineRoot(root));
        Path a = slots.stage("A", List.of(artifact("vmlinuz", "old kernel")), "{}".getBytes());
        assertThat(a.resolve("vmlinuz")).hasContent("old kernel");
        Slots.Artifact changed = artifact("vmlinuz", "new kernel");
        Files.writeString(changed.source(), "new kernel, changed after the check");
        assertThatThrownBy(() -> slots.stage("A", List.of(changed), "{}".getBytes())).isInstanceOf(IOException.class)
                .hasMessageContaining("changed since it was checked");
        assertThat(a.resolve("vmlinuz")).hasContent("old kernel");
        try (var listed = Files.list(a.getParent())) {
            assertThat(listed.map(p -> p.getFileName().toString())).containsExactly("A");
        }
    }

    @Test
    void aStagingCutByAPowerLossIsClearedByTheNext() throws Exception {
        Path leftover = Files.createDirectories(root.resolve("spine/slots/.B.staging"));
        Files.writeString(leftover.resolve("spine.img"), "half an image");
        Path b = new Slots(new SpineRoot(root)).stage("B", List.of(artifact("spine.img", "an image")), "{}".getBytes());
        assertThat(b.resolve("spine.img")).hasContent("an image");
        assertThat(b.resolve(Slots.MANIFEST)).hasContent("{}");
        assertThat(leftover).doesNotExist();
    }

    @Test
    void anArtifactCannotTakeTheManifestsPlace() throws Exception {
        assertThatThrownBy(() -> new Slots(new SpineRoot(root)).stage("A", List.of(artifact(Slots.MANIFEST, "x")), "{}".getBytes()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void theSlotChosenNeverHoldsTheRunningCandidate() {
        var good = UpgradeRecords.SlotState.GOOD;
        var staged = UpgradeRecords.SlotState.STAGED;
        assertThat(Slots.choose(List.of(), Optional.empty())).isEqualTo("A");
        assertThat(Slots.choose(List.of(new UpgradeRecords.Slot("A", "h1", "0.2.0", good, "t")), Optional.of("h1"))).isEqualTo("B");
        var both = List.of(new UpgradeRecords.Slot("A", "h1", "0.2.0", good, "t"), new UpgradeRecords.Slot("B", "h2", "0.3.0", good, "t"));
        assertThat(Slots.choose(both, Optional.of("h1"))).isEqualTo("B");
        assertThat(Slots.choose(both, Optional.of("h2"))).isEqualTo("A");
        var oneStaged = List.of(new UpgradeRecords.Slot("A", "h1", "0.2.0", good, "t"), new UpgradeRecords.Slot("B", "h2", "0.3.0", staged, "t"));
        assertThat(Slots.choose(oneStaged, Optional.empty())).isEqualTo("B");
        var promotedLastA = List.of(new UpgradeRecords.Slot("A", "h1", "0.3.0", good, "2026-11-24T06:00:00Z"),
                new UpgradeRecords.Slot("B", "h2", "0.2.0", good, "2026-11-24T05:00:00.5Z"));
        assertThat(Slots.choose(promotedLastA, Optional.empty())).as("from the boot loader's image, never the slot a power-on boots").isEqualTo("B");
        var sameTwice = List.of(new UpgradeRecords.Slot("A", "h1", "0.2.0", good, "2026-11-24T06:00:00Z"),
                new UpgradeRecords.Slot("B", "h1", "0.2.0", staged, "2026-11-24T07:00:00Z"));
        assertThat(Slots.choose(sameTwice, Optional.of("h1"))).as("one copy of the running candidate stays: the promoted one").isEqualTo("B");
    }

    @Test
    void theRunningCandidateComesFromTheKernelCommandLine() {
        assertThat(Slots.runningHash("console=ttyS0 spine.slot=abc quiet")).contains("abc");
        assertThat(Slots.runningHash("spine.trial=def console=ttyS0")).contains("def");
        assertThat(Slots.runningHash("console=ttyS0 spine.slot= quiet")).isEmpty();
        assertThat(Slots.runningHash("")).isEmpty();
        assertThat(Slots.runningHashOf(Path.of("/nonexistent/cmdline"))).isEmpty();
    }
}
