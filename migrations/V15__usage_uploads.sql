-- Better Together, schema version 15: the opt-in usage upload's bookkeeping (issue #15 §2).
-- One row per local day this device reported (or tried to): the random token made for that day, so
-- a retry of the same day reuses it, and no token ever serves two days (UNIQUE). `uploaded_at` is
-- set once the server accepted the report. Device-local; never in a document, never uploaded.
-- Never edit this file once released: add a new migration instead.

CREATE TABLE usage_uploads (
    day         DATE PRIMARY KEY NOT NULL CHECK (day IS date(day)),
    token       TEXT NOT NULL UNIQUE CHECK (length(token) = 43),
    uploaded_at DATETIME CHECK (uploaded_at IS NULL OR julianday(uploaded_at) IS NOT NULL)
);

-- "Your data" and the report read the person's recent page views by time.
CREATE INDEX idx_page_views_created ON page_views (created_at);
