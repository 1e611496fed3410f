package spine.controller.state;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the state database remembers of upgrades (issue 12): the NACK registry, candidates whose trial boot failed,
 * which {@code spine upgrade} refuses without a reboot; and the two A/B slots, which candidate each holds and how far
 * it got. Shares the {@link IntentStore}'s connection and its monitor, so it never interleaves with the store's own
 * transactions.
 */
public final class UpgradeRecords {
    private static final System.Logger LOG = System.getLogger("state");

    /** A refused candidate: the hash of its signed manifest, its version, when its trial failed and why. */
    public record Nack(String hash, String version, String failedAt, String reason) {}

    public enum SlotState { STAGED, TRIAL, GOOD }

    /** One slot ({@code A} or {@code B}) and the candidate in it; {@code failure}: why its trial boot failed, if it did. */
    public record Slot(String name, String hash, String version, SlotState state, String since, Optional<String> failure) {
        public Slot(String name, String hash, String version, SlotState state, String since) {
            this(name, hash, version, state, since, Optional.empty());
        }
    }

    private final Object lock;
    private final Connection db;
    private final Clock clock;
    private final String path;
    private final IntentStore store;

    UpgradeRecords(IntentStore store, Connection db, Clock clock, String path) {
        this.store = store;
        this.lock = store;
        this.db = db;
        this.clock = clock;
        this.path = path;
    }

    /** The registry, newest failure first. */
    public List<Nack> nacks() throws StateException {
        synchronized (lock) {
            var out = new ArrayList<Nack>();
            try (Statement s = db.createStatement();
                 ResultSet rs = s.executeQuery("SELECT hash, version, failed_at, reason FROM nack ORDER BY failed_at DESC, hash")) {
                while (rs.next()) out.add(new Nack(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                return out;
            } catch (SQLException e) {
                throw new StateException("cannot read the NACK registry from " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /** The entry for a candidate's hash, if its trial failed before. */
    public Optional<Nack> nack(String hash) throws StateException {
        return nacks().stream().filter(n -> n.hash().equals(hash)).findFirst();
    }

    /** Records a failed trial; a second failure of the same candidate replaces the first entry (the newest reason counts). */
    public void recordNack(String hash, String version, String reason) throws StateException {
        String now = clock.instant().toString();
        synchronized (lock) {
            store.inTransaction(() -> {
                insertNack(new Nack(hash, version, now, reason));
                return null;
            });
        }
        LOG.log(System.Logger.Level.WARNING, "candidate nacked hash={0} version={1} reason=\"{2}\"", hash, version, reason);
    }

    /**
     * Removes a registry entry on purpose ({@code spine nack forgive}), logged with who asked; the entries whose hash
     * starts with {@code prefix} when exactly one does. Returns the removed entry, or why nothing was removed.
     */
    public Forgiven forgive(String prefix, long uid) throws StateException {
        List<Nack> matching = nacks().stream().filter(n -> n.hash().startsWith(prefix)).toList();
        if (prefix.isEmpty() || matching.isEmpty()) return new Forgiven(Optional.empty(), "no NACK entry has hash " + prefix + "; spine nack list shows them");
        if (matching.size() > 1) {
            return new Forgiven(Optional.empty(), matching.size() + " entries start with " + prefix + "; give more of the hash");
        }
        Nack n = matching.getFirst();
        update("DELETE FROM nack WHERE hash = ?", n.hash());
        LOG.log(System.Logger.Level.WARNING, "candidate forgiven hash={0} version={1} uid={2} failed_at={3} reason=\"{4}\"", n.hash(),
                n.version(), uid, n.failedAt(), n.reason());
        return new Forgiven(Optional.of(n), "");
    }

    /** What {@link #forgive} did: the entry it removed, or why none. */
    public record Forgiven(Optional<Nack> removed, String why) {}

    /** Both slots' records, A first; a slot never staged has none. */
    public List<Slot> slots() throws StateException {
        synchronized (lock) {
            var out = new ArrayList<Slot>();
            try (Statement s = db.createStatement();
                 ResultSet rs = s.executeQuery("SELECT name, hash, version, state, since, failure FROM slot ORDER BY name")) {
                while (rs.next()) {
                    out.add(new Slot(rs.getString(1), rs.getString(2), rs.getString(3), SlotState.valueOf(rs.getString(4).toUpperCase(java.util.Locale.ROOT)),
                            rs.getString(5), Optional.ofNullable(rs.getString(6))));
                }
                return out;
            } catch (SQLException e) {
                throw new StateException("cannot read the upgrade slots from " + path + ": " + e.getMessage(), e);
            }
        }
    }

    /** Drops a slot's record before its files are replaced, so a cut staging never leaves a record of files not there. */
    public void forgetSlot(String name) throws StateException {
        update("DELETE FROM slot WHERE name = ?", name);
    }

    /** A trial boot's verdict against its candidate, for the next boot to turn into a NACK entry. */
    public void recordTrialFailure(String name, String reason) throws StateException {
        setFailure(name, reason);
        LOG.log(System.Logger.Level.WARNING, "upgrade trial failed slot={0} reason=\"{1}\"", name, reason);
    }

    /**
     * Right before the kexec at power-on into a promoted slot: {@link #POWER_ON_NO_REPORT} against it until its own bay0
     * clears it ({@link #recordBooted}). A power-on that finds it still there does not boot that slot again.
     */
    public void recordPowerOnBoot(String name) throws StateException {
        setFailure(name, POWER_ON_NO_REPORT);
        LOG.log(System.Logger.Level.INFO, "upgrade slot booting at power-on slot={0}", name);
    }

    /** The promoted slot's own bay0 is up: the mark of {@link #recordPowerOnBoot} goes. */
    public void recordBooted(String name) throws StateException {
        setFailure(name, null);
        LOG.log(System.Logger.Level.INFO, "upgrade slot booted slot={0}", name);
    }

    /**
     * A promoted slot that is no longer booted at power-on (it did not come up, or no longer checks) goes back to staged,
     * not to the NACK registry: it passed its trial once, and a power cut during its boot looks the same.
     * {@code spine upgrade} of its manifest tries it again.
     */
    public void demote(String name, String reason) throws StateException {
        update("UPDATE slot SET state = 'staged', since = ?, failure = NULL WHERE name = ?", clock.instant().toString(), name);
        LOG.log(System.Logger.Level.WARNING, "upgrade slot demoted slot={0} reason=\"{1}\"", name, reason);
    }

    private void setFailure(String name, String reason) throws StateException {
        update("UPDATE slot SET failure = ? WHERE name = ?", reason, name);
    }

    /** One statement with text parameters ({@code null} for SQL NULL), in a transaction of its own. */
    private void update(String sql, String... params) throws StateException {
        synchronized (lock) {
            store.inTransaction(() -> {
                try (PreparedStatement u = db.prepareStatement(sql)) {
                    for (int i = 0; i < params.length; i++) u.setString(i + 1, params[i]);
                    u.executeUpdate();
                }
                return null;
            });
        }
    }

    /** The slot a power-on boots: the one promoted last (by its record's time), if any. */
    public static Optional<Slot> promoted(List<Slot> slots) {
        return slots.stream().filter(s -> s.state() == SlotState.GOOD)
                .max(java.util.Comparator.comparing((Slot s) -> instant(s.since())).thenComparing(Slot::name));
    }

    private static java.time.Instant instant(String since) {
        try {
            return java.time.Instant.parse(since);
        } catch (java.time.format.DateTimeParseException e) {
            return java.time.Instant.MIN; // not written by this class: oldest
        }
    }

    /** What a boot that is not a trial did with the slots left in trial: the entries it nacked, the slots it staged again. */
    public record Settled(List<Nack> nacked, List<Slot> restaged) {
        public Settled {
            nacked = List.copyOf(nacked);
            restaged = List.copyOf(restaged);
        }
    }

    /**
     * At a boot that is not a trial, in one transaction, every slot still in trial never got promoted: when its kernel
     * was started ({@link #KEXEC_NO_REPORT}, recorded before the kexec) or its trial boot began ({@link #NO_VERDICT},
     * recorded by the trial until it has a verdict), its candidate goes to the NACK
     * registry with that verdict and the slot's record goes; when it never began (the machine stopped between the
     * record and the kexec), the candidate is not to blame and the slot is staged again.
     */
    public Settled settleTrials() throws StateException {
        String now = clock.instant().toString();
        var written = new ArrayList<Nack>();
        var restaged = new ArrayList<Slot>();
        synchronized (lock) {
            List<Slot> trials = slots().stream().filter(s -> s.state() == SlotState.TRIAL).toList();
            if (trials.isEmpty()) return new Settled(written, restaged);
            store.inTransaction(() -> {
                for (Slot t : trials) {
                    if (t.failure().isEmpty()) {
                        try (PreparedStatement u = db.prepareStatement("UPDATE slot SET state = 'staged', since = ? WHERE name = ?")) {
                            u.setString(1, now);
                            u.setString(2, t.name());
                            u.executeUpdate();
                        }
                        restaged.add(t);
                        continue;
                    }
                    Nack n = new Nack(t.hash(), t.version(), now, t.failure().get());
                    insertNack(n);
                    try (PreparedStatement d = db.prepareStatement("DELETE FROM slot WHERE name = ?")) {
                        d.setString(1, t.name());
                        d.executeUpdate();
                    }
                    written.add(n);
                }
                return null;
            });
        }
        written.forEach(n -> LOG.log(System.Logger.Level.WARNING, "candidate nacked hash={0} version={1} reason=\"{2}\"", n.hash(), n.version(), n.reason()));
        restaged.forEach(t -> LOG.log(System.Logger.Level.INFO, "upgrade slot staged again: its trial never began slot={0} hash={1}", t.name(), t.hash()));
        return new Settled(written, restaged);
    }

    /** One registry entry, replacing an earlier one for the same candidate; inside the caller's transaction. */
    private void insertNack(Nack n) throws java.sql.SQLException {
        try (PreparedStatement i = db.prepareStatement("INSERT OR REPLACE INTO nack (hash, version, failed_at, reason) VALUES (?, ?, ?, ?)")) {
            i.setString(1, n.hash());
            i.setString(2, n.version());
            i.setString(3, n.failedAt());
            i.setString(4, n.reason());
            i.executeUpdate();
        }
    }

    /** What bay0 records as the verdict right before the kexec into a candidate, until the candidate's own bay0 reports. */
    public static final String KEXEC_NO_REPORT = "its kernel was started with kexec and its bay0 never reported (a kernel that does not boot,"
            + " a hang, a reset or a power cut)";

    /** What a power-on records against a promoted slot right before the kexec into it, until that slot's bay0 is up. */
    public static final String POWER_ON_NO_REPORT = "it was booted with kexec at power-on and its bay0 never came up (a kernel that no"
            + " longer boots, a hang, a reset or a power cut)";

    /** What a trial boot records as its verdict when it begins, and keeps when it never reaches one. */
    public static final String NO_VERDICT = "its trial boot ended without a verdict (a crash, a hang, a reset or a power cut)";

    /** Records what a slot holds now. */
    public void recordSlot(String name, String hash, String version, SlotState state) throws StateException {
        update("INSERT OR REPLACE INTO slot (name, hash, version, state, since) VALUES (?, ?, ?, ?, ?)", name, hash, version,
                state.name().toLowerCase(java.util.Locale.ROOT), clock.instant().toString());
        LOG.log(System.Logger.Level.INFO, "upgrade slot recorded slot={0} hash={1} version={2} state={3}", name, hash, version,
                state.name().toLowerCase(java.util.Locale.ROOT));
    }
}
