-- Better Together, schema version 10: the daily question (issue #14 §1), projected from the series
-- documents' `questions` collection and the relationship profile's `question_packs` field
-- (docs/document-schema.md). Never edit this file once released: add a new migration instead.

-- One partner's record about one day's question: their answer, their skip, their reaction to the
-- partner's answer. Rows come from both partners' documents; the reveal rule (the partner's answer
-- only once both answered) is applied by the read API, never by leaving rows out.
CREATE TABLE question_answers (
    id              TEXT PRIMARY KEY NOT NULL,
    relationship_id TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    -- No foreign key to users: the partner's record may arrive before their profile.
    user_id         TEXT NOT NULL,
    -- The couple's day: the local date of the partner who wrote the record.
    question_date   DATE NOT NULL CHECK (question_date IS date(question_date)),
    -- The catalogue id (`deep-017`), its pack and its text as asked (a newer app's question reads
    -- the same on an older one).
    question_id     TEXT NOT NULL,
    pack            TEXT NOT NULL,
    question_text   TEXT NOT NULL,
    catalog_version INTEGER NOT NULL,
    answer          TEXT,
    answered_at     DATETIME,
    skipped_at      DATETIME,
    heart           BOOLEAN NOT NULL DEFAULT 0,
    reply           TEXT,
    reacted_at      DATETIME,
    created_at      DATETIME NOT NULL
);
CREATE INDEX idx_question_answers_relationship_date
    ON question_answers (relationship_id, question_date);

-- The couple's chosen question packs; no row means the default packs.
CREATE TABLE question_settings (
    -- The relationship's id.
    id    TEXT PRIMARY KEY NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    -- Comma-separated pack names as stored in the document (`light,deep`).
    packs TEXT NOT NULL
) WITHOUT ROWID;
