-- Better Together, schema version 6: how far this device has pulled each document from the sync
-- server. Never edit this file once released: add a new migration instead.
CREATE TABLE sync_state (
    doc_id     TEXT PRIMARY KEY NOT NULL,
    last_seq   INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    -- The seq covered by the newest snapshot this device uploaded or started from.
    snapshot_seq INTEGER NOT NULL DEFAULT 0 CHECK (snapshot_seq >= 0),
    updated_at DATETIME NOT NULL CHECK (julianday(updated_at) IS NOT NULL)
) WITHOUT ROWID;
