-- Discount codes and add-ons can be taken off sale and put back, as plans can (SQLite's V10).
ALTER TABLE discount_codes ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE subscription_addons ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE;
