-- Operator-issued sign-up codes, for `registration = "invite-only"`. Only the SHA-256 of a code is
-- kept (the code is shown once, when created); each is good for max_uses sign-ups, counted by a
-- conditional update in the sign-up's own transaction.
CREATE TABLE signup_codes (
    id           TEXT PRIMARY KEY,
    code_hash    BLOB NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    max_uses     INTEGER NOT NULL CHECK (max_uses >= 1),
    uses         INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
