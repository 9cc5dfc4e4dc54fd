-- Better Together, schema version 5: the Automerge documents behind the projected tables, and the
-- outbox of local changes waiting to be uploaded (docs/document-schema.md).
-- Never edit this file once released: add a new migration instead.

-- One row per document this device holds. `snapshot` is a full Automerge save covering every chunk
-- with seq <= snapshot_seq; loading is snapshot + the later chunks.
CREATE TABLE documents (
    doc_id          TEXT PRIMARY KEY NOT NULL CHECK (length(doc_id) BETWEEN 5 AND 64),
    kind            TEXT NOT NULL CHECK (kind IN ('relationship', 'series', 'user')),
    relationship_id TEXT,
    year            INTEGER CHECK (year IS NULL OR year BETWEEN 1900 AND 9999),
    snapshot        BLOB,
    snapshot_seq    INTEGER NOT NULL DEFAULT 0 CHECK (snapshot_seq >= 0),
    updated_at      DATETIME NOT NULL CHECK (julianday(updated_at) IS NOT NULL),
    CHECK ((kind = 'series') = (year IS NOT NULL)),
    CHECK ((kind = 'user') = (relationship_id IS NULL))
);
CREATE INDEX idx_documents_relationship ON documents (relationship_id, year);

-- Incremental changes appended after each action or merge, in order.
CREATE TABLE document_chunks (
    doc_id     TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    bytes      BLOB NOT NULL,
    created_at DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL),
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;

-- Local changes not yet acknowledged by the sync server. entry_id is the idempotency key: a retried
-- upload of the same entry is a no-op on the server.
CREATE TABLE outbox (
    entry_id   TEXT PRIMARY KEY NOT NULL,
    doc_id     TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    bytes      BLOB NOT NULL,
    created_at DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL),
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT
);
CREATE INDEX idx_outbox_doc ON outbox (doc_id, created_at);
