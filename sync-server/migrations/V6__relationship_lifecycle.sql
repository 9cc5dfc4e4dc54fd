-- together-server, schema version 6: a relationship ends when a partner leaves. Ended relationships
-- are frozen (no appends, no invites) and stay readable by their former members; a person belongs
-- to at most one current relationship. Never edit this file once released.

ALTER TABLE relationships ADD COLUMN ended_at TEXT;
-- Copied from the relationship when it ends, so one current membership per person can be an index.
ALTER TABLE memberships ADD COLUMN ended_at TEXT;

-- Before version 6 a person could belong to several relationships at once: keep the newest current.
UPDATE memberships SET ended_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE EXISTS (
    SELECT 1 FROM memberships newer
    WHERE newer.user_id = memberships.user_id
      AND (newer.joined_at > memberships.joined_at
           OR (newer.joined_at = memberships.joined_at
               AND newer.relationship_id > memberships.relationship_id))
);

CREATE UNIQUE INDEX idx_memberships_one_current ON memberships (user_id) WHERE ended_at IS NULL;
