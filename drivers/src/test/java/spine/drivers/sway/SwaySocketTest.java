package spine.drivers.sway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The IPC connection when sway hangs: seen in the VM with SIGSTOP, a request timed out, sway answered it after
 * SIGCONT, and every later request on the connection read the previous request's reply ("sway answered message type
 * 0 with type 4") until the compositor was restarted.
 */
class SwaySocketTest {
    @Test
    void aRequestThatTimesOutClosesTheConnectionSoNoLaterRequestReadsItsLateReply(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("ipc.sock");
        var late = new CountDownLatch(1);
        try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
            server.bind(AFUNIXSocketAddress.of(path));
            // a sway that answers its first request only after the client gave up, then answers the rest at once
            Thread.ofPlatform().daemon().start(() -> {
                try (AFUNIXSocket c = server.accept()) {
                    var in = new DataInputStream(c.getInputStream());
                    OutputStream out = c.getOutputStream();
                    SwaySocket.Frame first = SwaySocket.decode(in);
                    late.await(5, TimeUnit.SECONDS);
                    out.write(SwaySocket.encode(first.type(), "{\"late\":true}"));
                    while (true) {
                        SwaySocket.Frame f = SwaySocket.decode(in);
                        out.write(SwaySocket.encode(f.type(), "{\"answer\":\"" + f.type() + "\"}"));
                    }
                } catch (IOException | InterruptedException e) {
                    // the client closed the connection
                }
            });
            try (SwaySocket s = SwaySocket.connect(path, Duration.ofMillis(200))) {
                assertThatThrownBy(() -> s.send(SwayIpc.GET_TREE, "")).isInstanceOf(IOException.class)
                        .hasMessageContaining("connection closed");
                late.countDown();
                Thread.sleep(100);
                assertThat(s.isOpen()).isFalse();
                assertThatThrownBy(() -> s.send(SwayIpc.GET_VERSION, "")).isInstanceOf(IOException.class).hasMessageContaining("connect again");
            }
        }
    }
}
