package spine.controller.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import spine.model.Persona;
import spine.model.Phase;
import spine.model.ResourceId;
import spine.model.Spec;
import spine.model.spec.SpecParser;

/** Real SQLite in a temp root. */
class IntentStoreIT {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), ZoneOffset.UTC);

    private static List<Spec> specs(String yaml) {
        SpecParser.Result r = SpecParser.parse("t.yaml", yaml);
        assertThat(r.errors()).isEmpty();
        return r.specs().stream().map(SpecParser.Located::spec).toList();
    }

    private static String persona(String name, String state) {
        return """
                apiVersion: spine/v1
                kind: Persona
                metadata: {name: "p://%s"}
                spec: {image: localhost/spine/busybox:1, state: %s}
                """.formatted(name, state);
    }

    @Test
    void createsWalDatabaseAndMirrorsSchemaVersion(@TempDir Path dir) throws Exception {
        var root = new SpineRoot(dir);
        try (IntentStore s = IntentStore.open(root, CLOCK)) {
            assertThat(s.integrityCheck()).isEqualTo("ok");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spine/intent.db"));
             Statement st = c.createStatement()) {
            assertThat(scalar(st, "PRAGMA user_version")).isEqualTo(String.valueOf(IntentStore.SCHEMA_VERSION));
            assertThat(scalar(st, "PRAGMA journal_mode")).isEqualTo("wal");
            assertThat(scalar(st, "SELECT count(*) FROM sqlite_master WHERE name = 'flyway_schema_history'")).as("no Flyway").isEqualTo("0");
        }
    }

    @Test
    void schemaVersionMatchesTheNewestMigration() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            int newest = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("V[0-9]+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElse(0);
            assertThat(newest).isEqualTo(IntentStore.SCHEMA_VERSION);
        }
    }

    @Test
    void theMigrationsListEveryScriptInOrder() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/migration"))) {
            List<String> onDisk = files.map(p -> p.getFileName().toString())
                    .sorted(java.util.Comparator.comparingInt(Migrations::version)).toList();
            assertThat(Migrations.SCRIPTS).isEqualTo(onDisk);
        }
    }

    private static List<String> rows(String url, String query, int columns) throws SQLException {
        var out = new java.util.ArrayList<String>();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                var row = new StringBuilder();
                for (int i = 1; i <= columns; i++) row.append(rs.getString(i)).append(" | ");
                out.add(row.toString());
            }
        }
        return out;
    }

    /** The schema, without Flyway's own history table and its index (an older Spine's database keeps them). */
    private static final String SCHEMA = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name <> 'flyway_schema_history'"
            + " ORDER BY type, name";
    /** A database made by Flyway alone, as Spines before the user_version migrator made one, its version mirrored or not. */
    private static String byFlyway(Path dir, String target, boolean mirrored) throws Exception {
        Files.createDirectories(dir.resolve("spine"));
        String url = "jdbc:sqlite:" + dir.resolve("spine/intent.db");
        org.flywaydb.core.Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").target(target)
                .load().migrate();
        if (mirrored) {
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                st.execute("PRAGMA user_version = " + target);
            }
        }
        return url;
    }

    /** The tables the addenda make (and the one that records them): an older Spine never reads them. */
    private static final List<String> ADDENDA_TABLES = List.of("addendum", "image_intent", "image_load", "image_given", "volume_event");
    private static final String WITHOUT_ADDENDA = SCHEMA.replace(" ORDER BY", " AND tbl_name NOT IN ('addendum', 'image_intent',"
            + " 'image_load', 'image_given', 'volume_event') ORDER BY");

    @Test
    void aNewDatabaseGetsTheSchemaFlywayMadeAndTheAddendaBeside(@TempDir Path dir) throws Exception {
        String flyway = byFlyway(dir.resolve("flyway"), String.valueOf(IntentStore.SCHEMA_VERSION), true);
        IntentStore.open(new SpineRoot(dir.resolve("new")), CLOCK).close();
        String url = "jdbc:sqlite:" + dir.resolve("new/spine/intent.db");
        assertThat(rows(url, WITHOUT_ADDENDA, 4)).isEqualTo(rows(flyway, SCHEMA, 4)).hasSizeGreaterThan(8);
        assertThat(rows(url, "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('addendum', 'image_intent', 'image_load',"
                + " 'image_given') ORDER BY name", 1)).containsExactly("addendum | ", "image_given | ", "image_intent | ", "image_load | ");
    }

    /**
     * The rollback argument: after the addenda a database still has the version and every table an older Spine (schema
     * 5) reads and writes exactly as that Spine made them, so one rolled back to opens it; the addenda only create
     * tables, each once.
     */
    @Test
    void theAddendaLeaveWhatAnOlderSpineReadsAsItWas(@TempDir Path dir) throws Exception {
        String url = byFlyway(dir, String.valueOf(IntentStore.SCHEMA_VERSION), true);
        List<String> before = rows(url, SCHEMA, 4);
        var root = new SpineRoot(dir);
        try (IntentStore s = IntentStore.open(root, CLOCK)) {
            s.intents().apply(List.of(new spine.model.AppImage(spine.model.ResourceId.image("notes"), "/persist/images/notes.oci.tar",
                    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "localhost/notes:1")), 0);
        }
        IntentStore.open(root, CLOCK).close(); // a second open runs no addendum again
        assertThat(rows(url, WITHOUT_ADDENDA, 4)).isEqualTo(before);
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            assertThat(scalar(st, "PRAGMA user_version")).isEqualTo(String.valueOf(IntentStore.SCHEMA_VERSION));
            assertThat(scalar(st, "SELECT count(*) FROM addendum")).isEqualTo(String.valueOf(Addenda.SCRIPTS.size()));
            assertThat(scalar(st, "SELECT count(*) FROM intent")).as("an Image never lands where an older Spine parses intent").isEqualTo("0");
            assertThat(scalar(st, "SELECT name FROM image_intent")).isEqualTo("notes");
        }
        for (String script : Addenda.SCRIPTS) {
            String sql = Addenda.resource(Addenda.LOCATION + script).replaceAll("(?m)--.*$", "");
            // a trigger's body holds statements of its own: each trigger is checked whole, then taken out
            var triggers = java.util.regex.Pattern.compile("(?s)CREATE TRIGGER IF NOT EXISTS \\w+ BEFORE (UPDATE|DELETE) ON (\\w+)\\s+BEGIN.*?END;")
                    .matcher(sql);
            while (triggers.find()) assertThat(ADDENDA_TABLES).as(script + ": a trigger of its own table").contains(triggers.group(2));
            for (String statement : triggers.replaceAll("").split(";")) {
                if (statement.isBlank()) continue;
                assertThat(statement.strip()).as(script + " only creates").matches("(?s)CREATE (TABLE|INDEX) IF NOT EXISTS .*");
            }
            var tables = java.util.regex.Pattern.compile("CREATE TABLE IF NOT EXISTS (\\w+)").matcher(sql);
            while (tables.find()) assertThat(ADDENDA_TABLES).contains(tables.group(1));
        }
    }

    /** A database that had the first addendum gets the next at its next open, and keeps what the first one holds. */
    @Test
    void aLaterAddendumRunsOnceOnADatabaseThatHadTheEarlierOnes(@TempDir Path dir) throws Exception {
        var root = new SpineRoot(dir);
        try (IntentStore s = IntentStore.open(root, CLOCK)) {
            s.intents().apply(List.of(new spine.model.AppImage(spine.model.ResourceId.image("notes"), "/persist/images/notes.oci.tar",
                    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "localhost/notes:1")), 0);
        }
        String url = "jdbc:sqlite:" + dir.resolve("spine/intent.db");
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("DROP TABLE image_given"); // as a Spine that knew only A1 left it
            st.execute("DELETE FROM addendum WHERE name = 'A2__image_given.sql'");
        }
        IntentStore.open(root, CLOCK).close();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            assertThat(scalar(st, "SELECT count(*) FROM addendum")).isEqualTo("3");
            assertThat(scalar(st, "SELECT count(*) FROM image_given")).isEqualTo("0");
            assertThat(scalar(st, "SELECT name FROM image_intent")).isEqualTo("notes");
        }
    }

    @Test
    void theAddendaListEveryScriptInOrder() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/db/addenda"))) {
            assertThat(Addenda.SCRIPTS).isEqualTo(files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aReadOnlyOpenOfADatabaseWithoutTheAddendaSaysWhatToDo(@TempDir Path dir) throws Exception {
        byFlyway(dir, String.valueOf(IntentStore.SCHEMA_VERSION), true);
        assertThatThrownBy(() -> IntentStore.openReadOnly(new SpineRoot(dir), CLOCK)).hasMessageContaining("lacks the tables of A1__images.sql, A2__image_given.sql, A3__volume_event.sql")
                .hasMessageContaining("run spine apply or reboot");
        IntentStore.open(new SpineRoot(dir), CLOCK).close();
        IntentStore.openReadOnly(new SpineRoot(dir), CLOCK).orElseThrow().close();
    }

    /** Every older schema Flyway made, with its version mirrored in user_version or (before that) only in its history. */
    @Test
    void everyOlderFlywayDatabaseMigratesToTheSameSchemaAsANewOne(@TempDir Path dir) throws Exception {
        IntentStore.open(new SpineRoot(dir.resolve("new")), CLOCK).close();
        List<String> want = rows("jdbc:sqlite:" + dir.resolve("new/spine/intent.db"), SCHEMA, 4);
        for (int v = 1; v <= IntentStore.SCHEMA_VERSION; v++) {
            for (boolean mirrored : List.of(true, false)) {
                Path at = dir.resolve("v" + v + "-" + mirrored);
                String url = byFlyway(at, String.valueOf(v), mirrored);
                IntentStore.open(new SpineRoot(at), CLOCK).close();
                assertThat(rows(url, SCHEMA, 4)).as("from V" + v + (mirrored ? "" : ", version only in the history"))
                        .isEqualTo(want);
                try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                    assertThat(scalar(st, "PRAGMA user_version")).isEqualTo(String.valueOf(IntentStore.SCHEMA_VERSION));
                    // Flyway's history stays as it was: an older Spine rolled back to reads user_version, not it
                    assertThat(scalar(st, "SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history")).isEqualTo(String.valueOf(v));
                }
            }
        }
    }

    @Test
    void aMigrationThatFailsHalfWayLeavesTheDatabaseAsItWas(@TempDir Path dir) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("intent.db"))) {
            // V1 applies, then V6 alters a table only V2 makes: the whole transaction goes, user_version included
            assertThatThrownBy(() -> Migrations.run(c, List.of("db/migration/V1__intent_status_history.sql",
                    "db/migration-next/V6__next.sql"))).isInstanceOf(SQLException.class).hasMessageContaining("V6__next.sql");
            try (Statement st = c.createStatement()) {
                assertThat(scalar(st, "SELECT count(*) FROM sqlite_master")).isEqualTo("0");
                assertThat(scalar(st, "PRAGMA user_version")).isEqualTo("0");
            }
        }
    }

    @Test
    void aNextMigrationRunsOnceOnACurrentDatabase(@TempDir Path dir) throws Exception {
        IntentStore.open(new SpineRoot(dir), CLOCK).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spine/intent.db"))) {
            Migrations.run(c, List.of("db/migration-next/V6__next.sql"));
            try (Statement st = c.createStatement()) {
                assertThat(scalar(st, "PRAGMA user_version")).isEqualTo("6");
                assertThat(rows("jdbc:sqlite:" + dir.resolve("spine/intent.db"), SCHEMA, 4)).anyMatch(r -> r.contains("note TEXT"));
            }
        }
    }

    @Test
    void aCurrentDatabaseRunsNoMigration(@TempDir Path dir) throws Exception {
        var root = new SpineRoot(dir);
        IntentStore.open(root, CLOCK).close();
        // a migration run again would fail: V1 creates its tables without IF NOT EXISTS
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spine/intent.db"));
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE canary (x)");
        }
        IntentStore.open(root, CLOCK).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spine/intent.db"));
             Statement st = c.createStatement()) {
            assertThat(scalar(st, "SELECT count(*) FROM sqlite_master WHERE name = 'canary'")).isEqualTo("1");
        }
    }

    @Test
    void concurrentFirstOpensMigrateOnce(@TempDir Path dir) throws Exception {
        var root = new SpineRoot(dir);
        var errors = java.util.Collections.synchronizedList(new java.util.ArrayList<Throwable>());
        var threads = new java.util.ArrayList<Thread>();
        for (int i = 0; i < 8; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try (IntentStore s = IntentStore.open(root, CLOCK)) {
                    s.intents().load();
                } catch (Exception | Error e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) t.join(60_000);
        assertThat(errors).isEmpty();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spine/intent.db"));
             Statement st = c.createStatement()) {
            // whichever opener won, the others found it current: a second run of V1 would have failed them
            assertThat(scalar(st, "PRAGMA user_version")).isEqualTo(String.valueOf(IntentStore.SCHEMA_VERSION));
        }
    }

    @Test
    void aVersionOneDatabaseIsMigratedWithItsIntentKept(@TempDir Path dir) throws Exception {
        var root = new SpineRoot(dir);
        java.nio.file.Files.createDirectories(dir.resolve("spine"));
        String url = "jdbc:sqlite:" + dir.resolve("spine/intent.db");
        org.flywaydb.core.Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration").target("1").load().migrate();
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 1");
            st.execute("INSERT INTO intent VALUES ('persona', 'p://old', '{\"apiVersion\":\"spine/v1\",\"kind\":\"Persona\","
                    + "\"metadata\":{\"name\":\"p://old\"},\"spec\":{\"image\":\"img\"}}', 'h', 1, '2026-01-01T00:00:00Z')");
        }
        try (IntentStore s = IntentStore.open(root, CLOCK)) {
            assertThat(s.intents().load().desired().specs()).containsKey(spine.model.ResourceId.persona("old"));
            assertThat(s.holds().all()).isEmpty();
        }
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            assertThat(scalar(st, "PRAGMA user_version")).isEqualTo(String.valueOf(IntentStore.SCHEMA_VERSION));
        }
    }

    @Test
    void applyBumpsGenerationOnlyOnChangeAndKeepsHistory(@TempDir Path dir) throws Exception {
        try (IntentStore s = IntentStore.open(new SpineRoot(dir), CLOCK)) {
            assertThat(s.intents().apply(specs(persona("work", "running")), 0)).extracting(Intents.Applied::change)
                    .containsExactly(Intents.Change.CREATED);
            assertThat(s.intents().apply(specs(persona("work", "running")), 0)).extracting(Intents.Applied::change)
                    .containsExactly(Intents.Change.UNCHANGED);
            assertThat(s.intents().apply(specs(persona("work", "stopped")), 0)).singleElement()
                    .isEqualTo(new Intents.Applied(ResourceId.persona("work"), Intents.Change.UPDATED, 2));
            assertThat(s.intents().load().desired().generation(ResourceId.persona("work"))).isEqualTo(2);
            assertThat(((Persona) s.intents().load().desired().specs().get(ResourceId.persona("work"))).state().word()).isEqualTo("stopped");
            assertThat(s.intents().delete(ResourceId.persona("work"), 0)).isTrue();
            assertThat(s.intents().delete(ResourceId.persona("work"), 0)).isFalse();
            assertThat(s.history().lines()).containsExactly("create persona p://work 1", "update persona p://work 2",
                    "delete persona p://work 2");
        }
    }

    /** Loads reuse the parse of unchanged rows; a changed row is parsed again, a deleted one is gone. */
    @Test
    void loadSeesEachChangeBetweenLoads(@TempDir Path dir) throws Exception {
        try (IntentStore s = IntentStore.open(new SpineRoot(dir), CLOCK)) {
            s.intents().apply(specs(persona("work", "running") + "---\n" + persona("games", "running")), 0);
            assertThat(s.intents().load().desired().specs()).hasSize(2);
            s.intents().apply(specs(persona("work", "stopped")), 0);
            var loaded = s.intents().load().desired().specs();
            assertThat(((Persona) loaded.get(ResourceId.persona("work"))).state().word()).isEqualTo("stopped");
            assertThat(((Persona) loaded.get(ResourceId.persona("games"))).state().word()).isEqualTo("running");
            s.intents().delete(ResourceId.persona("games"), 0);
            assertThat(s.intents().load().desired().specs()).containsOnlyKeys(ResourceId.persona("work"));
        }
    }

    @Test
    void historyIsAppendOnly(@TempDir Path dir) throws Exception {
        try (IntentStore s = IntentStore.open(new SpineRoot(dir), CLOCK)) {
            s.intents().apply(specs(persona("work", "running")), 0);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spine/intent.db"));
             Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.execute("UPDATE history SET action = 'delete'")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> st.execute("DELETE FROM history")).hasMessageContaining("append-only");
        }
    }

    @Test
    void statusRecordsPhasesOnlyForResourcesWithIntent(@TempDir Path dir) throws Exception {
        try (IntentStore s = IntentStore.open(new SpineRoot(dir), CLOCK)) {
            s.intents().apply(specs(persona("work", "running")), 0);
            ResourceId work = ResourceId.persona("work");
            assertThat(s.statuses().all().get(work).phase()).isEqualTo(Phase.STOPPED);
            s.statuses().set(work, Phase.STARTING, -1, Optional.empty());
            assertThat(s.statuses().all().get(work).phase()).isEqualTo(Phase.STARTING);
            s.statuses().set(work, Phase.RUNNING, 1, Optional.empty());
            assertThat(s.statuses().all().get(work).observedGeneration()).isEqualTo(1);
            s.statuses().set(work, Phase.RUNNING, -1, Optional.of("boom"));
            assertThat(s.statuses().all().get(work).observedGeneration()).isEqualTo(1);
            assertThat(s.statuses().all().get(work).lastError()).contains("boom");
            s.statuses().set(ResourceId.persona("ghost"), Phase.RUNNING, 1, Optional.empty());
            assertThat(s.statuses().all()).doesNotContainKey(ResourceId.persona("ghost"));
        }
    }

    @Test
    void aFailedApplyLeavesNothingBehind(@TempDir Path dir) throws Exception {
        var root = new SpineRoot(dir);
        try (IntentStore s = IntentStore.open(root, CLOCK)) {
            s.intents().apply(specs(persona("keep", "running")), 0);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("spine/intent.db"));
             Statement st = c.createStatement()) {
            // Make the second row of the next apply fail inside the transaction.
            st.execute("CREATE TRIGGER refuse BEFORE INSERT ON intent WHEN NEW.name = 'p://bad' BEGIN SELECT RAISE(ABORT, 'refused'); END");
        }
        try (IntentStore s = IntentStore.open(root, CLOCK)) {
            var batch = new java.util.ArrayList<>(specs(persona("fine", "running")));
            batch.addAll(specs(persona("bad", "running")));
            assertThatThrownBy(() -> s.intents().apply(batch, 0)).isInstanceOf(StateException.class).hasMessageContaining("rolled back");
            assertThat(s.intents().load().desired().specs().keySet()).containsExactly(ResourceId.persona("keep"));
            assertThat(s.history().lines()).containsExactly("create persona p://keep 1");
        }
    }

    @Test
    void unusableRootIsAClearError(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> IntentStore.open(new SpineRoot(file), CLOCK))
                .isInstanceOf(StateException.class).hasMessageContaining("cannot create").hasMessageContaining("--root");
    }

    private static String scalar(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
