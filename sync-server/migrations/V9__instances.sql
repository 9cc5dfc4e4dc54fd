-- together-server, schema version 9: what several server instances on one database share.
-- `server_info` also holds the entitlement signing key from now on (key 'entitlement_signing_key',
-- base64), so every instance signs with the same one. Never edit this file once released.

-- Once-only jobs (revenue analytics, owed Stripe calls): the instance holding an unexpired lease
-- runs them.
CREATE TABLE job_leases (
    job        TEXT PRIMARY KEY NOT NULL CHECK (length(job) BETWEEN 1 AND 100),
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
