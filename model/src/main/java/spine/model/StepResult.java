package spine.model;

/** What a driver reports for one step. Failure is a value; an exception means a bug. */
public sealed interface StepResult {
    record Ok(String detail) implements StepResult {}

    /** {@code retryable} false means retrying the same step cannot help (for example, a missing image). */
    record Failed(String reason, boolean retryable) implements StepResult {}

    default boolean ok() {
        return this instanceof Ok;
    }
}
