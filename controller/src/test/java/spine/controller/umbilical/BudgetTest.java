package spine.controller.umbilical;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-persona allowance: a burst passes, the next request is refused with when to retry, time refills it. */
class BudgetTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aBurstPassesThenRequestsAreRefusedUntilTheBucketRefills() {
        var b = new Budget.Buckets(new Budget(10, 5, 1_000_000, 1_000_000, 1024), 0);
        for (int i = 0; i < 5; i++) assertThat(b.take(10, 0)).isEmpty();
        assertThat(b.take(10, 0)).hasValue("over budget: 10 requests/s; retry in 100 ms");
        assertThat(b.take(10, SECOND / 10)).isEmpty();
    }

    @Test
    void bytesAreCountedInBothDirections() {
        var b = new Budget.Buckets(new Budget(1000, 1000, 100, 300, 1024), 0);
        assertThat(b.take(100, 0)).isEmpty();
        b.spend(150); // the answer
        assertThat(b.take(100, 0)).hasValue("over budget: 100 bytes/s; retry in 500 ms");
        assertThat(b.take(100, 2 * SECOND)).isEmpty();
    }
}
