-- Better Together, schema version 14: partner quizzes (issue #14 §2), projected from the series
-- documents' `quizzes` collection (docs/document-schema.md). One row per partner's record: a
-- "know me" round's true answer (by its subject) or guess (by the partner), or a "this or that"
-- pick. The reveal rule (the partner's side only once both sides exist) is applied by the read
-- API, never by leaving rows out. Never edit this file once released: add a new migration instead.
CREATE TABLE quiz_answers (
    id              TEXT PRIMARY KEY NOT NULL,
    relationship_id TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('know_me', 'this_or_that')),
    -- The round's id, or the day (YYYY-MM-DD) of a "this or that" pick.
    round_id        TEXT NOT NULL CHECK (length(round_id) BETWEEN 1 AND 64),
    -- The catalogue item (`km-017`) or pair (`tt-004`).
    item_id         TEXT NOT NULL CHECK (length(item_id) BETWEEN 1 AND 32),
    -- Whom a "know me" round is about (no foreign key: the partner may arrive later).
    subject_id      TEXT,
    user_id         TEXT NOT NULL,
    choice          INTEGER CHECK (choice IS NULL OR choice BETWEEN 0 AND 3),
    created_at      DATETIME NOT NULL,
    answered_at     DATETIME
);
CREATE INDEX idx_quiz_answers_round ON quiz_answers (relationship_id, kind, round_id);
