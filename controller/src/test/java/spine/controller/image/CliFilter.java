package spine.controller.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a compressor's CLI as a filter (stdin to stdout), as scripts/mkspine.sh packs the image. */
final class CliFilter {
    private CliFilter() {}

    static byte[] run(List<String> argv, byte[] plain) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Thread writer = Thread.ofVirtual().start(() -> {
            try (var in = p.getOutputStream()) {
                in.write(plain);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        writer.join();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(argv.getFirst() + "'s exit code").isZero();
        return out;
    }
}
