-- together-server, schema version 3: encrypted snapshots and per-user wrapped-key bundles.
-- Both are opaque to the server. Never edit this file once released: add a new migration instead.

-- The latest encrypted snapshot of a document, covering its log up to covers_seq, so a new
-- device starts from it instead of replaying every entry.
CREATE TABLE doc_snapshots (
    doc_id     TEXT PRIMARY KEY NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    covers_seq INTEGER NOT NULL CHECK (covers_seq >= 1),
    ciphertext BLOB NOT NULL,
    device_id  TEXT,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- A user's document keys, wrapped on their device with a key derived from their password.
CREATE TABLE key_bundles (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    bundle     BLOB NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
