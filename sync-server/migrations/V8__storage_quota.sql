-- together-server, schema version 8: the per-account storage quota.
-- Never edit this file once released: add a new migration instead.

-- The ciphertext bytes each account's devices uploaded that are still stored: log entries (in
-- the person's own documents and in the couple's) and snapshots. An upload is charged inside the
-- transaction that stores it, by a conditional update
--   UPDATE users SET stored_bytes = stored_bytes + :n WHERE id = :user AND stored_bytes + :n <= :max
-- so concurrent uploads, from one server or several sharing a database, never take an account
-- over its quota (sync-server/src/storage/quota.rs).
ALTER TABLE users ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0 CHECK (stored_bytes >= 0);

-- Backfill from what is stored. length() of a blob reads its size, not its content.
UPDATE users SET stored_bytes = stored_bytes + usage.bytes
FROM (SELECT d.user_id AS user_id, sum(length(e.ciphertext)) AS bytes
      FROM doc_entries e JOIN devices d ON d.id = e.device_id
      GROUP BY d.user_id) AS usage
WHERE usage.user_id = users.id;

UPDATE users SET stored_bytes = stored_bytes + usage.bytes
FROM (SELECT d.user_id AS user_id, sum(length(s.ciphertext)) AS bytes
      FROM doc_snapshots s JOIN devices d ON d.id = s.device_id
      GROUP BY d.user_id) AS usage
WHERE usage.user_id = users.id;

-- Bytes that leave the database, by whatever path (a document deleted with its account or its
-- relationship, a snapshot replaced by a newer one), are given back to whoever uploaded them.
CREATE TRIGGER doc_entries_release_quota AFTER DELETE ON doc_entries
BEGIN
    UPDATE users SET stored_bytes = max(stored_bytes - length(OLD.ciphertext), 0)
    WHERE id = (SELECT user_id FROM devices WHERE id = OLD.device_id);
END;

CREATE TRIGGER doc_snapshots_release_quota AFTER DELETE ON doc_snapshots
BEGIN
    UPDATE users SET stored_bytes = max(stored_bytes - length(OLD.ciphertext), 0)
    WHERE id = (SELECT user_id FROM devices WHERE id = OLD.device_id);
END;

CREATE TRIGGER doc_snapshots_replace_quota AFTER UPDATE OF ciphertext ON doc_snapshots
BEGIN
    UPDATE users SET stored_bytes = max(stored_bytes - length(OLD.ciphertext), 0)
    WHERE id = (SELECT user_id FROM devices WHERE id = OLD.device_id);
END;
