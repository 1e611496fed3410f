-- Images an Image's load gave (issue 28): each image id, which Image's load gave it under which ref, and since when
-- nothing references it. The collector removes one that stayed unreferenced past its grace; only images listed here
-- are ever collected (the built-in images and a build host's own images are not Spine's to remove). An addendum: a
-- new table an older Spine never reads.
CREATE TABLE IF NOT EXISTS image_given (
    image_id            TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    ref                 TEXT NOT NULL,
    loaded_at           TEXT NOT NULL,
    unreferenced_since  TEXT
);
