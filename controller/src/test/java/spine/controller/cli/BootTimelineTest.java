package spine.controller.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** A boot from a serial log recorded in the VM (escape sequences and the shell prompt included) as stretches and an SVG. */
class BootTimelineTest {
    private static List<String> recorded() throws IOException {
        return new String(Files.readAllBytes(Path.of("src/test/resources/boot/serial.log")), StandardCharsets.ISO_8859_1).lines().toList();
    }

    @Test
    void everyMilestoneIsAStretchFromTheOneBeforeTheFirstFromTheKernel() throws IOException {
        var s = BootTimeline.stretches(BootTimeline.lastBoot(recorded()));
        assertThat(s).hasSize(12);
        assertThat(s.getFirst()).isEqualTo(new BootTimeline.Stretch("kernel", "starting", 0, 11.411));
        assertThat(s).extracting(x -> x.from() + " -> " + x.to()).contains("state db open/migrate -> state db ready",
                "init complete -> boot report", "loop started -> converged after boot");
        assertThat(s.get(7).seconds()).isCloseTo(6.989, org.assertj.core.data.Offset.offset(1e-9));
        for (int i = 1; i < s.size(); i++) assertThat(s.get(i).start()).isEqualTo(s.get(i - 1).end());
    }

    @Test
    void onlyTheLastBootOfALogThatHoldsSeveralCounts() throws IOException {
        var lines = new ArrayList<>(List.of("[    9.000] bay0: starting (old)", "[   10.000] bay0: init complete"));
        lines.addAll(recorded());
        assertThat(BootTimeline.lastBoot(lines).getFirst().text()).isEqualTo("starting (0.1.0-dev)");
        assertThat(BootTimeline.lastBoot(List.of("no genesis here", "[   10.000] bay0: init complete"))).isEmpty();
        // the shutdown that follows a boot is not part of it
        lines.add("[   45.470] bay0: shutdown (SIGTERM): flushing state");
        assertThat(BootTimeline.lastBoot(lines).getLast().text()).isEqualTo("converged after boot: running=0");
    }

    @Test
    void aMilestonesNameLeavesItsDetailsOut() {
        assertThat(BootTimeline.name("state db ready schema=4 ms=6984")).isEqualTo("state db ready");
        assertThat(BootTimeline.name("persist mount attempt (/dev/vda)")).isEqualTo("persist mount attempt");
        assertThat(BootTimeline.name("boot report: last_shutdown=unclean boot=clean")).isEqualTo("boot report");
    }

    @Test
    void theSvgHasOneRowPerStretchWithBarsOnOneTimeAxis() throws IOException {
        var boot = BootTimeline.lastBoot(recorded());
        var s = BootTimeline.stretches(boot);
        String svg = BootTimeline.svg(s, BootTimeline.title(boot).orElseThrow());
        assertThat(svg).startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"").endsWith("</svg>\n")
                .contains("Spine boot: starting (0.1.0-dev)", "kernel → starting", "11.411 s", "total 39.534 s");
        var bars = Pattern.compile("<rect x=\"([0-9.]+)\" y=\"[0-9]+\" width=\"([0-9.]+)\"").matcher(svg).results().toList();
        assertThat(bars).hasSize(s.size());
        // the bars are laid end to end: each starts where the one before ends, the last ends at the axis' end
        for (int i = 1; i < bars.size(); i++) {
            double end = Double.parseDouble(bars.get(i - 1).group(1)) + Double.parseDouble(bars.get(i - 1).group(2));
            if (s.get(i - 1).seconds() * 560 / 39.534 >= 1) assertThat(Double.parseDouble(bars.get(i).group(1))).isCloseTo(end,
                    org.assertj.core.data.Offset.offset(0.11));
        }
        var last = bars.getLast();
        assertThat(Double.parseDouble(last.group(1)) + Double.parseDouble(last.group(2))).isCloseTo(360 + 560,
                org.assertj.core.data.Offset.offset(0.11));
    }

    /** A later boot with five autostart personas, recorded in the VM: its serial log and its spine.log. */
    private static List<String> resource(String name) throws IOException {
        return new String(Files.readAllBytes(Path.of("src/test/resources/boot/" + name)), StandardCharsets.ISO_8859_1).lines().toList();
    }

    @Test
    void theBootConvergenceStepsComeFromSpineLogOnTheMilestonesClock() throws IOException {
        var boot = BootTimeline.lastBoot(resource("five-later-serial.log"));
        var steps = BootTimeline.steps(boot, resource("five-later-spine.log"));
        assertThat(steps).extracting(BootTimeline.Step::name).containsExactlyInAnyOrder("start p://a1", "start p://a2", "start p://a3",
                "start p://a4", "start p://a5");
        double init = boot.stream().filter(m -> m.text().startsWith("init complete")).findFirst().orElseThrow().uptime();
        double converged = boot.getLast().uptime();
        for (BootTimeline.Step x : steps) {
            // on the milestones' clock: after init complete, before converged after boot, as long as the log said
            assertThat(x.start()).isGreaterThan(init);
            assertThat(x.end()).isLessThanOrEqualTo(converged);
            assertThat(x.seconds()).isGreaterThan(0.1);
        }
        String table = BootTimeline.table(BootTimeline.stretches(boot), steps);
        assertThat(table).contains("BOOT-CONVERGENCE STEP", "start p://a3");
        String svg = BootTimeline.svg(BootTimeline.stretches(boot), steps, BootTimeline.title(boot).orElseThrow());
        assertThat(svg).contains("step: start p://a1", "boot-convergence steps from spine.log");
    }

    @Test
    void anotherBootsSpineLogGivesNoSteps() throws IOException {
        // the milestones of the recorded Gate A boot, the spine.log of another boot: nothing ties the two clocks
        var boot = BootTimeline.lastBoot(recorded());
        assertThat(BootTimeline.steps(boot, resource("five-later-spine.log"))).isEmpty();
        assertThat(BootTimeline.steps(boot, List.of())).isEmpty();
        assertThat(BootTimeline.table(BootTimeline.stretches(boot), List.of())).doesNotContain("BOOT-CONVERGENCE");
    }
}
