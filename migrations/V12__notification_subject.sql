-- Better Together, schema version 12: what a notification is about (issue #12 §5), projected from
-- the series documents' `notifications/<id>/subject` field (docs/document-schema.md). Acting on the
-- subject settles the notification ("Add your own rating" once the person rated): the read API
-- derives that from the rows below, so nothing else is stored. Never edit this file once released:
-- add a new migration instead.

-- The activity's id (`activity_planned`, `activity_rated`) or the partner's check-in day
-- (`partner_checkin`, `YYYY-MM-DD`); NULL for every other kind and for older notifications.
ALTER TABLE notifications ADD COLUMN subject_id TEXT
    CHECK (subject_id IS NULL OR length(subject_id) BETWEEN 1 AND 64);
