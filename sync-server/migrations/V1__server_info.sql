-- together-server, schema version 1: facts about this server instance.
-- Accounts, devices, document logs and billing come in later migrations.
-- Never edit this file once released: add a new migration instead.

CREATE TABLE server_info (
    key        TEXT PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 100),
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL CHECK (julianday(updated_at) IS NOT NULL)
) WITHOUT ROWID;

-- A stable identity for this server, so clients can tell a reset server from the one they knew.
INSERT INTO server_info (key, value, updated_at)
VALUES ('instance_id', lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
