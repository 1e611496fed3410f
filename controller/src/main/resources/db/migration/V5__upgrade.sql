-- Upgrades (issue 12). The NACK registry: a candidate whose trial boot failed, by the hash of its signed manifest,
-- with when and why; `spine upgrade` refuses it without a reboot until `spine nack forgive HASH` removes the row.
CREATE TABLE nack (
    hash       TEXT PRIMARY KEY,
    version    TEXT NOT NULL,
    failed_at  TEXT NOT NULL,
    reason     TEXT NOT NULL
);

-- The two A/B slots under /persist/spine/slots: which candidate each holds and how far it got. staged: copied and
-- checked; trial: the machine is about to boot it, or is booting it, unpromoted; good: its trial passed. failure:
-- why a trial boot judged it failed; the next boot turns a trial slot into a NACK entry, with this reason or, when
-- the trial never judged (a crash, a hang, a power cut), with that.
CREATE TABLE slot (
    name       TEXT PRIMARY KEY CHECK (name IN ('A', 'B')),
    hash       TEXT NOT NULL,
    version    TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('staged', 'trial', 'good')),
    since      TEXT NOT NULL,
    failure    TEXT
);
