package main

import (
	"context"
	"fmt"
	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/dashboard"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/keys"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/store/postgres"
	"github.com/kasir-gateway/kasir/store/sqlite"
)

// store is everything kasir needs of a database engine.
type store interface {
	gateway.Store
	notify.Store
	sim.Store
	sim.PaymentStore
	sim.RefundStore
	keys.SecretStore
	auth.Store
	dashboard.Data
	Migrate(ctx context.Context) error
}

// openStore opens the database named by cfg.DB and applies migrations, and
// returns a function that closes it.
func openStore(ctx context.Context, cfg Config) (store, func(), error) {
	if isPostgres(cfg.DB) {
		s, err := postgres.Open(ctx, cfg.DB, postgres.WithMaxConns(int32(cfg.DBMaxConns)))
		if err != nil {
			return nil, nil, err
		}
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, nil, fmt.Errorf("migrate: %w", err)
		}
		return s, s.Close, nil
	}
	s, err := sqlite.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	return s, func() { s.Close() }, nil
}

// loadPlatformKey loads (or on first use creates) the platform key.
func loadPlatformKey(ctx context.Context, cfg Config, s store) (*keys.Platform, error) {
	return keys.Load(ctx, keys.Options{Path: cfg.PlatformKey, MasterKey: []byte(cfg.MasterKey), Secrets: s})
}
