-- Better Together, schema version 2: product analytics (spec/erd.md, "Analytics & Events").
-- On a device these hold the person's own, opt-in usage data; the server aggregates what is shared.
-- Never edit this file once released: add a new migration instead.

CREATE TABLE user_sessions (
    id               TEXT PRIMARY KEY NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship_id  TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    session_start    DATETIME NOT NULL CHECK (julianday(session_start) IS NOT NULL),
    session_end      DATETIME CHECK (session_end IS NULL OR julianday(session_end) >= julianday(session_start)),
    duration_seconds INTEGER CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    pages_viewed     INTEGER NOT NULL DEFAULT 0 CHECK (pages_viewed >= 0),
    events_count     INTEGER NOT NULL DEFAULT 0 CHECK (events_count >= 0),
    device_type      TEXT CHECK (device_type IS NULL OR device_type IN ('desktop', 'mobile', 'tablet', 'web', 'cli')),
    converted        BOOLEAN NOT NULL DEFAULT 0 CHECK (converted IN (0, 1))
);
CREATE INDEX idx_user_sessions_user_start ON user_sessions (user_id, session_start);

CREATE TABLE analytics_events (
    id              TEXT PRIMARY KEY NOT NULL,
    event_name      TEXT NOT NULL CHECK (length(event_name) BETWEEN 1 AND 100),
    event_category  TEXT NOT NULL CHECK (event_category IN
        ('navigation', 'engagement', 'checkin', 'activity', 'goal', 'challenge', 'pairing',
         'conversion', 'billing', 'sync', 'system')),
    user_id         TEXT REFERENCES users (id) ON DELETE CASCADE,
    relationship_id TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    session_id      TEXT REFERENCES user_sessions (id) ON DELETE SET NULL,
    event_data      TEXT CHECK (event_data IS NULL OR json_valid(event_data)),
    page_url        TEXT CHECK (page_url IS NULL OR length(page_url) <= 2048),
    device_type     TEXT CHECK (device_type IS NULL OR device_type IN ('desktop', 'mobile', 'tablet', 'web', 'cli')),
    created_at      DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL)
);
CREATE INDEX idx_analytics_events_user ON analytics_events (user_id);
CREATE INDEX idx_analytics_events_category ON analytics_events (event_category);
CREATE INDEX idx_analytics_events_session ON analytics_events (session_id);
CREATE INDEX idx_analytics_events_created ON analytics_events (created_at);

CREATE TABLE page_views (
    id               TEXT PRIMARY KEY NOT NULL,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship_id  TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    session_id       TEXT REFERENCES user_sessions (id) ON DELETE SET NULL,
    page_path        TEXT NOT NULL CHECK (length(page_path) BETWEEN 1 AND 512),
    duration_seconds INTEGER CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    bounce           BOOLEAN NOT NULL DEFAULT 0 CHECK (bounce IN (0, 1)),
    created_at       DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL)
);
CREATE INDEX idx_page_views_session ON page_views (session_id);

CREATE TABLE engagement_scores (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship_id   TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    score_date        DATE NOT NULL CHECK (score_date IS date(score_date)),
    engagement_score  INTEGER NOT NULL CHECK (engagement_score BETWEEN 0 AND 100),
    checkin_completed BOOLEAN NOT NULL DEFAULT 0 CHECK (checkin_completed IN (0, 1)),
    activities_logged INTEGER NOT NULL DEFAULT 0 CHECK (activities_logged >= 0),
    features_used     INTEGER NOT NULL DEFAULT 0 CHECK (features_used >= 0),
    -- One score per person per day.
    UNIQUE (user_id, score_date)
);
CREATE INDEX idx_engagement_scores_user ON engagement_scores (user_id);
CREATE INDEX idx_engagement_scores_date ON engagement_scores (score_date);

CREATE TABLE feature_usage_metrics (
    id                         TEXT PRIMARY KEY NOT NULL,
    feature_name               TEXT NOT NULL CHECK (length(feature_name) BETWEEN 1 AND 100),
    metric_date                DATE NOT NULL CHECK (metric_date IS date(metric_date)),
    total_users                INTEGER NOT NULL DEFAULT 0 CHECK (total_users >= 0),
    active_users               INTEGER NOT NULL DEFAULT 0 CHECK (active_users BETWEEN 0 AND total_users),
    total_interactions         INTEGER NOT NULL DEFAULT 0 CHECK (total_interactions >= 0),
    average_time_spent_seconds DECIMAL(12, 2) CHECK (average_time_spent_seconds IS NULL OR average_time_spent_seconds >= 0),
    completion_rate            DECIMAL(5, 4) CHECK (completion_rate IS NULL OR completion_rate BETWEEN 0 AND 1),
    UNIQUE (feature_name, metric_date)
);

CREATE TABLE revenue_analytics (
    id                         TEXT PRIMARY KEY NOT NULL,
    analytics_date             DATE NOT NULL UNIQUE CHECK (analytics_date IS date(analytics_date)),
    -- Revenue is net of refunds, so a day with more refunds than sales is negative.
    subscription_revenue_cents INTEGER NOT NULL DEFAULT 0,
    credits_revenue_cents      INTEGER NOT NULL DEFAULT 0,
    total_revenue_cents        INTEGER NOT NULL DEFAULT 0,
    new_subscriptions          INTEGER NOT NULL DEFAULT 0 CHECK (new_subscriptions >= 0),
    canceled_subscriptions     INTEGER NOT NULL DEFAULT 0 CHECK (canceled_subscriptions >= 0),
    mrr_cents                  INTEGER NOT NULL DEFAULT 0 CHECK (mrr_cents >= 0),
    arr_cents                  INTEGER NOT NULL DEFAULT 0 CHECK (arr_cents >= 0),
    CHECK (total_revenue_cents = subscription_revenue_cents + credits_revenue_cents),
    CHECK (arr_cents = mrr_cents * 12)
);

-- Not drawn in the spec's diagrams, only named in its "Analytics Aggregation Flow" ("Update cohorts").
-- Design (docs/schema.md): people grouped by the ISO week of sign-up (cohort_week is that week's Monday);
-- one row per cohort and week offset, holding how many of the cohort were active in that week.
CREATE TABLE user_cohorts (
    id                 TEXT PRIMARY KEY NOT NULL,
    cohort_week        DATE NOT NULL CHECK (cohort_week IS date(cohort_week) AND strftime('%w', cohort_week) = '1'),
    weeks_since_signup INTEGER NOT NULL CHECK (weeks_since_signup BETWEEN 0 AND 520),
    cohort_size        INTEGER NOT NULL CHECK (cohort_size >= 0),
    active_users       INTEGER NOT NULL CHECK (active_users BETWEEN 0 AND cohort_size),
    paying_users       INTEGER NOT NULL DEFAULT 0 CHECK (paying_users BETWEEN 0 AND cohort_size),
    retention_rate     DECIMAL(5, 4) NOT NULL CHECK (retention_rate BETWEEN 0 AND 1),
    computed_at        DATETIME NOT NULL CHECK (julianday(computed_at) IS NOT NULL),
    UNIQUE (cohort_week, weeks_since_signup)
);
