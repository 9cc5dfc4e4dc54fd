-- together-server, schema version 14: the operator console (admin listener). Never edit this file
-- once released: add a new migration instead.

-- Operators sign in to the console with an email and a password (created by `together-server
-- admin create-operator`); only an Argon2id PHC string of the password is kept.
CREATE TABLE operators (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    password_hash TEXT NOT NULL CHECK (length(password_hash) BETWEEN 20 AND 512),
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX idx_operators_email ON operators (email COLLATE NOCASE);

-- Console sessions, in the database so every instance behind a load balancer knows them. Only the
-- SHA-256 of the cookie's token is kept; the CSRF token goes into the session's forms.
CREATE TABLE operator_sessions (
    token_hash  BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    csrf_token  TEXT NOT NULL CHECK (length(csrf_token) BETWEEN 16 AND 128)
);
CREATE INDEX idx_operator_sessions_expiry ON operator_sessions (expires_at);

-- An operator can disable an account: it cannot sign in and its devices' tokens are refused.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
