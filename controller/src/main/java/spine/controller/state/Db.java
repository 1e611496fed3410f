package spine.controller.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
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

    /** One statement with its values bound in order (a String, a whole number, or null); the rows it changed. */
    int update(String sql, Object... values) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                switch (values[i]) {
                    case null -> p.setNull(i + 1, Types.NULL);
                    case String v -> p.setString(i + 1, v);
                    case Long v -> p.setLong(i + 1, v);
                    case Integer v -> p.setLong(i + 1, v);
                    default -> throw new IllegalArgumentException("cannot bind " + values[i].getClass().getName());
                }
            }
            return p.executeUpdate();
        }
    }
}
