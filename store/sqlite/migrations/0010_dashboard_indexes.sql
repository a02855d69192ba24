-- The dashboard lists orders newest first, of one merchant or of all, each
-- table read in (created_at, transaction id) order and cut at a page; it
-- finds an order by its merchant's order id (transaction ids and refunds'
-- original transaction ids have their indexes); its volume charts read the
-- same indexes by creation time.
CREATE INDEX payouts_merchant_newest ON payouts (merchant_id, created_at DESC, transaction_id DESC);
CREATE INDEX payouts_newest ON payouts (created_at DESC, transaction_id DESC);
CREATE INDEX payouts_mch_order_id ON payouts (mch_order_id);
CREATE INDEX payments_merchant_newest ON payments (merchant_id, created_at DESC, transaction_id DESC);
CREATE INDEX payments_newest ON payments (created_at DESC, transaction_id DESC);
CREATE INDEX payments_mch_order_id ON payments (mch_order_id);
CREATE INDEX refunds_merchant_newest ON refunds (merchant_id, created_at DESC, refund_transaction_id DESC);
CREATE INDEX refunds_newest ON refunds (created_at DESC, refund_transaction_id DESC);
CREATE INDEX refunds_mch_order_id ON refunds (mch_refund_order_id);
CREATE INDEX static_codes_merchant_newest ON static_codes (merchant_id, created_at DESC, id DESC);
CREATE INDEX static_codes_newest ON static_codes (created_at DESC, id DESC);

-- The endpoint health page reads the notifications made or tried since a
-- time, and the delivery latencies the attempts since a time.
CREATE INDEX outbox_notify_created ON outbox (created_at) WHERE topic = 'notify';
CREATE INDEX outbox_attempts_at ON outbox_attempts (at);
