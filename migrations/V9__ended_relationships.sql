-- Better Together, schema version 9: relationships that ended (a partner left). An ended
-- relationship is no longer current on the device, its documents are read-only, and it stays
-- readable (docs/sync-protocol.md, "The device's loop"; docs/cli.md, `together relationships`).
-- Never edit this file once released: add a new migration instead.
CREATE TABLE ended_relationships (
    relationship_id TEXT PRIMARY KEY NOT NULL,
    -- When it ended: the server's time when known, else when this device learned it.
    ended_at        DATETIME NOT NULL CHECK (julianday(ended_at) IS NOT NULL),
    learned_at      DATETIME NOT NULL CHECK (julianday(learned_at) IS NOT NULL),
    -- Changes made on this device that never reached the partner (queued when it ended): they
    -- stay in the local documents, out of the upload queue.
    kept_on_device  INTEGER NOT NULL DEFAULT 0 CHECK (kept_on_device >= 0)
) WITHOUT ROWID;
