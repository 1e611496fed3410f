package spine.controller.state;

import java.sql.Connection;
import java.time.Clock;

/**
 * What every table's view shares: the store (its monitor orders every statement, its transaction makes them one
 * commit), the one connection, the clock and the file's path for messages.
 */
record Db(IntentStore store, Connection c, Clock clock, String path) {
    <T> T inTransaction(IntentStore.Work<T> work) throws StateException {
        return store.inTransaction(work);
    }

    String now() {
        return clock.instant().toString();
    }
}
