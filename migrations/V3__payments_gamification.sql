-- Better Together, schema version 3: payments (spec/erd.md, "Payment System", with the columns the
-- "Core Relationships" diagram adds) and gamification ("Gamification & Content").
-- The server owns the billing tables; a device keeps a read-only mirror of what it needs.
-- Never edit this file once released: add a new migration instead.

CREATE TABLE subscription_plans (
    id              TEXT PRIMARY KEY NOT NULL,
    plan_name       TEXT NOT NULL CHECK (length(trim(plan_name)) BETWEEN 1 AND 100),
    plan_type       TEXT NOT NULL CHECK (plan_type IN ('free', 'premium', 'premium_plus', 'lifetime')),
    billing_period  TEXT NOT NULL CHECK (billing_period IN ('month', 'year', 'one_time')),
    price_cents     INTEGER NOT NULL CHECK (price_cents >= 0),
    price_display   TEXT CHECK (price_display IS NULL OR length(price_display) <= 40),
    stripe_price_id TEXT UNIQUE,
    is_active       BOOLEAN NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    sort_order      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE subscriptions (
    id                     TEXT PRIMARY KEY NOT NULL,
    relationship_id        TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    plan_id                TEXT NOT NULL REFERENCES subscription_plans (id) ON DELETE RESTRICT,
    -- The payer: the person who bought it (for a gift, the recipient's side is relationship_id).
    user_id                TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    stripe_customer_id     TEXT,
    stripe_subscription_id TEXT UNIQUE,
    status                 TEXT NOT NULL CHECK (status IN
        ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
    billing_period         TEXT NOT NULL CHECK (billing_period IN ('month', 'year', 'one_time')),
    price_cents            INTEGER NOT NULL CHECK (price_cents >= 0),
    current_period_start   DATETIME CHECK (current_period_start IS NULL OR julianday(current_period_start) IS NOT NULL),
    current_period_end     DATETIME CHECK (current_period_end IS NULL OR julianday(current_period_end) IS NOT NULL),
    is_gift                BOOLEAN NOT NULL DEFAULT 0 CHECK (is_gift IN (0, 1)),
    gift_from_user_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    CHECK (current_period_start IS NULL OR current_period_end IS NULL
           OR julianday(current_period_end) >= julianday(current_period_start)),
    CHECK (is_gift = 1 OR gift_from_user_id IS NULL)
);
CREATE INDEX idx_subscriptions_user ON subscriptions (user_id);
CREATE INDEX idx_subscriptions_status ON subscriptions (status);
CREATE INDEX idx_subscriptions_stripe_customer ON subscriptions (stripe_customer_id);
CREATE INDEX idx_subscriptions_period_end ON subscriptions (current_period_end);
CREATE INDEX idx_subscriptions_relationship ON subscriptions (relationship_id, status);

CREATE TABLE payment_transactions (
    id                       TEXT PRIMARY KEY NOT NULL,
    subscription_id          TEXT REFERENCES subscriptions (id) ON DELETE SET NULL,
    user_id                  TEXT NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    relationship_id          TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    stripe_payment_intent_id TEXT UNIQUE,
    transaction_type         TEXT NOT NULL CHECK (transaction_type IN
        ('subscription', 'ai_credits', 'addon', 'gift', 'refund')),
    -- Always positive; a refund is its own row of type 'refund'.
    amount_cents             INTEGER NOT NULL CHECK (amount_cents >= 0),
    status                   TEXT NOT NULL CHECK (status IN
        ('pending', 'requires_action', 'succeeded', 'failed', 'refunded', 'partially_refunded', 'canceled')),
    payment_method           TEXT CHECK (payment_method IS NULL OR length(payment_method) <= 64),
    created_at               DATETIME NOT NULL CHECK (julianday(created_at) IS NOT NULL)
);
CREATE INDEX idx_payment_transactions_user ON payment_transactions (user_id);
CREATE INDEX idx_payment_transactions_subscription ON payment_transactions (subscription_id);
CREATE INDEX idx_payment_transactions_status ON payment_transactions (status);
CREATE INDEX idx_payment_transactions_created ON payment_transactions (created_at);

-- A ledger: one row per movement; credits_balance is the balance after that movement.
CREATE TABLE ai_credits (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship_id   TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    transaction_type  TEXT NOT NULL CHECK (transaction_type IN ('purchase', 'grant', 'spend', 'refund', 'expire')),
    credits_amount    INTEGER NOT NULL CHECK (
        (transaction_type IN ('purchase', 'grant') AND credits_amount > 0) OR
        (transaction_type IN ('spend', 'expire') AND credits_amount < 0) OR
        (transaction_type = 'refund' AND credits_amount <> 0)),
    credits_balance   INTEGER NOT NULL CHECK (credits_balance >= 0),
    stripe_payment_id TEXT REFERENCES payment_transactions (stripe_payment_intent_id) ON DELETE SET NULL
);
CREATE INDEX idx_ai_credits_user ON ai_credits (user_id);

CREATE TABLE subscription_addons (
    id              TEXT PRIMARY KEY NOT NULL,
    addon_name      TEXT NOT NULL CHECK (length(trim(addon_name)) BETWEEN 1 AND 100),
    addon_type      TEXT NOT NULL CHECK (addon_type IN ('feature', 'content_pack', 'ai_credits', 'theme')),
    price_cents     INTEGER NOT NULL CHECK (price_cents >= 0),
    stripe_price_id TEXT UNIQUE
);

CREATE TABLE user_addons (
    id                     TEXT PRIMARY KEY NOT NULL,
    user_id                TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    addon_id               TEXT NOT NULL REFERENCES subscription_addons (id) ON DELETE RESTRICT,
    stripe_subscription_id TEXT,
    status                 TEXT NOT NULL CHECK (status IN ('active', 'canceled', 'expired', 'refunded')),
    purchase_date          DATETIME NOT NULL CHECK (julianday(purchase_date) IS NOT NULL)
);
CREATE INDEX idx_user_addons_user ON user_addons (user_id);

CREATE TABLE discount_codes (
    id             TEXT PRIMARY KEY NOT NULL,
    -- Codes are typed by people: unique regardless of case.
    code           TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(code) BETWEEN 3 AND 40),
    discount_type  TEXT NOT NULL CHECK (discount_type IN ('percent', 'amount')),
    discount_value INTEGER NOT NULL CHECK (discount_value > 0 AND (discount_type <> 'percent' OR discount_value <= 100)),
    -- NULL: unlimited.
    max_uses       INTEGER CHECK (max_uses IS NULL OR max_uses >= 1),
    current_uses   INTEGER NOT NULL DEFAULT 0 CHECK (current_uses >= 0 AND (max_uses IS NULL OR current_uses <= max_uses)),
    valid_until    DATETIME CHECK (valid_until IS NULL OR julianday(valid_until) IS NOT NULL)
);

CREATE TABLE discount_usage (
    id                    TEXT PRIMARY KEY NOT NULL,
    discount_id           TEXT NOT NULL REFERENCES discount_codes (id) ON DELETE RESTRICT,
    user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    discount_amount_cents INTEGER NOT NULL CHECK (discount_amount_cents >= 0),
    used_at               DATETIME NOT NULL CHECK (julianday(used_at) IS NOT NULL),
    -- A person redeems a given code once.
    UNIQUE (discount_id, user_id)
);

CREATE TABLE stripe_webhooks (
    id          TEXT PRIMARY KEY NOT NULL,
    event_id    TEXT NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 1 AND 255),
    event_type  TEXT NOT NULL CHECK (length(event_type) BETWEEN 1 AND 255),
    event_data  TEXT NOT NULL CHECK (json_valid(event_data)),
    processed   BOOLEAN NOT NULL DEFAULT 0 CHECK (processed IN (0, 1)),
    retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0)
);

CREATE TABLE challenges (
    id               TEXT PRIMARY KEY NOT NULL,
    challenge_name   TEXT NOT NULL CHECK (length(trim(challenge_name)) BETWEEN 1 AND 200),
    challenge_type   TEXT NOT NULL CHECK (challenge_type IN ('daily', 'weekly', 'one_time', 'streak')),
    difficulty_level TEXT NOT NULL CHECK (difficulty_level IN ('easy', 'medium', 'hard')),
    category         TEXT NOT NULL CHECK (category IN
        ('communication', 'gratitude', 'quality_time', 'adventure', 'intimacy', 'growth', 'wellness', 'fun')),
    instructions     TEXT NOT NULL CHECK (length(instructions) BETWEEN 1 AND 4000),
    is_template      BOOLEAN NOT NULL DEFAULT 1 CHECK (is_template IN (0, 1))
);

CREATE TABLE challenge_participation (
    id                  TEXT PRIMARY KEY NOT NULL,
    relationship_id     TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    challenge_id        TEXT NOT NULL REFERENCES challenges (id) ON DELETE RESTRICT,
    start_date          DATE NOT NULL CHECK (start_date IS date(start_date)),
    target_end_date     DATE CHECK (target_end_date IS NULL OR (target_end_date IS date(target_end_date) AND target_end_date >= start_date)),
    status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'abandoned')),
    progress_percentage INTEGER NOT NULL DEFAULT 0 CHECK (progress_percentage BETWEEN 0 AND 100)
);
CREATE INDEX idx_challenge_participation_relationship ON challenge_participation (relationship_id, status);

CREATE TABLE challenge_entries (
    id                TEXT PRIMARY KEY NOT NULL,
    participation_id  TEXT NOT NULL REFERENCES challenge_participation (id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    entry_date        DATE NOT NULL CHECK (entry_date IS date(entry_date)),
    entry_content     TEXT CHECK (entry_content IS NULL OR length(entry_content) <= 4000),
    completion_status BOOLEAN NOT NULL DEFAULT 0 CHECK (completion_status IN (0, 1))
);
CREATE INDEX idx_challenge_entries_participation ON challenge_entries (participation_id, entry_date);

CREATE TABLE achievements (
    id               TEXT PRIMARY KEY NOT NULL,
    achievement_name TEXT NOT NULL CHECK (length(trim(achievement_name)) BETWEEN 1 AND 200),
    achievement_type TEXT NOT NULL CHECK (achievement_type IN
        ('checkin', 'streak', 'activity', 'goal', 'challenge', 'communication', 'milestone')),
    category         TEXT NOT NULL CHECK (category IN ('consistency', 'connection', 'adventure', 'growth', 'celebration')),
    point_value      INTEGER NOT NULL DEFAULT 0 CHECK (point_value BETWEEN 0 AND 10000),
    is_active        BOOLEAN NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1))
);

CREATE TABLE user_achievements (
    id                TEXT PRIMARY KEY NOT NULL,
    relationship_id   TEXT NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    achievement_id    TEXT NOT NULL REFERENCES achievements (id) ON DELETE RESTRICT,
    earned_by_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    earned_date       DATETIME NOT NULL CHECK (julianday(earned_date) IS NOT NULL),
    -- Awarded once per couple, even when both devices compute it offline.
    UNIQUE (relationship_id, achievement_id)
);
