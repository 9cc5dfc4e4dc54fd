-- together-server, schema version 2: accounts, devices, relationships, invites and the encrypted
-- document logs. Nothing here is a couple's plaintext: documents are ciphertext sealed on devices.
-- Never edit this file once released: add a new migration instead.

-- People with an account. Shaped like the spec's `users` so billing tables can reference it.
CREATE TABLE users (
    id         TEXT PRIMARY KEY NOT NULL,
    email      TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    -- Optional: the app keeps names in the couple's encrypted documents, not here.
    name       TEXT CHECK (name IS NULL OR length(name) BETWEEN 1 AND 80),
    created_at TEXT NOT NULL CHECK (julianday(created_at) IS NOT NULL),
    updated_at TEXT NOT NULL CHECK (julianday(updated_at) IS NOT NULL)
);
CREATE UNIQUE INDEX idx_users_email ON users (email COLLATE NOCASE);

-- The password never reaches the server: the device derives an authentication secret from it
-- (Argon2id) and the server keeps only SHA-256(salt || secret).
CREATE TABLE credentials (
    user_id     TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    salt        BLOB NOT NULL CHECK (length(salt) = 16),
    secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
    updated_at  TEXT NOT NULL
);

-- One row per signed-in device; the bearer token is 256 random bits, stored as SHA-256.
CREATE TABLE devices (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    token_hash   BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    revoked_at   TEXT
);
CREATE INDEX idx_devices_user ON devices (user_id);

-- Membership only: who belongs to which couple. Nothing intimate.
CREATE TABLE relationships (
    id         TEXT PRIMARY KEY NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE memberships (
    relationship_id TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at       TEXT NOT NULL,
    PRIMARY KEY (relationship_id, user_id)
) WITHOUT ROWID;
CREATE INDEX idx_memberships_user ON memberships (user_id);

-- Invites: the server stores the SHA-256 of a one-time secret the inviting device made.
CREATE TABLE invites (
    secret_hash     BLOB PRIMARY KEY NOT NULL CHECK (length(secret_hash) = 32),
    relationship_id TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    created_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    redeemed_by     TEXT REFERENCES users (id) ON DELETE SET NULL,
    redeemed_at     TEXT
);

-- Which account owns a user document, and which relationship a shared document belongs to:
-- the server authorizes by these, never by looking inside.
CREATE TABLE documents (
    doc_id          TEXT PRIMARY KEY NOT NULL CHECK (length(doc_id) BETWEEN 5 AND 64),
    owner_user_id   TEXT REFERENCES users (id) ON DELETE CASCADE,
    relationship_id TEXT REFERENCES relationships (id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL,
    CHECK ((owner_user_id IS NULL) <> (relationship_id IS NULL))
);

-- The append-only, encrypted log of each document. seq is assigned here; entry_id by the device,
-- so a retried upload is recognised and not stored twice.
CREATE TABLE doc_entries (
    doc_id     TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    entry_id   TEXT NOT NULL CHECK (length(entry_id) BETWEEN 1 AND 64),
    device_id  TEXT,
    ciphertext BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (doc_id, seq),
    UNIQUE (doc_id, entry_id)
) WITHOUT ROWID;
