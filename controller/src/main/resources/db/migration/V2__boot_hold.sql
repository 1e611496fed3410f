-- Personas this boot holds stopped whatever their spec says (after a crash, or autostart off). Rewritten by
-- bay0 at every boot; an apply that names a persona deletes its row, since the user has acted.
CREATE TABLE hold (
    kind    TEXT NOT NULL CHECK (kind IN ('persona')),
    name    TEXT NOT NULL,
    reason  TEXT NOT NULL,
    since   TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
