-- Intent is what the user asked for; status is what the loop last saw and did; history never changes.
CREATE TABLE intent (
    kind        TEXT    NOT NULL CHECK (kind IN ('persona', 'tenant', 'envelope')),
    name        TEXT    NOT NULL,
    spec        TEXT    NOT NULL,
    spec_hash   TEXT    NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (kind, name)
);

CREATE TABLE status (
    kind                TEXT    NOT NULL CHECK (kind IN ('persona', 'tenant')),
    name                TEXT    NOT NULL,
    phase               TEXT    NOT NULL CHECK (phase IN ('stopped', 'starting', 'running', 'pausing', 'paused', 'stopping')),
    observed_generation INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    phase_since         TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    PRIMARY KEY (kind, name)
);

CREATE TABLE history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    action      TEXT    NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    generation  INTEGER NOT NULL,
    spec        TEXT,
    spec_hash   TEXT
);

CREATE TRIGGER history_no_update BEFORE UPDATE ON history
BEGIN
    SELECT RAISE(ABORT, 'history is append-only');
END;

CREATE TRIGGER history_no_delete BEFORE DELETE ON history
BEGIN
    SELECT RAISE(ABORT, 'history is append-only');
END;
