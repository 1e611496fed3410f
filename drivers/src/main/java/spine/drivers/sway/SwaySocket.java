package spine.drivers.sway;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The i3-ipc binary protocol over sway's IPC unix socket: the magic {@code i3-ipc}, the payload length and the message
 * type as native-order 32-bit integers, then the JSON payload. Every read has a timeout, so a hung sway fails a step
 * instead of hanging the loop. One instance is one connection; requests on it are serialised.
 */
public final class SwaySocket implements SwayIpc, AutoCloseable {
    private static final byte[] MAGIC = "i3-ipc".getBytes(StandardCharsets.US_ASCII);
    /** sway's own limit on a message is far below this; a larger length is a broken stream, not a big tree. */
    private static final int MAX_PAYLOAD = 64 << 20;

    /** One message as it travels: its type and JSON payload. */
    public record Frame(int type, String payload) {}

    private final AFUNIXSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Path path;

    private SwaySocket(AFUNIXSocket socket, Path path) throws IOException {
        this.socket = socket;
        this.path = path;
        this.in = new java.io.BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects; every later read waits at most {@code timeout}. */
    public static SwaySocket connect(Path path, Duration timeout) throws IOException {
        AFUNIXSocket s = AFUNIXSocket.newInstance();
        try {
            s.connect(AFUNIXSocketAddress.of(path), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            return new SwaySocket(s, path);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The pid of the process serving this socket (SO_PEERCRED), taken when it accepted the connection. */
    public long peerPid() throws IOException {
        return socket.getPeerCredentials().getPid();
    }

    public Path path() {
        return path;
    }

    /**
     * One request and its reply. A request that fails halfway (a read timeout while sway hangs, a short read, a reply of
     * another type) leaves its reply, or part of it, in the stream, where the next request would read it as its own:
     * so the connection is closed, and later requests fail until the owner connects again ({@link #isOpen()}).
     */
    @Override
    public synchronized String send(int type, String payload) throws IOException {
        if (socket.isClosed()) throw new IOException("the IPC connection to sway at " + path + " is closed; connect again");
        try {
            write(type, payload);
            Frame f = read();
            // the reply carries the request's type; an event (high bit set) cannot arrive on a connection that never subscribed
            if (f.type() != type) throw new IOException("sway answered message type " + type + " with type " + f.type());
            return f.payload();
        } catch (IOException e) {
            socket.close();
            throw new IOException(e.getMessage() + " (connection closed: its replies would no longer match its requests)", e);
        }
    }

    /** False once a request failed halfway or the connection was closed: connect again before the next request. */
    public boolean isOpen() {
        return !socket.isClosed();
    }

    /** Subscribes this connection to events, e.g. {@code ["window"]}; afterwards read them with {@link #read()}. */
    public synchronized void subscribe(String eventsJson) throws IOException {
        write(SUBSCRIBE, eventsJson);
        Frame f = read();
        if (f.type() != SUBSCRIBE || !f.payload().contains("true")) throw new IOException("sway refused the subscription: " + f.payload());
    }

    /** Waits without a timeout for the next event of a subscribed connection. */
    public Frame nextEvent() throws IOException {
        socket.setSoTimeout(0);
        return read();
    }

    private void write(int type, String payload) throws IOException {
        out.write(encode(type, payload));
        out.flush();
    }

    /** One frame in wire form. */
    public static byte[] encode(int type, String payload) {
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 8 + body.length).order(ByteOrder.nativeOrder());
        b.put(MAGIC).putInt(body.length).putInt(type).put(body);
        return b.array();
    }

    /** Reads one frame, or fails on a stream that is not i3-ipc. */
    public Frame read() throws IOException {
        return decode(new DataInputStream(in));
    }

    public static Frame decode(DataInputStream in) throws IOException {
        byte[] head = new byte[MAGIC.length + 8];
        try {
            in.readFully(head);
        } catch (EOFException e) {
            throw new EOFException("sway closed the IPC connection");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (head[i] != MAGIC[i]) throw new IOException("not an i3-ipc message (bad magic)");
        }
        ByteBuffer b = ByteBuffer.wrap(head, MAGIC.length, 8).order(ByteOrder.nativeOrder());
        int length = b.getInt(), type = b.getInt();
        if (length < 0 || length > MAX_PAYLOAD) throw new IOException("i3-ipc payload length " + length + " is out of range");
        byte[] body = new byte[length];
        in.readFully(body);
        return new Frame(type, new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
