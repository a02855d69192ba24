-- When the payout was last handed to its channel: the not-found grace
-- period counts from here, not from the order's creation.
ALTER TABLE payouts ADD COLUMN submitted_at INTEGER;
