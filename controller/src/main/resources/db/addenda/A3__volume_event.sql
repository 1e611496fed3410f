-- Volumes in the history (issue 28): each volume's creation (when a container that names it first ran) and deletion
-- (spine delete volume, with the bytes it held and who asked). Append-only, as the history is. An addendum: a new table
-- an older Spine never reads; the history's own action CHECK stays as that Spine knows it.
CREATE TABLE IF NOT EXISTS volume_event (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT    NOT NULL,
    container   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    action      TEXT    NOT NULL CHECK (action IN ('create', 'delete')),
    path        TEXT,
    bytes       INTEGER,
    uid         INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS volume_event_no_update BEFORE UPDATE ON volume_event
BEGIN
    SELECT RAISE(ABORT, 'volume events are append-only');
END;

CREATE TRIGGER IF NOT EXISTS volume_event_no_delete BEFORE DELETE ON volume_event
BEGIN
    SELECT RAISE(ABORT, 'volume events are append-only');
END;
