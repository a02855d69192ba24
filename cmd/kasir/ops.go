package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// The operator's surfaces are kept off the merchant listener: /metrics
// (which tells request counts, codes and backlogs, not for merchants' eyes)
// is served only on the ops listener, --ops-addr, which defaults to
// loopback. /healthz and /readyz are on both, for load balancers. With
// --pprof the ops listener serves Go's profiles under /debug/pprof/ too. The CLI
// works on the database alone and has no HTTP surface at all.

// listenOps opens the ops listener on cfg.OpsAddr and prepares its server;
// it does nothing when OpsAddr is empty. serveOps then serves it.
func (s *Server) listenOps() error {
	if s.cfg.OpsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.OpsAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", s.metrics.handler())
	write := 30 * time.Second
	if s.cfg.Pprof {
		// Profiles of the running gateway (go tool pprof); a CPU profile
		// takes ?seconds=N to answer, so writes may take longer.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		write = 5 * time.Minute
	}
	s.opsLn = ln
	s.opsHTTP = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      write,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return nil
}

// serveOps serves the ops listener until Close, if there is one.
func (s *Server) serveOps() {
	if s.opsHTTP == nil {
		return
	}
	s.log.Info("kasir ops endpoints", "addr", s.opsLn.Addr().String())
	if err := s.opsHTTP.Serve(s.opsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Error("ops serve", "err", err)
	}
}

// closeOps stops the ops listener, if there is one; it is safe to call
// before serveOps.
func (s *Server) closeOps(ctx context.Context) error {
	if s.opsHTTP == nil {
		return nil
	}
	err := s.opsHTTP.Shutdown(ctx)
	s.opsLn.Close() // Shutdown closes it only when Serve was called
	return err
}

// OpsAddr returns the address the ops endpoints listen on, "" when
// --ops-addr is empty.
func (s *Server) OpsAddr() string {
	if s.opsLn == nil {
		return ""
	}
	return s.opsLn.Addr().String()
}

// healthz answers that the process is up.
func healthz(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) }
