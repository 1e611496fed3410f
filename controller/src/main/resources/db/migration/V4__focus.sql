-- The active persona (spine focus): at most one row. The loop converges freeze, thaw and window focus to it; no row
-- means no foreground persona, every persona thawed. Who set it and when, for spine get focus and the log.
CREATE TABLE focus (
    slot     INTEGER PRIMARY KEY CHECK (slot = 1),
    persona  TEXT    NOT NULL,
    since    TEXT    NOT NULL,
    uid      INTEGER NOT NULL
);
