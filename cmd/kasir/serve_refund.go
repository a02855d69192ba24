package main

import (
	"context"

	"github.com/kasir-gateway/kasir/gateway"
)

// submitRefund is the outbox handler that hands refunds to their channel.
func (s *Server) submitRefund(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
	if err := s.gw.SubmitRefund(ctx, m.TransactionID); err != nil {
		return gateway.DeliveryAttempt{Response: err.Error()}
	}
	return gateway.DeliveryAttempt{OK: true, Response: "submitted"}
}
