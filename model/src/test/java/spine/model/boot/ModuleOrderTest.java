package spine.model.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class ModuleOrderTest {
    /** Lines as Debian 6.1's depmod writes them for the modules Spine carries. */
    private static final Map<String, List<String>> DEPS = new TreeMap<>(Map.of(
            "kernel/drivers/virtio/virtio_pci.ko", List.of("kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
                    "kernel/drivers/virtio/virtio_pci_modern_dev.ko", "kernel/drivers/virtio/virtio_ring.ko",
                    "kernel/drivers/virtio/virtio.ko"),
            "kernel/drivers/block/virtio_blk.ko", List.of("kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko"),
            "kernel/fs/ext4/ext4.ko", List.of("kernel/lib/crc16.ko", "kernel/fs/mbcache.ko", "kernel/fs/jbd2/jbd2.ko"),
            "kernel/drivers/md/dm-delay.ko", List.of("kernel/drivers/md/dm-mod.ko")));

    @Test
    void parsesModulesDep() {
        assertThat(ModuleOrder.parseDeps("kernel/fs/overlayfs/overlay.ko:\nkernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko\n"))
                .containsEntry("kernel/fs/overlayfs/overlay.ko", List.of())
                .containsEntry("kernel/fs/ext4/ext4.ko", List.of("kernel/lib/crc16.ko", "kernel/fs/mbcache.ko"));
    }

    @Test
    void dependenciesLoadFirstAndOnce() {
        ModuleOrder.Result r = ModuleOrder.resolve(List.of("virtio_pci", "virtio_blk", "ext4", "dm_delay", "nope"), DEPS);
        assertThat(r.load()).containsExactly(
                "kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_ring.ko",
                "kernel/drivers/virtio/virtio_pci_modern_dev.ko", "kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
                "kernel/drivers/virtio/virtio_pci.ko", "kernel/drivers/block/virtio_blk.ko",
                "kernel/fs/jbd2/jbd2.ko", "kernel/fs/mbcache.ko", "kernel/lib/crc16.ko", "kernel/fs/ext4/ext4.ko",
                "kernel/drivers/md/dm-mod.ko", "kernel/drivers/md/dm-delay.ko");
        assertThat(r.unknown()).containsExactly("nope");
    }
}
