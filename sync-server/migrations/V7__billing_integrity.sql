-- together-server, schema version 7: billing rules held by the database itself, so they stay true
-- with several server instances on one database. Never edit this file once released.

-- The AI-credit balance per person, changed only by conditional updates: a spend takes credits only
-- while enough remain, whatever runs at the same time. `ai_credits` stays the ledger (one row per
-- movement, with the balance after it).
CREATE TABLE ai_credit_balances (
    user_id    TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    balance    INTEGER NOT NULL CHECK (balance >= 0),
    updated_at TEXT NOT NULL
);
INSERT INTO ai_credit_balances (user_id, balance, updated_at)
SELECT user_id, max(0, sum(credits_amount)), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM ai_credits GROUP BY user_id;

-- One AI request per request id: its credits are spent once and the AI is asked once; a replay
-- gets the stored answer (kept a day) or a refusal.
CREATE TABLE ai_requests (
    request_key TEXT PRIMARY KEY NOT NULL CHECK (length(request_key) BETWEEN 1 AND 200),
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'answered', 'failed')),
    answer      TEXT CHECK (answer IS NULL OR json_valid(answer)),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- At most one open Checkout for a couple's subscription at a time: a second click gets the same
-- session, the partner is told to wait. Released when the session completes or expires.
CREATE TABLE pending_checkouts (
    relationship_id TEXT PRIMARY KEY NOT NULL REFERENCES relationships (id) ON DELETE CASCADE,
    lock_id         TEXT NOT NULL UNIQUE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id         TEXT NOT NULL,
    discount_usage_id TEXT,
    session_id      TEXT UNIQUE,
    checkout_url    TEXT,
    expires_at      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

-- A discount use is reserved when Checkout opens (so a code is never promised more often than it
-- allows), counted when the payment completes, and given back when the session expires.
ALTER TABLE discount_usage ADD COLUMN status TEXT NOT NULL DEFAULT 'used'
    CHECK (status IN ('reserved', 'used'));
ALTER TABLE discount_usage ADD COLUMN checkout_session_id TEXT;
CREATE INDEX idx_discount_usage_session ON discount_usage (checkout_session_id);

-- Stripe calls the server owes after something happened (a couple charged twice: cancel and refund
-- the newcomer; a payer deleted their account: cancel at period end). Recorded in the transaction
-- that decided them, done right after, retried until done.
CREATE TABLE billing_actions (
    id                     TEXT PRIMARY KEY NOT NULL,
    action                 TEXT NOT NULL CHECK (action IN ('refund_duplicate', 'cancel_at_period_end')),
    stripe_subscription_id TEXT NOT NULL,
    stripe_invoice_id      TEXT,
    relationship_id        TEXT,
    status                 TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    attempts               INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error             TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    UNIQUE (action, stripe_subscription_id)
);
CREATE INDEX idx_billing_actions_pending ON billing_actions (status, created_at);

-- Gifts by email are rate-limited per giver (the answer never says who uses the app).
CREATE TABLE gift_lookups (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    looked_up_at TEXT NOT NULL
);
CREATE INDEX idx_gift_lookups_user ON gift_lookups (user_id, looked_up_at);
