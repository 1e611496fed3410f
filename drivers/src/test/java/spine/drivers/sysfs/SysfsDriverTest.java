package spine.drivers.sysfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.drivers.podman.PodmanDriver;
import spine.model.Compositor;
import spine.model.ObservedState;
import spine.model.ResourceId;
import spine.model.Step;
import spine.model.StepResult;
import spine.model.kernel.CgroupView;
import spine.model.kernel.KernelState;

/**
 * Against a tree recorded in the VM (src/test/resources/sysfs-vm: the example specs applied, p://work's cpu.max after
 * drift repair; podman ps of the same moment), copied so that writes have somewhere to go.
 */
class SysfsDriverTest {
    private static final ResourceId AI = ResourceId.tenant("ai"), WORK = ResourceId.persona("work");

    @TempDir
    Path root;
    private ObservedState podman;

    @BeforeEach
    void copyTree() throws IOException {
        Path from = Path.of("src/test/resources/sysfs-vm");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path to = root.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to);
            }
        }
        podman = PodmanDriver.parsePs(Files.readString(root.resolve("ps.json")));
    }

    @Test
    void readsEachContainersEnvelopeFromTheCgroupItsPidNames() {
        KernelState k = new SysfsDriver(root).observe(podman);
        assertThat(k.cgroups()).containsOnlyKeys(AI, WORK);
        CgroupView ai = k.cgroups().get(AI);
        assertThat(ai.cgroup()).startsWith("/libpod_parent/libpod-6c6aeaf78d11");
        assertThat(ai.pid()).isEqualTo(283);
        assertThat(ai.file("cpu.max")).hasValue("25000 100000");
        assertThat(ai.file("cpu.weight")).hasValue("20");
        assertThat(ai.file("memory.max")).hasValue("67108864");
        assertThat(ai.file("memory.swap.max")).hasValue("0");
        assertThat(ai.file("pids.max")).hasValue("64");
        assertThat(ai.oomScoreAdj()).hasValue(900);
        assertThat(ai.frozen()).isFalse();
        assertThat(ai.cpuUsageUsec()).isPositive();
        assertThat(k.cgroups().get(WORK).file("cpu.max")).hasValue("50000 100000");
        assertThat(k.pressure()).hasValueSatisfying(p -> assertThat(p.cpuSome()).isGreaterThanOrEqualTo(0));
        assertThat(k.thermal()).isEmpty(); // the VM has cooling devices and no thermal zone
        assertThat(k.problems()).isEmpty();
    }

    @Test
    void aPidWhoseCgroupDoesNotNameTheContainerIsNotTrusted() throws IOException {
        Files.writeString(root.resolve("proc/283/cgroup"), "0::/somewhere/else\n");
        KernelState k = new SysfsDriver(root).observe(podman);
        assertThat(k.cgroups()).containsOnlyKeys(WORK);
        assertThat(k.problems()).singleElement().asString().contains("sys://ai").contains("does not name container 6c6aeaf");
    }

    @Test
    void writesTheFileItNamesAndNeverCreatesOne() throws IOException {
        var sysfs = new SysfsDriver(root);
        String cg = sysfs.observe(podman).cgroups().get(WORK).cgroup();
        StepResult ok = sysfs.apply(new Step.WriteCgroup(WORK, cg, "cpu.max", "12500 100000", "test"));
        assertThat(ok.ok()).isTrue();
        assertThat(Files.readString(root.resolve("sys/fs/cgroup" + cg + "/cpu.max"))).isEqualTo("12500 100000\n");
        StepResult missing = sysfs.apply(new Step.WriteCgroup(WORK, cg, "cpu.nonexistent", "1", "test"));
        assertThat(missing).isInstanceOf(StepResult.Failed.class);
        assertThat(Files.exists(root.resolve("sys/fs/cgroup" + cg + "/cpu.nonexistent"))).isFalse();
        assertThat(sysfs.apply(new Step.SetOomScoreAdj(WORK, 297, 500, "test")).ok()).isTrue();
        assertThat(Files.readString(root.resolve("proc/297/oom_score_adj"))).isEqualTo("500\n");
    }

    @Test
    void theCompositorIsReadWhereverItIsAndMovedIntoItsOwnCgroup() throws IOException {
        Files.createDirectories(root.resolve("proc/500"));
        Files.writeString(root.resolve("proc/500/cgroup"), "0::/\n");
        Files.writeString(root.resolve("proc/500/oom_score_adj"), "0\n");
        Files.writeString(root.resolve("sys/fs/cgroup/cgroup.subtree_control"), "cpuset cpu\n");
        var sysfs = new SysfsDriver(root);
        KernelState k = sysfs.observe(podman, OptionalLong.of(500));
        assertThat(k.compositor()).hasValueSatisfying(v -> {
            assertThat(v.id()).isEqualTo(Compositor.ID);
            assertThat(v.cgroup()).isEqualTo("/");
            assertThat(v.pid()).isEqualTo(500);
            assertThat(v.oomScoreAdj()).hasValue(0);
            assertThat(v.file("cgroup.controllers")).hasValue("cpuset cpu io memory hugetlb pids rdma misc");
        });
        assertThat(sysfs.observe(podman).compositor()).isEmpty();

        // the kernel makes cgroup.procs with the directory; the recording cannot, so it is there already
        Files.createDirectories(root.resolve("sys/fs/cgroup/spine.compositor"));
        Files.writeString(root.resolve("sys/fs/cgroup/spine.compositor/cgroup.procs"), "");
        StepResult moved = sysfs.apply(new Step.MoveToCgroup(Compositor.ID, 500, Compositor.CGROUP, "test"));
        assertThat(moved).isInstanceOfSatisfying(StepResult.Ok.class, ok -> assertThat(ok.detail())
                .contains("pid 500 in ").contains("controllers=cpu,memory,pids"));
        assertThat(Files.readString(root.resolve("sys/fs/cgroup/spine.compositor/cgroup.procs"))).isEqualTo("500\n");
        // memory and pids were not delegated yet: each was enabled for the children (the last write is what a file keeps)
        assertThat(Files.readString(root.resolve("sys/fs/cgroup/cgroup.subtree_control"))).isEqualTo("+pids\n");

        Files.writeString(root.resolve("proc/500/cgroup"), "0::/spine.compositor\n");
        assertThat(sysfs.observe(podman, OptionalLong.of(500)).compositor()).hasValueSatisfying(v ->
                assertThat(v.cgroup()).isEqualTo(Compositor.CGROUP));
    }

    @Test
    void withoutCapSysResourceNoNegativeOomScoreIsPlanned() throws IOException {
        // a driver reads the capabilities once (they do not change while a process runs): one driver per process here
        assertThat(new SysfsDriver(root).observe(podman).oomScoreFloor()).as("no status recorded: capable").isEqualTo(KernelState.OOM_MIN);
        Files.createDirectories(root.resolve("proc/self"));
        Files.writeString(root.resolve("proc/self/status"), "Name:\tjava\nCapEff:\t000001fffeffffff\n"); // this build host
        var sandboxed = new SysfsDriver(root);
        assertThat(sandboxed.observe(podman).oomScoreFloor()).isZero();
        Files.writeString(root.resolve("proc/self/status"), "Name:\tjava\nCapEff:\t000001ffffffffff\n"); // bay0 in the VM
        assertThat(new SysfsDriver(root).observe(podman).oomScoreFloor()).isEqualTo(KernelState.OOM_MIN);
        assertThat(sandboxed.observe(podman).oomScoreFloor()).as("read once").isZero();
    }

    @Test
    void findsTheUnifiedTreeOfAHybridHost() throws IOException {
        Path hybrid = root.resolve("hybrid");
        Files.createDirectories(hybrid.resolve("sys/fs/cgroup/unified"));
        assertThat(new SysfsDriver(hybrid).cgroupMount()).isEqualTo(hybrid.resolve("sys/fs/cgroup/unified"));
        assertThat(new SysfsDriver(root).cgroupMount()).isEqualTo(root.resolve("sys/fs/cgroup"));
    }

    @Test
    void namesInterfacesThatAreUpButNotLo() throws IOException {
        for (String[] i : new String[][] {{"lo", "0x9"}, {"eth0", "0x1003"}, {"wlan0", "0x1002"}}) {
            Files.createDirectories(root.resolve("sys/class/net/" + i[0]));
            Files.writeString(root.resolve("sys/class/net/" + i[0] + "/flags"), i[1] + "\n");
        }
        assertThat(new SysfsDriver(root).interfacesUp()).containsExactly("eth0");
    }
}
