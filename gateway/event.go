package gateway

import (
	"context"
	"encoding/json"
	"time"
)

// queueEvent puts a merchant notification in the outbox, in the transaction
// of the state change it tells of: to url, or else the app's default
// notifyUrl. With neither, the order gets no notification. transactionID
// files the message under the order (the refund's own id for refunds).
func (g *Gateway) queueEvent(ctx context.Context, tx Tx, appID, transactionID, url string, ev Event, now time.Time) error {
	if url == "" {
		app, err := tx.GetApp(ctx, appID)
		if err != nil {
			return err
		}
		url = app.NotifyURL
	}
	if url == "" {
		return nil
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return tx.InsertOutbox(ctx, OutboxMessage{
		Topic: TopicNotify, AppID: appID, TransactionID: transactionID, Event: ev.Name,
		URL: url, Payload: payload, Status: OutboxPending, NextAttemptAt: now, CreatedAt: now,
	})
}
