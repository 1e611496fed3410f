package spine.controller.state;

/** The root or the database cannot be used; the message says what to do. */
public final class StateException extends Exception {
    public StateException(String message) {
        super(message);
    }

    public StateException(String message, Throwable cause) {
        super(message, cause);
    }
}
