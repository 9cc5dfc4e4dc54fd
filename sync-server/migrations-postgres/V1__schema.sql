-- together-server on PostgreSQL, schema version 1: the end state of the SQLite migrations V1–V9
-- (sync-server/migrations/) in one step, with PostgreSQL's types: times stay RFC 3339 text (the
-- server compares them as text), binary is BYTEA, flags BOOLEAN, integers BIGINT. Every text
-- column uses the "C" collation, so comparisons and ordering are by bytes as in SQLite, whatever
-- the database's default locale. Never edit this file once released: add a new migration instead.

-- Facts about this server (its id, the entitlement signing key).
CREATE TABLE server_info (
    key        TEXT COLLATE "C" PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 100),
    value      TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL CHECK (updated_at ~ '^\d{4}-\d{2}-\d{2}T')
);
-- A stable identity for this database, so clients can tell a reset server from the one they knew.
INSERT INTO server_info (key, value, updated_at)
VALUES ('instance_id', replace(gen_random_uuid()::text, '-', ''),
        to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));

-- People with an account. stored_bytes: the ciphertext their devices uploaded that is still stored
-- (the quota; see storage/quota.rs).
CREATE TABLE users (
    id           TEXT COLLATE "C" PRIMARY KEY,
    email        TEXT COLLATE "C" NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    name         TEXT COLLATE "C" CHECK (name IS NULL OR length(name) BETWEEN 1 AND 80),
    created_at   TEXT COLLATE "C" NOT NULL CHECK (created_at ~ '^\d{4}-\d{2}-\d{2}T'),
    updated_at   TEXT COLLATE "C" NOT NULL CHECK (updated_at ~ '^\d{4}-\d{2}-\d{2}T'),
    stored_bytes BIGINT NOT NULL DEFAULT 0 CHECK (stored_bytes >= 0)
);
-- Emails are unique whatever their (ASCII) case, like SQLite's NOCASE.
CREATE UNIQUE INDEX idx_users_email ON users (lower(email));

CREATE TABLE credentials (
    user_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    salt        BYTEA NOT NULL CHECK (length(salt) = 16),
    secret_hash BYTEA NOT NULL CHECK (length(secret_hash) = 32),
    updated_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE devices (
    id           TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    token_hash   BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at   TEXT COLLATE "C" NOT NULL,
    last_seen_at TEXT COLLATE "C" NOT NULL,
    revoked_at   TEXT COLLATE "C"
);
CREATE INDEX idx_devices_user ON devices (user_id);

CREATE TABLE relationships (
    id         TEXT COLLATE "C" PRIMARY KEY,
    created_by TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    ended_at   TEXT COLLATE "C"
);

CREATE TABLE memberships (
    relationship_id TEXT COLLATE "C" NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    user_id         TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at       TEXT COLLATE "C" NOT NULL,
    -- Copied from the relationship when it ends, so one current membership per person is an index.
    ended_at        TEXT COLLATE "C",
    PRIMARY KEY (relationship_id, user_id)
);
CREATE INDEX idx_memberships_user ON memberships (user_id);
CREATE UNIQUE INDEX idx_memberships_one_current ON memberships (user_id) WHERE ended_at IS NULL;

CREATE TABLE invites (
    secret_hash     BYTEA PRIMARY KEY CHECK (length(secret_hash) = 32),
    relationship_id TEXT COLLATE "C" NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    created_by      TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    expires_at      TEXT COLLATE "C" NOT NULL,
    redeemed_by     TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    redeemed_at     TEXT COLLATE "C",
    wrapped_key     BYTEA
);

CREATE TABLE documents (
    doc_id          TEXT COLLATE "C" PRIMARY KEY CHECK (length(doc_id) BETWEEN 5 AND 64),
    owner_user_id   TEXT COLLATE "C" REFERENCES users (id) ON DELETE CASCADE,
    relationship_id TEXT COLLATE "C" REFERENCES relationships (id) ON DELETE CASCADE,
    created_at      TEXT COLLATE "C" NOT NULL,
    CHECK ((owner_user_id IS NULL) <> (relationship_id IS NULL))
);
CREATE INDEX idx_documents_owner ON documents (owner_user_id);
CREATE INDEX idx_documents_relationship ON documents (relationship_id);

CREATE TABLE doc_entries (
    doc_id     TEXT COLLATE "C" NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL CHECK (seq >= 1),
    entry_id   TEXT COLLATE "C" NOT NULL CHECK (length(entry_id) BETWEEN 1 AND 64),
    device_id  TEXT COLLATE "C",
    ciphertext BYTEA NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (doc_id, seq),
    UNIQUE (doc_id, entry_id)
);

CREATE TABLE doc_snapshots (
    doc_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES documents (doc_id) ON DELETE CASCADE,
    covers_seq BIGINT NOT NULL CHECK (covers_seq >= 1),
    ciphertext BYTEA NOT NULL,
    device_id  TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE key_bundles (
    user_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    bundle     BYTEA NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);

-- Bytes that leave the database, by whatever path (a document deleted with its account or its
-- relationship, a snapshot replaced by a newer one), are given back to whoever uploaded them.
CREATE FUNCTION release_quota() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET stored_bytes = greatest(stored_bytes - length(OLD.ciphertext), 0)
    WHERE id = (SELECT user_id FROM devices WHERE id = OLD.device_id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER doc_entries_release_quota AFTER DELETE ON doc_entries
    FOR EACH ROW EXECUTE FUNCTION release_quota();
CREATE TRIGGER doc_snapshots_release_quota AFTER DELETE ON doc_snapshots
    FOR EACH ROW EXECUTE FUNCTION release_quota();
CREATE TRIGGER doc_snapshots_replace_quota AFTER UPDATE OF ciphertext ON doc_snapshots
    FOR EACH ROW EXECUTE FUNCTION release_quota();

-- Billing (SQLite V5, V7).
CREATE TABLE subscription_plans (
    id              TEXT COLLATE "C" PRIMARY KEY,
    plan_name       TEXT COLLATE "C" NOT NULL CHECK (length(trim(plan_name)) BETWEEN 1 AND 100),
    plan_type       TEXT COLLATE "C" NOT NULL CHECK (plan_type IN ('free', 'premium', 'premium_plus', 'lifetime')),
    billing_period  TEXT COLLATE "C" NOT NULL CHECK (billing_period IN ('month', 'year', 'one_time')),
    price_cents     BIGINT NOT NULL CHECK (price_cents >= 0),
    price_display   TEXT COLLATE "C" CHECK (price_display IS NULL OR length(price_display) <= 40),
    stripe_price_id TEXT COLLATE "C" UNIQUE,
    is_active       BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order      BIGINT NOT NULL DEFAULT 0,
    currency        TEXT COLLATE "C" NOT NULL DEFAULT 'usd' CHECK (length(currency) = 3),
    features        TEXT COLLATE "C" NOT NULL DEFAULT '[]' CHECK (features::json IS NOT NULL)
);

CREATE TABLE subscriptions (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    relationship_id        TEXT COLLATE "C" REFERENCES relationships (id) ON DELETE SET NULL,
    plan_id                TEXT COLLATE "C" REFERENCES subscription_plans (id) ON DELETE RESTRICT,
    user_id                TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    stripe_customer_id     TEXT COLLATE "C",
    stripe_subscription_id TEXT COLLATE "C" UNIQUE,
    status                 TEXT COLLATE "C" NOT NULL CHECK (status IN
        ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
    billing_period         TEXT COLLATE "C" NOT NULL CHECK (billing_period IN ('month', 'year', 'one_time')),
    price_cents            BIGINT NOT NULL CHECK (price_cents >= 0),
    current_period_start   TEXT COLLATE "C",
    current_period_end     TEXT COLLATE "C",
    is_gift                BOOLEAN NOT NULL DEFAULT FALSE,
    gift_from_user_id      TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    cancel_at_period_end   BOOLEAN NOT NULL DEFAULT FALSE,
    stripe_state_at        BIGINT NOT NULL DEFAULT 0,
    canceled_at            TEXT COLLATE "C",
    created_at             TEXT COLLATE "C" NOT NULL,
    updated_at             TEXT COLLATE "C" NOT NULL,
    CHECK (is_gift OR gift_from_user_id IS NULL)
);
CREATE INDEX idx_subscriptions_relationship ON subscriptions (relationship_id, status);
CREATE INDEX idx_subscriptions_customer ON subscriptions (stripe_customer_id);
CREATE INDEX idx_subscriptions_user ON subscriptions (user_id);

CREATE TABLE payment_transactions (
    id                       TEXT COLLATE "C" PRIMARY KEY,
    subscription_id          TEXT COLLATE "C" REFERENCES subscriptions (id) ON DELETE SET NULL,
    user_id                  TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    relationship_id          TEXT COLLATE "C" REFERENCES relationships (id) ON DELETE SET NULL,
    stripe_payment_intent_id TEXT COLLATE "C" UNIQUE,
    transaction_type         TEXT COLLATE "C" NOT NULL CHECK (transaction_type IN
        ('subscription', 'ai_credits', 'addon', 'gift', 'refund')),
    amount_cents             BIGINT NOT NULL CHECK (amount_cents >= 0),
    status                   TEXT COLLATE "C" NOT NULL CHECK (status IN
        ('pending', 'requires_action', 'succeeded', 'failed', 'refunded', 'partially_refunded', 'canceled')),
    payment_method           TEXT COLLATE "C",
    created_at               TEXT COLLATE "C" NOT NULL,
    stripe_subscription_id   TEXT COLLATE "C"
);
CREATE INDEX idx_payment_transactions_stripe_subscription ON payment_transactions (stripe_subscription_id);
CREATE INDEX idx_payment_transactions_created ON payment_transactions (created_at);

CREATE TABLE ai_credits (
    id                TEXT COLLATE "C" PRIMARY KEY,
    user_id           TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship_id   TEXT COLLATE "C" REFERENCES relationships (id) ON DELETE SET NULL,
    transaction_type  TEXT COLLATE "C" NOT NULL CHECK (transaction_type IN ('purchase', 'grant', 'spend', 'refund', 'expire')),
    credits_amount    BIGINT NOT NULL CHECK (credits_amount <> 0),
    credits_balance   BIGINT NOT NULL CHECK (credits_balance >= 0),
    stripe_payment_id TEXT COLLATE "C",
    request_id        TEXT COLLATE "C" UNIQUE,
    created_at        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idx_ai_credits_user ON ai_credits (user_id, created_at);

CREATE TABLE subscription_addons (
    id              TEXT COLLATE "C" PRIMARY KEY,
    addon_name      TEXT COLLATE "C" NOT NULL CHECK (length(trim(addon_name)) BETWEEN 1 AND 100),
    addon_type      TEXT COLLATE "C" NOT NULL CHECK (addon_type IN ('feature', 'content_pack', 'ai_credits', 'theme')),
    price_cents     BIGINT NOT NULL CHECK (price_cents >= 0),
    stripe_price_id TEXT COLLATE "C" UNIQUE,
    credits         BIGINT NOT NULL DEFAULT 0 CHECK (credits >= 0)
);

CREATE TABLE user_addons (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    user_id                TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    addon_id               TEXT COLLATE "C" NOT NULL REFERENCES subscription_addons (id) ON DELETE RESTRICT,
    stripe_subscription_id TEXT COLLATE "C",
    status                 TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'canceled', 'expired', 'refunded')),
    purchase_date          TEXT COLLATE "C" NOT NULL
);

CREATE TABLE discount_codes (
    id               TEXT COLLATE "C" PRIMARY KEY,
    code             TEXT COLLATE "C" NOT NULL CHECK (length(code) BETWEEN 3 AND 40),
    discount_type    TEXT COLLATE "C" NOT NULL CHECK (discount_type IN ('percent', 'amount')),
    discount_value   BIGINT NOT NULL CHECK (discount_value > 0 AND (discount_type <> 'percent' OR discount_value <= 100)),
    max_uses         BIGINT CHECK (max_uses IS NULL OR max_uses >= 1),
    current_uses     BIGINT NOT NULL DEFAULT 0 CHECK (current_uses >= 0 AND (max_uses IS NULL OR current_uses <= max_uses)),
    valid_until      TEXT COLLATE "C",
    stripe_coupon_id TEXT COLLATE "C"
);
-- Codes are unique whatever their (ASCII) case, like SQLite's NOCASE.
CREATE UNIQUE INDEX idx_discount_codes_code ON discount_codes (lower(code));

CREATE TABLE discount_usage (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    discount_id           TEXT COLLATE "C" NOT NULL REFERENCES discount_codes (id) ON DELETE RESTRICT,
    user_id               TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    discount_amount_cents BIGINT NOT NULL CHECK (discount_amount_cents >= 0),
    used_at               TEXT COLLATE "C" NOT NULL,
    status                TEXT COLLATE "C" NOT NULL DEFAULT 'used' CHECK (status IN ('reserved', 'used')),
    checkout_session_id   TEXT COLLATE "C",
    UNIQUE (discount_id, user_id)
);
CREATE INDEX idx_discount_usage_session ON discount_usage (checkout_session_id);

CREATE TABLE stripe_webhooks (
    id          TEXT COLLATE "C" PRIMARY KEY,
    event_id    TEXT COLLATE "C" NOT NULL UNIQUE CHECK (length(event_id) BETWEEN 1 AND 255),
    event_type  TEXT COLLATE "C" NOT NULL CHECK (length(event_type) BETWEEN 1 AND 255),
    event_data  TEXT COLLATE "C" NOT NULL CHECK (event_data::json IS NOT NULL),
    processed   BOOLEAN NOT NULL DEFAULT FALSE,
    retry_count BIGINT NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    received_at TEXT COLLATE "C" NOT NULL,
    last_error  TEXT COLLATE "C"
);

CREATE TABLE revenue_analytics (
    id                         TEXT COLLATE "C" PRIMARY KEY,
    analytics_date             TEXT COLLATE "C" NOT NULL UNIQUE,
    subscription_revenue_cents BIGINT NOT NULL DEFAULT 0,
    credits_revenue_cents      BIGINT NOT NULL DEFAULT 0,
    total_revenue_cents        BIGINT NOT NULL DEFAULT 0,
    new_subscriptions          BIGINT NOT NULL DEFAULT 0,
    canceled_subscriptions     BIGINT NOT NULL DEFAULT 0,
    mrr_cents                  BIGINT NOT NULL DEFAULT 0,
    arr_cents                  BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE analytics_events (
    id              TEXT COLLATE "C" PRIMARY KEY,
    event_name      TEXT COLLATE "C" NOT NULL,
    event_category  TEXT COLLATE "C" NOT NULL,
    user_id         TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    relationship_id TEXT COLLATE "C" REFERENCES relationships (id) ON DELETE SET NULL,
    session_id      TEXT COLLATE "C",
    event_data      TEXT COLLATE "C" CHECK (event_data IS NULL OR event_data::json IS NOT NULL),
    page_url        TEXT COLLATE "C",
    device_type     TEXT COLLATE "C",
    created_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idx_analytics_events_name ON analytics_events (event_name, created_at);

CREATE TABLE ai_credit_balances (
    user_id    TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    balance    BIGINT NOT NULL CHECK (balance >= 0),
    updated_at TEXT COLLATE "C" NOT NULL
);

CREATE TABLE ai_requests (
    request_key TEXT COLLATE "C" PRIMARY KEY CHECK (length(request_key) BETWEEN 1 AND 200),
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'answered', 'failed')),
    answer      TEXT COLLATE "C" CHECK (answer IS NULL OR answer::json IS NOT NULL),
    created_at  TEXT COLLATE "C" NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE pending_checkouts (
    relationship_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES relationships (id) ON DELETE CASCADE,
    lock_id           TEXT COLLATE "C" NOT NULL UNIQUE,
    user_id           TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id           TEXT COLLATE "C" NOT NULL,
    discount_usage_id TEXT COLLATE "C",
    session_id        TEXT COLLATE "C" UNIQUE,
    checkout_url      TEXT COLLATE "C",
    expires_at        TEXT COLLATE "C" NOT NULL,
    created_at        TEXT COLLATE "C" NOT NULL
);

CREATE TABLE billing_actions (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    action                 TEXT COLLATE "C" NOT NULL CHECK (action IN ('refund_duplicate', 'cancel_at_period_end')),
    stripe_subscription_id TEXT COLLATE "C" NOT NULL,
    stripe_invoice_id      TEXT COLLATE "C",
    relationship_id        TEXT COLLATE "C",
    status                 TEXT COLLATE "C" NOT NULL CHECK (status IN ('pending', 'done')),
    attempts               BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error             TEXT COLLATE "C",
    created_at             TEXT COLLATE "C" NOT NULL,
    updated_at             TEXT COLLATE "C" NOT NULL,
    UNIQUE (action, stripe_subscription_id)
);
CREATE INDEX idx_billing_actions_pending ON billing_actions (status, created_at);

CREATE TABLE gift_lookups (
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    looked_up_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idx_gift_lookups_user ON gift_lookups (user_id, looked_up_at);

-- Once-only jobs (SQLite V9): the instance holding an unexpired lease runs them.
CREATE TABLE job_leases (
    job        TEXT COLLATE "C" PRIMARY KEY CHECK (length(job) BETWEEN 1 AND 100),
    holder     TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);
