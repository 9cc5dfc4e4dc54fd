-- Opt-in usage aggregates (#15 §2) and weekly sign-up cohorts. Nothing here names a person,
-- a couple or a device except `account_active_weeks`, which only says in which ISO weeks an
-- account's devices were seen (what the server knows anyway from `devices.last_seen_at`).

-- One device's report of one day, one row per feature: keyed by the report's random per-day
-- token, never by an account. A second report with the same day and token replaces the first.
-- Rows older than 9 days are deleted once folded into `feature_usage_metrics`.
CREATE TABLE usage_reports (
    day          TEXT NOT NULL CHECK (day IS date(day)),
    token        TEXT NOT NULL CHECK (length(token) = 43),
    feature      TEXT NOT NULL CHECK (length(feature) BETWEEN 1 AND 40),
    interactions INTEGER NOT NULL CHECK (interactions BETWEEN 0 AND 10000),
    seconds      INTEGER NOT NULL CHECK (seconds BETWEEN 0 AND 86400),
    completed    INTEGER NOT NULL CHECK (completed IN (0, 1)),
    PRIMARY KEY (day, token, feature)
) WITHOUT ROWID;

-- The client's V2 table, on the server: per feature and day, folded from `usage_reports`.
-- Readers see only rows with total_users at or above the k-threshold (storage::rules::usage).
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

-- The weeks (their Mondays) in which an account's devices made an authenticated request:
-- written at most once per account and week by each instance.
CREATE TABLE account_active_weeks (
    account_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    week       TEXT NOT NULL CHECK (week IS date(week)),
    PRIMARY KEY (account_id, week)
) WITHOUT ROWID;

-- The client's V2 table (design in docs/schema.md): accounts grouped by the ISO week of their
-- creation; per week since, how many were active and how many paying.
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
