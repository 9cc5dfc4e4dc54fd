-- Better Together, schema version 4: the app's own settings on this device (not part of the spec).
-- A small key/value table: which person uses this device (`local_user_id`), later the sync server URL
-- and similar device-local choices. Shared data never lives here; it lives in the Automerge documents.
-- Never edit this file once released: add a new migration instead.

CREATE TABLE app_settings (
    key        TEXT PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
    value      TEXT NOT NULL,
    updated_at DATETIME NOT NULL CHECK (julianday(updated_at) IS NOT NULL)
) WITHOUT ROWID;
