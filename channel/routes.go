// Package channel routes payout channels to the connectors that serve them:
// the simulator ("sim") and the upstream gateways of package
// channel/upstream, as the operator configures them (Config). Table is the
// gateway.Router that cmd/kasir gives the gateway.
//
// A payout is queried through the connector that holds it, by name, with
// the connector's configuration as it is when the query runs. Changing a
// connector's baseUrl, appId or merchantId while it holds payouts in flight
// makes their queries ask another account (or gateway), which answers that
// it has no such order: a payout whose submission outcome was unknown then
// fails after the not-found grace although the first upstream may pay it.
// Keep a connector unchanged until its payouts are final; add a connector
// under a new name for the new account and route channels to it instead.
package channel

import (
	"context"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/channel/upstream"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

// Simulator is what the table needs of the simulator (channel/sim): a payout
// connector that serves every channel, and the payment and refund
// connectors.
type Simulator interface {
	gateway.Connector
	gateway.PaymentRouter
	gateway.RefundRouter
}

// Options are what NewTable needs beside the configuration.
type Options struct {
	// PublicURL is how upstreams reach this gateway; each connector's
	// notifyUrl is PublicURL + "/upstream/" + name + "/notify".
	PublicURL string
	// Payouts reads our payouts (the gateway's store), for queries that
	// need more than the transaction id and to check an upstream's answers
	// against the payout's amount and currency.
	Payouts upstream.PayoutReader
	// Logger receives the connectors' logs, "ATTENTION" lines among them;
	// default slog.Default().
	Logger *slog.Logger
}

// upstreamConnector is a connector of package upstream.
type upstreamConnector interface {
	gateway.Connector
	upstream.Notifiable
}

// Table is the routing table: it implements gateway.Router for payouts, and
// gateway.PaymentRouter and gateway.RefundRouter by delegating to the
// simulator: payments and refunds stay on the simulator whatever the routes
// say. It is immutable; the server builds it at start.
type Table struct {
	sim       Simulator
	conns     map[string]upstreamConnector
	byChannel map[string][]gateway.Route
}

// NewTable validates c as Validate does and builds the table, with the
// upstream connectors it names. dir is the directory secret file names are
// relative to (the configuration file's).
func NewTable(c Config, dir string, sim Simulator, opts Options) (*Table, error) {
	if err := c.checkShape(); err != nil {
		return nil, err
	}
	t := &Table{sim: sim, conns: map[string]upstreamConnector{}, byChannel: map[string][]gateway.Route{}}
	for _, name := range sortedKeys(c.Connectors) {
		conn, err := buildConnector(name, c.Connectors[name], dir, opts)
		if err != nil {
			return nil, err
		}
		t.conns[name] = conn
	}
	for _, code := range channelCodes() {
		for _, name := range c.effective(code) {
			conn, _ := t.Named(name)
			t.byChannel[code] = append(t.byChannel[code], gateway.Route{Name: name, Connector: conn})
		}
	}
	return t, nil
}

// Validate checks a configuration as the server does at start: the shape of
// every connector and route, and that every secret file exists and holds
// what it should. Each error names the entry at fault.
func Validate(c Config, dir string) error {
	_, err := NewTable(c, dir, nil, Options{PublicURL: "http://127.0.0.1", Payouts: noPayouts{}})
	return err
}

// Routes returns the connectors of a payout channel in the order to try
// them; none for a code that is not a payout channel of the catalog.
func (t *Table) Routes(channel string) []gateway.Route {
	return t.byChannel[channel]
}

// Named returns the connector of that name: "sim" or a configured upstream.
func (t *Table) Named(name string) (gateway.Connector, bool) {
	if name == SimName {
		return t.sim, true
	}
	c, ok := t.conns[name]
	return c, ok
}

// PaymentConnector returns the simulator's: payments (collections) are not
// routed to upstreams.
func (t *Table) PaymentConnector(channel string) (gateway.PaymentConnector, bool) {
	return t.sim.PaymentConnector(channel)
}

// RefundConnector returns the simulator's: refunds follow their payments,
// which stay on the simulator.
func (t *Table) RefundConnector(channel string) (gateway.RefundConnector, bool) {
	return t.sim.RefundConnector(channel)
}

// Callbacks returns the handler of POST /upstream/{name}/notify for the
// table's upstream connectors (see upstream.Callbacks).
func (t *Table) Callbacks(payouts upstream.PayoutReader, results gateway.Results, log *slog.Logger) http.Handler {
	conns := map[string]upstream.Notifiable{}
	for name, c := range t.conns {
		conns[name] = c
	}
	return upstream.NewCallbacks(payouts, results, log, conns)
}

// buildConnector reads a connector's secrets and makes it.
func buildConnector(name string, cc ConnectorConfig, dir string, opts Options) (upstreamConnector, error) {
	timeout := upstream.DefaultTimeout
	if cc.Timeout != "" {
		timeout, _ = time.ParseDuration(cc.Timeout) // checked by checkShape
	}
	notifyURL := strings.TrimRight(opts.PublicURL, "/") + "/upstream/" + name + "/notify"
	hc := upstream.NewHTTPClient(timeout)
	switch cc.Dialect {
	case DialectA:
		key, err := readSecret(name, "privateKeyFile", dir, cc.PrivateKeyFile, func(b []byte) (*rsa.PrivateKey, error) { return client.ParsePrivateKey(b) })
		if err != nil {
			return nil, err
		}
		pub, err := readSecret(name, "platformKeyFile", dir, cc.PlatformKeyFile, func(b []byte) (*rsa.PublicKey, error) { return client.ParsePublicKey(b) })
		if err != nil {
			return nil, err
		}
		return upstream.NewA(upstream.AOptions{Name: name, BaseURL: cc.BaseURL, AppID: cc.AppID, Key: key, PlatformKey: pub,
			NotifyURL: notifyURL, Payouts: opts.Payouts, HTTPClient: hc, Logger: opts.Logger})
	default:
		apiKey, err := readSecret(name, "apiKeyFile", dir, cc.APIKeyFile, func(b []byte) (string, error) {
			k := strings.TrimSpace(string(b))
			if k == "" || strings.ContainsAny(k, " \t\r\n") {
				return "", fmt.Errorf("want one apiKey on one line")
			}
			return k, nil
		})
		if err != nil {
			return nil, err
		}
		return upstream.NewB(upstream.BOptions{Name: name, BaseURL: cc.BaseURL, MerchantID: cc.MerchantID, APIKey: apiKey,
			NotifyURL: notifyURL, Payouts: opts.Payouts, HTTPClient: hc, Logger: opts.Logger})
	}
}

// readSecret reads and parses a secret file, relative to dir unless absolute.
func readSecret[T any](name, field, dir, file string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return zero, fmt.Errorf("routes: connector %q: %s: %w", name, field, err)
	}
	v, err := parse(b)
	if err != nil {
		return zero, fmt.Errorf("routes: connector %q: %s %s: %v", name, field, file, err)
	}
	return v, nil
}

// noPayouts stands in for the store when a configuration is only checked.
type noPayouts struct{}

func (noPayouts) GetPayoutByID(context.Context, string) (gateway.Payout, error) {
	return gateway.Payout{}, gateway.ErrNotFound
}
