package spine.controller.cli;

/** The command line itself is wrong: exit code 2, with the message. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
