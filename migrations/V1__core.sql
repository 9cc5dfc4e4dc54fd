-- Better Together, schema version 1: the couple's core data (spec/erd.md, "Core Relationships",
-- "Gamification & Content" notifications and important dates, "Communication & Activity").
--
-- Conventions (docs/schema.md):
--   * ids are TEXT (UUID strings); declared types follow the spec (DATE, DATETIME, BOOLEAN, DECIMAL);
--   * DATE is 'YYYY-MM-DD'; DATETIME is RFC 3339 UTC, e.g. '2026-11-25T12:00:00.000Z';
--   * BOOLEAN is 0 or 1; enumerations and ranges are CHECK constraints, documented in docs/schema.md.
-- Never edit this file once released: add a new migration instead.

CREATE TABLE users (
    id                       TEXT PRIMARY KEY NOT NULL,
    email                    TEXT,
    name                     TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 80),
    nickname                 TEXT CHECK (nickname IS NULL OR length(nickname) <= 80),
    profile_photo_url        TEXT CHECK (profile_photo_url IS NULL OR length(profile_photo_url) <= 2048),
    phone_number             TEXT CHECK (phone_number IS NULL OR length(phone_number) <= 32),
    timezone                 TEXT NOT NULL DEFAULT 'UTC' CHECK (length(timezone) BETWEEN 1 AND 64),
    love_language_primary    TEXT CHECK (love_language_primary IN
        ('words_of_affirmation', 'quality_time', 'receiving_gifts', 'acts_of_service', 'physical_touch')),
    love_language_secondary  TEXT CHECK (love_language_secondary IN
        ('words_of_affirmation', 'quality_time', 'receiving_gifts', 'acts_of_service', 'physical_touch')),
    relationship_preferences TEXT CHECK (relationship_preferences IS NULL OR json_valid(relationship_preferences)),
    created_at               DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL),
    updated_at               DATETIME NOT NULL CHECK (julianday(updated_at) IS NOT NULL),
    last_active_at           DATETIME CHECK (last_active_at IS NULL OR julianday(last_active_at) IS NOT NULL),
    CHECK (email IS NULL OR (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'))
);
-- The spec's "email UK": unique regardless of case, so Alice@x and alice@x are one account.
CREATE UNIQUE INDEX idx_users_email ON users (email COLLATE NOCASE);

CREATE TABLE relationships (
    id                TEXT PRIMARY KEY NOT NULL,
    user_1_id         TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    -- NULL until the partner joins: a person can use the app alone first.
    user_2_id         TEXT REFERENCES users (id) ON DELETE SET NULL,
    relationship_type TEXT NOT NULL DEFAULT 'dating' CHECK (relationship_type IN
        ('dating', 'engaged', 'married', 'domestic_partnership', 'long_distance', 'other')),
    start_date        DATE CHECK (start_date IS NULL OR start_date IS date(start_date)),
    anniversary_date  DATE CHECK (anniversary_date IS NULL OR anniversary_date IS date(anniversary_date)),
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'paused', 'ended')),
    privacy_level     TEXT NOT NULL DEFAULT 'balanced' CHECK (privacy_level IN ('private', 'balanced', 'open')),
    created_at        DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL),
    updated_at        DATETIME NOT NULL CHECK (julianday(updated_at) IS NOT NULL),
    CHECK (user_2_id IS NULL OR user_2_id <> user_1_id)
);
CREATE INDEX idx_relationships_users ON relationships (user_1_id, user_2_id);
-- Companion of idx_relationships_users: finds the relationships where a person is the second partner.
CREATE INDEX idx_relationships_user_2 ON relationships (user_2_id);
CREATE INDEX idx_relationships_status ON relationships (status);

CREATE TABLE daily_checkins (
    id                        TEXT PRIMARY KEY NOT NULL,
    relationship_id           TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    user_id                   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    checkin_date              DATE NOT NULL CHECK (checkin_date IS date(checkin_date)),
    connection_score          INTEGER NOT NULL CHECK (connection_score BETWEEN 1 AND 10),
    mood_score                INTEGER NOT NULL CHECK (mood_score BETWEEN 1 AND 10),
    relationship_satisfaction INTEGER NOT NULL CHECK (relationship_satisfaction BETWEEN 1 AND 10),
    gratitude_note            TEXT CHECK (gratitude_note IS NULL OR length(gratitude_note) <= 2000),
    created_at                DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL),
    -- One check-in per partner per day (on that partner's own local date); a second one edits the first.
    UNIQUE (relationship_id, user_id, checkin_date)
);
CREATE INDEX idx_daily_checkins_relationship_date ON daily_checkins (relationship_id, checkin_date);

CREATE TABLE activities (
    id                        TEXT PRIMARY KEY NOT NULL,
    relationship_id           TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    activity_name             TEXT NOT NULL CHECK (length(trim(activity_name)) BETWEEN 1 AND 200),
    activity_type             TEXT NOT NULL DEFAULT 'other' CHECK (activity_type IN
        ('date_night', 'outdoors', 'travel', 'at_home', 'creative', 'fitness', 'learning', 'social',
         'self_care', 'other')),
    planned_date              DATETIME CHECK (planned_date IS NULL OR julianday(planned_date) IS NOT NULL),
    completed_date            DATETIME CHECK (completed_date IS NULL OR julianday(completed_date) IS NOT NULL),
    duration_minutes          INTEGER CHECK (duration_minutes IS NULL OR duration_minutes BETWEEN 0 AND 20160),
    cost_amount               DECIMAL(12, 2) CHECK (cost_amount IS NULL OR cost_amount >= 0),
    satisfaction_rating_user1 INTEGER CHECK (satisfaction_rating_user1 IS NULL OR satisfaction_rating_user1 BETWEEN 1 AND 5),
    satisfaction_rating_user2 INTEGER CHECK (satisfaction_rating_user2 IS NULL OR satisfaction_rating_user2 BETWEEN 1 AND 5),
    status                    TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('idea', 'planned', 'completed', 'cancelled')),
    CHECK (status <> 'completed' OR completed_date IS NOT NULL)
);
CREATE INDEX idx_activities_relationship_status ON activities (relationship_id, status);

CREATE TABLE shared_goals (
    id               TEXT PRIMARY KEY NOT NULL,
    relationship_id  TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    goal_name        TEXT NOT NULL CHECK (length(trim(goal_name)) BETWEEN 1 AND 200),
    goal_type        TEXT NOT NULL DEFAULT 'other' CHECK (goal_type IN
        ('habit', 'milestone', 'experience', 'financial', 'health', 'communication', 'other')),
    target_count     INTEGER NOT NULL CHECK (target_count BETWEEN 1 AND 1000000),
    current_progress INTEGER NOT NULL DEFAULT 0 CHECK (current_progress >= 0),
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'paused', 'abandoned')),
    start_date       DATE CHECK (start_date IS NULL OR start_date IS date(start_date)),
    target_date      DATE CHECK (target_date IS NULL OR target_date IS date(target_date)),
    CHECK (start_date IS NULL OR target_date IS NULL OR target_date >= start_date)
);
CREATE INDEX idx_shared_goals_relationship ON shared_goals (relationship_id, status);

CREATE TABLE important_dates (
    id                   TEXT PRIMARY KEY NOT NULL,
    relationship_id      TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    date_value           DATE NOT NULL CHECK (date_value IS date(date_value)),
    event_name           TEXT NOT NULL CHECK (length(trim(event_name)) BETWEEN 1 AND 200),
    event_type           TEXT NOT NULL DEFAULT 'other' CHECK (event_type IN
        ('anniversary', 'birthday', 'first_date', 'holiday', 'milestone', 'trip', 'other')),
    is_recurring         BOOLEAN NOT NULL DEFAULT 0 CHECK (is_recurring IN (0, 1)),
    reminder_days_before INTEGER CHECK (reminder_days_before IS NULL OR reminder_days_before BETWEEN 0 AND 365)
);
CREATE INDEX idx_important_dates_relationship ON important_dates (relationship_id, date_value);

CREATE TABLE communication_log (
    id                   TEXT PRIMARY KEY NOT NULL,
    relationship_id      TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    communication_type   TEXT NOT NULL CHECK (communication_type IN
        ('daily_talk', 'deep_conversation', 'conflict_resolution', 'planning', 'appreciation',
         'check_in', 'other')),
    topic                TEXT CHECK (topic IS NULL OR length(topic) <= 200),
    outcome              TEXT CHECK (outcome IS NULL OR outcome IN
        ('positive', 'neutral', 'resolved', 'unresolved', 'needs_follow_up')),
    duration_minutes     INTEGER CHECK (duration_minutes IS NULL OR duration_minutes BETWEEN 0 AND 1440),
    initiated_by_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    communication_date   DATETIME NOT NULL CHECK (julianday(communication_date) IS NOT NULL),
    follow_up_needed     BOOLEAN NOT NULL DEFAULT 0 CHECK (follow_up_needed IN (0, 1))
);
CREATE INDEX idx_communication_log_relationship_date ON communication_log (relationship_id, communication_date);

CREATE TABLE relationship_analytics (
    id                              TEXT PRIMARY KEY NOT NULL,
    relationship_id                 TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    analytics_date                  DATE NOT NULL CHECK (analytics_date IS date(analytics_date)),
    days_together                   INTEGER CHECK (days_together IS NULL OR days_together >= 0),
    average_connection_score        DECIMAL(4, 2) CHECK (average_connection_score IS NULL OR average_connection_score BETWEEN 1 AND 10),
    average_satisfaction_score      DECIMAL(4, 2) CHECK (average_satisfaction_score IS NULL OR average_satisfaction_score BETWEEN 1 AND 10),
    checkin_streak                  INTEGER NOT NULL DEFAULT 0 CHECK (checkin_streak >= 0),
    activities_completed_this_month INTEGER NOT NULL DEFAULT 0 CHECK (activities_completed_this_month >= 0),
    overall_health_score            DECIMAL(5, 2) CHECK (overall_health_score IS NULL OR overall_health_score BETWEEN 0 AND 100),
    -- One summary per couple per day.
    UNIQUE (relationship_id, analytics_date)
);

CREATE TABLE notifications (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship_id   TEXT REFERENCES relationships (id) ON DELETE CASCADE,
    notification_type TEXT NOT NULL CHECK (notification_type IN
        ('partner_checkin', 'activity_planned', 'activity_rated', 'goal_progress', 'goal_reached',
         'date_reminder', 'achievement_earned', 'challenge_update', 'invitation', 'partner_joined',
         'billing', 'system')),
    title             TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    message           TEXT NOT NULL CHECK (length(message) <= 2000),
    is_read           BOOLEAN NOT NULL DEFAULT 0 CHECK (is_read IN (0, 1)),
    priority          TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    created_at        DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL)
);
CREATE INDEX idx_notifications_user_unread ON notifications (user_id, is_read, created_at);
