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

-- spine apply --try: the intent as it was before a tried apply (every row's kind, name and spec, as JSON), restored
-- by the converger's first pass after the deadline unless spine apply --confirm removed this row first. One at a time.
CREATE TABLE apply_trial (
    slot        INTEGER PRIMARY KEY CHECK (slot = 1),
    started_at  TEXT    NOT NULL,
    deadline    TEXT    NOT NULL,
    uid         INTEGER NOT NULL,
    previous    TEXT    NOT NULL
);
