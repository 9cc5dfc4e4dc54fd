-- Discount codes and add-ons can be taken off sale and put back, as plans can
-- (`together-server discounts deactivate CODE`, `addons deactivate ID`). An inactive code is refused
-- at Checkout; an inactive add-on is not listed or sold. Existing rows stay on sale.
ALTER TABLE discount_codes ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1));
ALTER TABLE subscription_addons ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1));
