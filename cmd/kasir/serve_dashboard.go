package main

import (
	"net/http"
	"slices"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/channel"
	"github.com/kasir-gateway/kasir/dashboard"
)

// mountDashboard serves the merchant portal and the operator console under
// /dashboard/ on the API listener, and sends / there.
func (s *Server) mountDashboard(mux *http.ServeMux, routes []dashboard.RouteInfo, publicURL string) error {
	proxies, err := s.cfg.trustedProxies()
	if err != nil {
		return err
	}
	opts := dashboard.Options{
		PublicURL: publicURL, TrustedProxies: proxies,
		Gateway: s.gw, Data: s.store, Users: s.store,
		Auth:           auth.New(s.store, auth.Options{Logger: s.log}),
		Routes:         func() []dashboard.RouteInfo { return routes },
		PlatformKeyPEM: s.platform.PublicPEM(),
		SecureCookies:  s.cfg.SecureCookies,
		Logger:         s.log,
	}
	if s.cfg.Sandbox {
		opts.Sim = s.sim
	}
	h, err := dashboard.New(opts)
	if err != nil {
		return err
	}
	mux.Handle(dashboard.Base+"/", h)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, dashboard.Base+"/", http.StatusFound)
	})
	return nil
}

// routeInfos lists the routes serve runs with, for the console: the routing
// file's, or every channel to the simulator when there is none. The file was
// read and checked by loadRoutes already.
func routeInfos(cfg Config) []dashboard.RouteInfo {
	c := channel.Config{}
	if cfg.Routes != "" {
		if read, err := channel.ReadConfig(cfg.Routes); err == nil {
			c = read
		}
	}
	if len(c.Routes) == 0 {
		return []dashboard.RouteInfo{{Channel: "*", Connectors: []string{"sim"}}}
	}
	var out []dashboard.RouteInfo
	for ch, conns := range c.Routes {
		out = append(out, dashboard.RouteInfo{Channel: ch, Connectors: conns})
	}
	slices.SortFunc(out, func(a, b dashboard.RouteInfo) int {
		switch {
		case a.Channel < b.Channel:
			return -1
		case a.Channel > b.Channel:
			return 1
		}
		return 0
	})
	return out
}
