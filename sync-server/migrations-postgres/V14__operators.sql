-- together-server, schema version 14: the operator console (SQLite's V14). Never edit this file
-- once released: add a new migration instead.

-- Operators sign in with an email and a password; only an Argon2id PHC string is kept.
CREATE TABLE operators (
    id            TEXT COLLATE "C" PRIMARY KEY,
    email         TEXT COLLATE "C" NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash TEXT COLLATE "C" NOT NULL CHECK (length(password_hash) BETWEEN 20 AND 512),
    created_at    TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX idx_operators_email ON operators (lower(email));

-- Console sessions, shared by every instance; only the SHA-256 of the cookie's token is kept.
CREATE TABLE operator_sessions (
    token_hash  BYTEA PRIMARY KEY CHECK (length(token_hash) = 32),
    operator_id TEXT COLLATE "C" NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created_at  TEXT COLLATE "C" NOT NULL,
    expires_at  TEXT COLLATE "C" NOT NULL,
    csrf_token  TEXT COLLATE "C" NOT NULL CHECK (length(csrf_token) BETWEEN 16 AND 128)
);
CREATE INDEX idx_operator_sessions_expiry ON operator_sessions (expires_at);

-- A disabled account cannot sign in and its devices' tokens are refused.
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
