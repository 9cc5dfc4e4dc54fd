-- Better Together, schema version 8: entries pulled from the sync server that could not be opened
-- (decrypted) or merged. They are set aside, sealed as they arrived, so the rest of the document's
-- log still syncs, and kept for diagnosis (docs/sync-protocol.md, "The device's loop").
-- Never edit this file once released: add a new migration instead.
CREATE TABLE quarantined_entries (
    doc_id         TEXT NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq >= 1),
    entry_id       TEXT NOT NULL,
    -- The entry's bytes as the server sent them (base64-decoded when they were base64).
    sealed         BLOB NOT NULL,
    -- Why it was set aside: "does not open: ..." or "does not merge: ...".
    reason         TEXT NOT NULL,
    quarantined_at DATETIME NOT NULL CHECK (julianday(quarantined_at) IS NOT NULL),
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;
