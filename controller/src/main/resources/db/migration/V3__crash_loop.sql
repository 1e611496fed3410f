-- Crash-loop back-off (model CrashLoop) lives in status so it survives a restart of spine run and of bay0:
-- restarts Spine made, crashes in a row, the last exit (code and time), the next try and the generation it was
-- judged under. Two new phases, crashloop and exited; SQLite cannot alter a CHECK, so the table is rebuilt.
CREATE TABLE status_v3 (
    kind                TEXT    NOT NULL CHECK (kind IN ('persona', 'tenant')),
    name                TEXT    NOT NULL,
    phase               TEXT    NOT NULL CHECK (phase IN ('stopped', 'starting', 'running', 'pausing', 'paused', 'stopping',
                                                          'crashloop', 'exited')),
    observed_generation INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    phase_since         TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    restarts            INTEGER NOT NULL DEFAULT 0,
    crashes             INTEGER NOT NULL DEFAULT 0,
    exit_code           INTEGER,
    exited_at           TEXT,
    next_try            TEXT,
    crash_generation    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, name)
);

INSERT INTO status_v3 (kind, name, phase, observed_generation, last_error, phase_since, updated_at)
    SELECT kind, name, phase, observed_generation, last_error, phase_since, updated_at FROM status;

DROP TABLE status;

ALTER TABLE status_v3 RENAME TO status;

-- Who changed the intent: the uid of the CLI, or of the control socket's peer (SO_PEERCRED) when spine run or bay0
-- stored it. NULL for rows written before this column existed.
ALTER TABLE history ADD COLUMN uid INTEGER;
