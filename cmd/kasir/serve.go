package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/kasir-gateway/kasir/api/header"
	"github.com/kasir-gateway/kasir/api/open"
	"github.com/kasir-gateway/kasir/channel"
	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/keys"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/ratelimit"
	"github.com/kasir-gateway/kasir/reports"
	"github.com/kasir-gateway/kasir/web/checkout"
)

// Server is a running gateway: the API listener, the outbox dispatcher, the
// simulator and the reconciler, on one store. Tests start it on port 0.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    store
	closeDB  func()
	gw       *gateway.Gateway
	sim      *sim.Sim
	disp     *notify.Dispatcher
	platform *keys.Platform
	metrics  *metrics
	ln       net.Listener
	http     *http.Server
	opsLn    net.Listener // ops.go: /metrics, /healthz, /readyz; nil without --ops-addr
	opsHTTP  *http.Server

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartServer opens the store, migrates it, loads the platform key, starts
// listening on cfg.Addr and starts the background loops. Stop it with Close.
func StartServer(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	schedule, err := notify.ParseSchedule(cfg.NotifySchedule)
	if err != nil {
		return nil, fmt.Errorf("--notify-schedule: %w", err)
	}
	policy, err := cfg.notifyPolicy()
	if err != nil {
		return nil, err
	}
	limit, err := cfg.rateLimit()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log}
	if s.store, s.closeDB, err = openStore(ctx, cfg); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			s.closeDB()
		}
	}()
	if s.platform, err = loadPlatformKey(ctx, cfg, s.store); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(s.store)
	if s.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, err
	}
	defer func() {
		if !ok {
			s.ln.Close()
		}
	}()
	if err := s.listenOps(); err != nil {
		return nil, fmt.Errorf("--ops-addr: %w", err)
	}
	defer func() {
		if !ok {
			s.closeOps(context.Background())
		}
	}()
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = "http://" + s.ln.Addr().String()
	}
	s.sim = sim.New(s.store, sim.Options{Delay: cfg.SimDelay, Logger: log, PublicURL: publicURL})
	routes, err := loadRoutes(cfg, s.sim, channel.Options{PublicURL: publicURL, Payouts: s.store, Logger: log})
	if err != nil {
		return nil, err
	}
	var disp *notify.Dispatcher
	sealer, err := keys.NewSealer([]byte(cfg.MasterKey))
	if err != nil {
		return nil, err
	}
	s.gw, err = gateway.New(ctx, s.store, routes, gateway.Options{
		KeySealer: sealer,
		Logger:    log,
		Config: gateway.Config{ReconcileAfter: cfg.ReconcileAfter, NotFoundGrace: cfg.NotFoundGrace, RefundFee: cfg.RefundFee,
			PaymentExpiry: cfg.paymentExpiry, NonceWindow: cfg.NonceWindow,
			NotifyPolicy: policy, PayoutBatch: cfg.PayoutBatch, PayoutBatchParallel: cfg.payoutParallel()},
		Observer: s.metrics,
		OnQueued: func() { disp.Kick() },
	})
	if err != nil {
		return nil, err
	}
	if err := s.gw.CheckRoutes(ctx); err != nil {
		return nil, fmt.Errorf("--routes: %w", err)
	}
	s.sim.SetResults(s.gw)
	disp = notify.NewDispatcher(s.store, map[string]notify.Handler{
		gateway.TopicNotify: notify.NewWebhook(s.platform, notify.WebhookOptions{Keys: s.gw, Policy: policy}),
		gateway.TopicSubmit: notify.HandlerFunc(s.submit),
		gateway.TopicRefund: notify.HandlerFunc(s.submitRefund),
	}, notify.Options{Schedule: schedule, Lease: cfg.NotifyLease, Logger: log, Observer: s.metrics,
		Workers: cfg.OutboxWorkers, Batch: max(32, 2*cfg.OutboxWorkers)})
	s.disp = disp

	rep, err := reports.New(ctx, s.store, s.store, reports.Options{PublicURL: publicURL, Logger: log})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/open-api/", open.NewHandler(s.gw, open.Options{TimestampWindow: cfg.TimestampWindow, Logger: log, Reports: rep,
		RateLimit: ratelimit.New(limit, nil)}))
	mux.Handle("/api/", header.NewHandler(s.gw, header.Options{Logger: log, RateLimit: ratelimit.New(limit, nil)}))
	mux.Handle("/upstream/", routes.Callbacks(s.store, s.gw, log))
	rep.Register(mux)
	pay := &checkout.Handler{Payments: s.store, Logger: log}
	if cfg.Sandbox {
		pay.Payer = s.sim
	}
	pay.Register(mux)
	if err := s.mountDashboard(mux, routeInfos(cfg), publicURL); err != nil {
		return nil, err
	}
	bPaths, bSchemas, bSchemes := header.OpenAPIDoc()
	openAPI := open.OpenAPI(open.DocPart{Description: header.OpenAPIDescription, Paths: bPaths, Schemas: bSchemas, SecuritySchemes: bSchemes})
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.ready) // /metrics is on the ops listener only (ops.go)
	s.http = &http.Server{
		Handler:           s.metrics.middleware(mux),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ok = true

	loops, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.goLoop(func() { s.disp.Run(loops) })
	s.goLoop(func() { s.sim.Run(loops) })
	s.goLoop(func() { s.maintenanceLoop(loops) })
	s.goLoop(s.serveOps)
	s.goLoop(func() {
		if err := s.http.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http serve", "err", err)
		}
	})
	log.Info("kasir serving", "addr", s.ln.Addr().String(), "db", redactDB(cfg.DB))
	return s, nil
}

func (s *Server) goLoop(f func()) {
	s.wg.Add(1)
	go func() { defer s.wg.Done(); f() }()
}

// Addr returns the address the API listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops accepting requests, finishes the ones in flight and the
// deliveries under way, stops the loops and closes the database.
func (s *Server) Close(ctx context.Context) error {
	err := errors.Join(s.http.Shutdown(ctx), s.closeOps(ctx))
	s.cancel()
	s.wg.Wait()
	s.closeDB()
	return err
}

// submit is the outbox handler that hands payouts to their channel.
func (s *Server) submit(ctx context.Context, m gateway.OutboxMessage) gateway.DeliveryAttempt {
	if err := s.gw.SubmitPayout(ctx, m.TransactionID); err != nil {
		return gateway.DeliveryAttempt{Response: err.Error()}
	}
	return gateway.DeliveryAttempt{OK: true, Response: "submitted"}
}

// maintenanceLoop runs the periodic jobs: the reconciler, the expiry of
// unpaid payments, and settlement of collected money.
func (s *Server) maintenanceLoop(ctx context.Context) {
	every := s.cfg.ReconcileAfter / 4
	if every < 100*time.Millisecond {
		every = 100 * time.Millisecond
	}
	if every > 5*time.Second {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, job := range []struct {
			name string
			run  func(context.Context, int) (int, error)
		}{{"reconcile", s.gw.Reconcile}, {"expire payments", s.gw.ExpirePayments}, {"settle payments", s.gw.SettlePayments}, {"reconcile refunds", s.gw.ReconcileRefunds}, {"prune nonces", s.gw.PruneNonces}} {
			if n, err := job.run(ctx, 100); err != nil && ctx.Err() == nil {
				s.log.Warn(job.name, "err", err)
			} else if n > 0 {
				s.log.Info(job.name, "count", n)
			}
		}
	}
}

// ready answers 200 when the database answers.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.OutboxBacklog(ctx); err != nil {
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}
