-- Reports stream one app's orders of one day, in creation order.
CREATE INDEX payouts_report ON payouts (app_id, created_at, transaction_id);
CREATE INDEX payments_report ON payments (app_id, created_at, transaction_id);
CREATE INDEX refunds_report ON refunds (app_id, created_at, refund_transaction_id);
