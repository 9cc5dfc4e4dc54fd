-- Opt-in usage aggregates (#15 §2) and weekly sign-up cohorts (SQLite's V13). Nothing here names
-- a person, a couple or a device except `account_active_weeks`, which only says in which ISO
-- weeks an account's devices were seen.

-- One device's report of one day, one row per feature, keyed by its random per-day token.
CREATE TABLE usage_reports (
    day          TEXT COLLATE "C" NOT NULL,
    token        TEXT COLLATE "C" NOT NULL CHECK (length(token) = 43),
    feature      TEXT COLLATE "C" NOT NULL CHECK (length(feature) BETWEEN 1 AND 40),
    interactions INTEGER NOT NULL CHECK (interactions BETWEEN 0 AND 10000),
    seconds      INTEGER NOT NULL CHECK (seconds BETWEEN 0 AND 86400),
    completed    INTEGER NOT NULL CHECK (completed IN (0, 1)),
    PRIMARY KEY (day, token, feature)
);

-- Per feature and day, folded from `usage_reports`; read only through the k-threshold.
CREATE TABLE feature_usage_metrics (
    id                         TEXT COLLATE "C" PRIMARY KEY,
    feature_name               TEXT COLLATE "C" NOT NULL CHECK (length(feature_name) BETWEEN 1 AND 100),
    metric_date                TEXT COLLATE "C" NOT NULL,
    total_users                BIGINT NOT NULL DEFAULT 0 CHECK (total_users >= 0),
    active_users               BIGINT NOT NULL DEFAULT 0 CHECK (active_users BETWEEN 0 AND total_users),
    total_interactions         BIGINT NOT NULL DEFAULT 0 CHECK (total_interactions >= 0),
    average_time_spent_seconds DOUBLE PRECISION CHECK (average_time_spent_seconds IS NULL OR average_time_spent_seconds >= 0),
    completion_rate            DOUBLE PRECISION CHECK (completion_rate IS NULL OR completion_rate BETWEEN 0 AND 1),
    UNIQUE (feature_name, metric_date)
);

-- The weeks (their Mondays) in which an account's devices made an authenticated request.
CREATE TABLE account_active_weeks (
    account_id TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    week       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (account_id, week)
);

-- Accounts grouped by the ISO week of their creation; per week since, active and paying.
CREATE TABLE user_cohorts (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    cohort_week        TEXT COLLATE "C" NOT NULL,
    weeks_since_signup BIGINT NOT NULL CHECK (weeks_since_signup BETWEEN 0 AND 520),
    cohort_size        BIGINT NOT NULL CHECK (cohort_size >= 0),
    active_users       BIGINT NOT NULL CHECK (active_users BETWEEN 0 AND cohort_size),
    paying_users       BIGINT NOT NULL DEFAULT 0 CHECK (paying_users BETWEEN 0 AND cohort_size),
    retention_rate     DOUBLE PRECISION NOT NULL CHECK (retention_rate BETWEEN 0 AND 1),
    computed_at        TEXT COLLATE "C" NOT NULL,
    UNIQUE (cohort_week, weeks_since_signup)
);
