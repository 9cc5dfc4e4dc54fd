-- Better Together, schema version 13: "thinking of you" (issue #14 §4). A partner's small gesture
-- (a heart, a hug, "thinking of you", a short line of their own) arrives as a notification of the
-- new kind `thinking_of_you`, so it shows in the inbox and as an OS notification like any other;
-- `question_answered` is reserved for the daily question's news. SQLite cannot change a CHECK
-- constraint in place: the table is rebuilt with the same columns, rows and index. Never edit
-- this file once released: add a new migration instead.

CREATE TABLE notifications_v13 (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship_id   TEXT REFERENCES relationships (id) ON DELETE CASCADE,
    notification_type TEXT NOT NULL CHECK (notification_type IN
        ('partner_checkin', 'activity_planned', 'activity_rated', 'goal_progress', 'goal_reached',
         'date_reminder', 'achievement_earned', 'challenge_update', 'invitation', 'partner_joined',
         'billing', 'system', 'thinking_of_you', 'question_answered')),
    title             TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    message           TEXT NOT NULL CHECK (length(message) <= 2000),
    is_read           BOOLEAN NOT NULL DEFAULT 0 CHECK (is_read IN (0, 1)),
    priority          TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    created_at        DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL),
    subject_id        TEXT CHECK (subject_id IS NULL OR length(subject_id) BETWEEN 1 AND 64)
);
INSERT INTO notifications_v13 (id, user_id, relationship_id, notification_type, title, message,
                               is_read, priority, created_at, subject_id)
    SELECT id, user_id, relationship_id, notification_type, title, message, is_read, priority,
           created_at, subject_id
    FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_v13 RENAME TO notifications;
CREATE INDEX idx_notifications_user_unread ON notifications (user_id, is_read, created_at);
