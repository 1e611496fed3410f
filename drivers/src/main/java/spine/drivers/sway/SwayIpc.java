package spine.drivers.sway;

import java.io.IOException;

/**
 * The sway driver's seam: one i3-ipc request, one answer. Tests replay answers recorded from a real sway; bay0 uses
 * {@link SwaySocket}.
 */
public interface SwayIpc {
    int RUN_COMMAND = 0;
    int GET_WORKSPACES = 1;
    int SUBSCRIBE = 2;
    int GET_TREE = 4;
    int GET_VERSION = 7;
    /** The event bit and the window event's number. */
    int EVENT_WINDOW = 0x80000003;

    /** Sends one message of {@code type} and returns the JSON payload of the answer. */
    String send(int type, String payload) throws IOException;
}
