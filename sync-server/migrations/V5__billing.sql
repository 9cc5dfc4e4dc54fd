-- together-server, schema version 5: billing. The spec's billing tables (plans, add-ons,
-- subscriptions, payments, AI credits, discount codes, Stripe webhooks, revenue analytics, analytics
-- events) with the columns the server needs beyond the spec, each commented. One subscription
-- covers a couple: it belongs to a relationship. Never edit this file once released.

CREATE TABLE subscription_plans (
    id              TEXT PRIMARY KEY NOT NULL,
    plan_name       TEXT NOT NULL CHECK (length(trim(plan_name)) BETWEEN 1 AND 100),
    plan_type       TEXT NOT NULL CHECK (plan_type IN ('free', 'premium', 'premium_plus', 'lifetime')),
    billing_period  TEXT NOT NULL CHECK (billing_period IN ('month', 'year', 'one_time')),
    price_cents     INTEGER NOT NULL CHECK (price_cents >= 0),
    price_display   TEXT CHECK (price_display IS NULL OR length(price_display) <= 40),
    stripe_price_id TEXT UNIQUE,
    is_active       BOOLEAN NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    sort_order      INTEGER NOT NULL DEFAULT 0,
    -- Beyond the spec: ISO currency (lower case) and what the plan includes, as a JSON array.
    currency        TEXT NOT NULL DEFAULT 'usd' CHECK (length(currency) = 3),
    features        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(features))
);

CREATE TABLE subscriptions (
    id                     TEXT PRIMARY KEY NOT NULL,
    relationship_id        TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    plan_id                TEXT REFERENCES subscription_plans (id) ON DELETE RESTRICT,
    -- The payer.
    user_id                TEXT REFERENCES users (id) ON DELETE SET NULL,
    stripe_customer_id     TEXT,
    stripe_subscription_id TEXT UNIQUE,
    status                 TEXT NOT NULL CHECK (status IN
        ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
    billing_period         TEXT NOT NULL CHECK (billing_period IN ('month', 'year', 'one_time')),
    price_cents            INTEGER NOT NULL CHECK (price_cents >= 0),
    current_period_start   DATETIME,
    current_period_end     DATETIME,
    is_gift                BOOLEAN NOT NULL DEFAULT 0 CHECK (is_gift IN (0, 1)),
    gift_from_user_id      TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- Beyond the spec: Stripe's flag, the time of the Stripe state applied (event or retrieval,
    -- Unix seconds: older states never overwrite newer ones) and bookkeeping.
    cancel_at_period_end   BOOLEAN NOT NULL DEFAULT 0 CHECK (cancel_at_period_end IN (0, 1)),
    stripe_state_at        INTEGER NOT NULL DEFAULT 0,
    canceled_at            DATETIME,
    created_at             DATETIME NOT NULL,
    updated_at             DATETIME NOT NULL,
    CHECK (is_gift = 1 OR gift_from_user_id IS NULL)
);
CREATE INDEX idx_subscriptions_relationship ON subscriptions (relationship_id, status);
CREATE INDEX idx_subscriptions_customer ON subscriptions (stripe_customer_id);

CREATE TABLE payment_transactions (
    id                       TEXT PRIMARY KEY NOT NULL,
    subscription_id          TEXT REFERENCES subscriptions (id) ON DELETE SET NULL,
    user_id                  TEXT REFERENCES users (id) ON DELETE SET NULL,
    relationship_id          TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    -- Stripe's payment (payment intent, or the invoice when it has none): one row per payment.
    stripe_payment_intent_id TEXT UNIQUE,
    transaction_type         TEXT NOT NULL CHECK (transaction_type IN
        ('subscription', 'ai_credits', 'addon', 'gift', 'refund')),
    amount_cents             INTEGER NOT NULL CHECK (amount_cents >= 0),
    status                   TEXT NOT NULL CHECK (status IN
        ('pending', 'requires_action', 'succeeded', 'failed', 'refunded', 'partially_refunded', 'canceled')),
    payment_method           TEXT,
    created_at               DATETIME NOT NULL,
    -- Beyond the spec: the Stripe subscription an invoice payment belongs to, so a payment that
    -- arrives before its subscription is linked once the subscription is known.
    stripe_subscription_id   TEXT
);
CREATE INDEX idx_payment_transactions_stripe_subscription ON payment_transactions (stripe_subscription_id);
CREATE INDEX idx_payment_transactions_created ON payment_transactions (created_at);

-- A ledger: one row per movement; credits_balance is the balance after it, never negative.
CREATE TABLE ai_credits (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship_id   TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    transaction_type  TEXT NOT NULL CHECK (transaction_type IN ('purchase', 'grant', 'spend', 'refund', 'expire')),
    credits_amount    INTEGER NOT NULL CHECK (credits_amount <> 0),
    credits_balance   INTEGER NOT NULL CHECK (credits_balance >= 0),
    stripe_payment_id TEXT,
    -- Beyond the spec: the idempotency key of a spend (the client's request id) or of a purchase
    -- (the checkout session), and when.
    request_id        TEXT UNIQUE,
    created_at        DATETIME NOT NULL
);
CREATE INDEX idx_ai_credits_user ON ai_credits (user_id, created_at);

CREATE TABLE subscription_addons (
    id              TEXT PRIMARY KEY NOT NULL,
    addon_name      TEXT NOT NULL CHECK (length(trim(addon_name)) BETWEEN 1 AND 100),
    addon_type      TEXT NOT NULL CHECK (addon_type IN ('feature', 'content_pack', 'ai_credits', 'theme')),
    price_cents     INTEGER NOT NULL CHECK (price_cents >= 0),
    stripe_price_id TEXT UNIQUE,
    -- Beyond the spec: credits granted by an ai_credits pack.
    credits         INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0)
);

CREATE TABLE user_addons (
    id                     TEXT PRIMARY KEY NOT NULL,
    user_id                TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    addon_id               TEXT NOT NULL REFERENCES subscription_addons (id) ON DELETE RESTRICT,
    stripe_subscription_id TEXT,
    status                 TEXT NOT NULL CHECK (status IN ('active', 'canceled', 'expired', 'refunded')),
    purchase_date          DATETIME NOT NULL
);

CREATE TABLE discount_codes (
    id             TEXT PRIMARY KEY NOT NULL,
    code           TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(code) BETWEEN 3 AND 40),
    discount_type  TEXT NOT NULL CHECK (discount_type IN ('percent', 'amount')),
    discount_value INTEGER NOT NULL CHECK (discount_value > 0 AND (discount_type <> 'percent' OR discount_value <= 100)),
    max_uses       INTEGER CHECK (max_uses IS NULL OR max_uses >= 1),
    -- The database itself refuses more uses than allowed.
    current_uses   INTEGER NOT NULL DEFAULT 0 CHECK (current_uses >= 0 AND (max_uses IS NULL OR current_uses <= max_uses)),
    valid_until    DATETIME,
    -- Beyond the spec: the Stripe coupon applied at checkout, when the operator made one.
    stripe_coupon_id TEXT
);

CREATE TABLE discount_usage (
    id                    TEXT PRIMARY KEY NOT NULL,
    discount_id           TEXT NOT NULL REFERENCES discount_codes (id) ON DELETE RESTRICT,
    user_id               TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    discount_amount_cents INTEGER NOT NULL CHECK (discount_amount_cents >= 0),
    used_at               DATETIME NOT NULL,
    UNIQUE (discount_id, user_id)
);

CREATE TABLE stripe_webhooks (
    id          TEXT PRIMARY KEY NOT NULL,
    event_id    TEXT NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 1 AND 255),
    event_type  TEXT NOT NULL CHECK (length(event_type) BETWEEN 1 AND 255),
    event_data  TEXT NOT NULL CHECK (json_valid(event_data)),
    processed   BOOLEAN NOT NULL DEFAULT 0 CHECK (processed IN (0, 1)),
    retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    -- Beyond the spec: when it arrived and the last processing error (for operators).
    received_at DATETIME NOT NULL,
    last_error  TEXT
);

CREATE TABLE revenue_analytics (
    id                       TEXT PRIMARY KEY NOT NULL,
    analytics_date           DATE NOT NULL UNIQUE,
    subscription_revenue_cents INTEGER NOT NULL DEFAULT 0,
    credits_revenue_cents    INTEGER NOT NULL DEFAULT 0,
    total_revenue_cents      INTEGER NOT NULL DEFAULT 0,
    new_subscriptions        INTEGER NOT NULL DEFAULT 0,
    canceled_subscriptions   INTEGER NOT NULL DEFAULT 0,
    mrr_cents                INTEGER NOT NULL DEFAULT 0,
    arr_cents                INTEGER NOT NULL DEFAULT 0
);

-- The server's own analytics events (conversions); session_id has no sessions table here.
CREATE TABLE analytics_events (
    id              TEXT PRIMARY KEY NOT NULL,
    event_name      TEXT NOT NULL,
    event_category  TEXT NOT NULL,
    user_id         TEXT REFERENCES users (id) ON DELETE SET NULL,
    relationship_id TEXT REFERENCES relationships (id) ON DELETE SET NULL,
    session_id      TEXT,
    event_data      TEXT CHECK (event_data IS NULL OR json_valid(event_data)),
    page_url        TEXT,
    device_type     TEXT,
    created_at      DATETIME NOT NULL
);
CREATE INDEX idx_analytics_events_name ON analytics_events (event_name, created_at);
