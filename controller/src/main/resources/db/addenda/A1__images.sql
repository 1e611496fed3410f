-- Images (issue 28): an app's image, loaded from an archive file. An addendum, not a migration: it only adds tables,
-- which a Spine that does not know them never reads, so user_version stays where it was and a rolled-back Spine
-- opens this database as before. The intent table's kind CHECK is not touched for the same reason; an Image's intent
-- has a table of the same shape, and an older Spine never sees an Image row it could not parse.
CREATE TABLE IF NOT EXISTS image_intent (
    kind        TEXT    NOT NULL CHECK (kind = 'image'),
    name        TEXT    NOT NULL,
    spec        TEXT    NOT NULL,
    spec_hash   TEXT    NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (kind, name)
);

-- What the last load of each Image did: the archive's sha256 it checked and the image id it gave (a later pass that
-- finds the ref gone or naming another id loads it again), or why it failed. Goes with the Image's intent.
CREATE TABLE IF NOT EXISTS image_load (
    name        TEXT PRIMARY KEY,
    sha256      TEXT,
    image_id    TEXT,
    loaded_at   TEXT,
    last_error  TEXT,
    updated_at  TEXT NOT NULL
);
