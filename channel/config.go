package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/channel/upstream"
	"github.com/kasir-gateway/kasir/gateway"
)

// Config is the operator's routing configuration, kept as a JSON file
// (kasir serve --routes, KASIR_ROUTES) that the server reads at start:
//
//	{
//	  "connectors": {
//	    "up-ph": {"dialect": "A", "baseUrl": "https://up.example.com", "appId": "...",
//	              "privateKeyFile": "up-ph.pem", "platformKeyFile": "up-ph-platform.pem"},
//	    "up-pe": {"dialect": "B", "baseUrl": "https://pe.example.com", "merchantId": 100001,
//	              "apiKeyFile": "up-pe.key", "timeout": "20s"}
//	  },
//	  "routes": {"GCASH": ["up-ph", "sim"], "PE_*": ["up-pe"], "*": ["sim"]}
//	}
//
// Connectors are named by the operator; "sim", the simulator, always exists
// and cannot be defined. A route maps a pattern to the connectors to try in
// order: an exact channel code (transferCode), a prefix ending in "*"
// ("PE_*"), or "*" for every channel. A code is routed whatever the payout's
// country: GRABPAY (MY and PH) and CIMB (ID and MY) go where their code
// goes. A channel takes the connectors of its most specific route (the exact
// code, then the longest prefix, then "*") that can serve it, in the route's
// order: dialect B serves Peru's banks only, dialect A every other channel,
// the simulator all. A route that leaves one of its channels with no such
// connector is refused (see Validate); nothing falls through to a less
// specific route or to the simulator. Channels that no route matches go to
// the simulator. Secrets are never in the file: it names the files that
// hold them, relative to the file's own directory unless absolute.
type Config struct {
	Connectors map[string]ConnectorConfig `json:"connectors"`
	Routes     map[string][]string        `json:"routes"`
}

// ConnectorConfig is one upstream gateway we are a merchant of.
type ConnectorConfig struct {
	Dialect string `json:"dialect"` // "A" (Open API) or "B" (header-signed)
	BaseURL string `json:"baseUrl"` // http or https, no query
	// Dialect A: our appId there, our RSA private key (PEM) and the
	// upstream's platform public key (PEM), which signs its notifications.
	AppID           string `json:"appId,omitempty"`
	PrivateKeyFile  string `json:"privateKeyFile,omitempty"`
	PlatformKeyFile string `json:"platformKeyFile,omitempty"`
	// Dialect B: our merchantId there and the file holding our apiKey.
	MerchantID int64  `json:"merchantId,omitempty"`
	APIKeyFile string `json:"apiKeyFile,omitempty"`
	// Timeout bounds one call, a Go duration ("20s"); default 30s.
	Timeout string `json:"timeout,omitempty"`
}

// Dialects of upstream connectors.
const (
	DialectA = "A"
	DialectB = "B"
)

// SimName is the simulator's connector name.
const SimName = "sim"

// ReadConfig reads a routing file strictly: unknown fields are errors. A
// file that does not exist is an error wrapping fs.ErrNotExist. The result
// is not validated; Validate or NewTable does that.
func ReadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("routes: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("routes: %s: %w", path, err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("routes: %s: more than one JSON document", path)
	}
	return c, nil
}

// ReadConfigOrEmpty is ReadConfig, but a file that does not exist yet is an
// empty configuration (everything on the simulator).
func ReadConfigOrEmpty(path string) (Config, error) {
	c, err := ReadConfig(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{}, nil
	}
	return c, err
}

// WriteConfig writes c to path as indented JSON, through a temporary file
// renamed into place so that a reader never sees half a file.
func WriteConfig(path string, c Config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("routes: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".routes-*.json")
	if err != nil {
		return fmt.Errorf("routes: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("routes: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("routes: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("routes: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("routes: %w", err)
	}
	return nil
}

var connectorName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// checkShape checks everything but the secrets: names, dialects, URLs,
// timeouts, the fields each dialect needs, every route's pattern and
// connectors, and that every channel's route can serve it. Each error names
// the entry.
func (c Config) checkShape() error {
	for _, name := range sortedKeys(c.Connectors) {
		if err := checkConnector(name, c.Connectors[name]); err != nil {
			return err
		}
	}
	for _, pattern := range sortedKeys(c.Routes) {
		if err := c.checkRoute(pattern, c.Routes[pattern]); err != nil {
			return err
		}
	}
	return c.checkCoverage()
}

// checkCoverage refuses a configuration whose most specific route for some
// catalog channel names no connector that can serve it, e.g. "*": ["up-pe"]
// with a dialect B connector, which would leave GCASH and the rest with
// nothing to send them to. The error names the first such channel, its
// route and why.
func (c Config) checkCoverage() error {
	for _, code := range channelCodes() {
		pattern, ok := c.routeOf(code)
		if !ok || len(c.serving(pattern, code)) > 0 {
			continue
		}
		return fmt.Errorf("routes: channel %s: its route %q names %s, none of which can serve it "+
			"(dialect B serves Peru's banks only; dialect A cannot carry Peru's payee fields); "+
			"add a route for %s, or a connector that serves it (\"sim\" serves every channel)",
			code, pattern, strings.Join(c.Routes[pattern], ", "), code)
	}
	return nil
}

func checkConnector(name string, cc ConnectorConfig) error {
	if name == SimName {
		return fmt.Errorf("routes: connector %q: the name is the simulator's", name)
	}
	if !connectorName.MatchString(name) {
		return fmt.Errorf("routes: connector %q: a name is 1 to 32 of a-z, 0-9, - and _, starting with a letter or digit", name)
	}
	u, err := url.Parse(cc.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("routes: connector %q: baseUrl %q is not an http(s) URL without query", name, cc.BaseURL)
	}
	if cc.Timeout != "" {
		if d, err := time.ParseDuration(cc.Timeout); err != nil || d <= 0 {
			return fmt.Errorf("routes: connector %q: timeout %q is not a positive duration", name, cc.Timeout)
		}
	}
	var missing []string
	need := func(field string, ok bool) {
		if !ok {
			missing = append(missing, field)
		}
	}
	switch cc.Dialect {
	case DialectA:
		need("appId", cc.AppID != "")
		need("privateKeyFile", cc.PrivateKeyFile != "")
		need("platformKeyFile", cc.PlatformKeyFile != "")
		if cc.MerchantID != 0 || cc.APIKeyFile != "" {
			return fmt.Errorf("routes: connector %q: merchantId and apiKeyFile are dialect B's", name)
		}
	case DialectB:
		need("merchantId", cc.MerchantID > 0)
		need("apiKeyFile", cc.APIKeyFile != "")
		if cc.AppID != "" || cc.PrivateKeyFile != "" || cc.PlatformKeyFile != "" {
			return fmt.Errorf("routes: connector %q: appId, privateKeyFile and platformKeyFile are dialect A's", name)
		}
	default:
		return fmt.Errorf("routes: connector %q: dialect %q: want A or B", name, cc.Dialect)
	}
	if len(missing) > 0 {
		return fmt.Errorf("routes: connector %q (dialect %s): missing %s", name, cc.Dialect, strings.Join(missing, ", "))
	}
	return nil
}

// checkRoute checks one route: a pattern that matches catalog channels, and
// known connectors, each once, each able to serve some channel it matches.
func (c Config) checkRoute(pattern string, names []string) error {
	matched := matchingChannels(pattern)
	if len(matched) == 0 {
		return fmt.Errorf("routes: route %q: matches no payout channel (want a channel code, a prefix like PE_*, or *)", pattern)
	}
	if len(names) == 0 {
		return fmt.Errorf("routes: route %q: no connectors", pattern)
	}
	for i, name := range names {
		if slices.Contains(names[:i], name) {
			return fmt.Errorf("routes: route %q: connector %q is listed twice", pattern, name)
		}
		if name == SimName {
			continue
		}
		cc, ok := c.Connectors[name]
		if !ok {
			return fmt.Errorf("routes: route %q: unknown connector %q", pattern, name)
		}
		if !slices.ContainsFunc(matched, func(ch string) bool { return serves(cc.Dialect, ch) }) {
			return fmt.Errorf("routes: route %q: connector %q speaks dialect %s, which serves none of its channels (%s)",
				pattern, name, cc.Dialect, dialectScope(cc.Dialect))
		}
	}
	return nil
}

// effective returns the connectors of a channel: those of its most
// specific route that can serve it, in order (none when that route has
// none, which checkCoverage refuses); the simulator when no route matches.
func (c Config) effective(code string) []string {
	pattern, ok := c.routeOf(code)
	if !ok {
		return []string{SimName}
	}
	return c.serving(pattern, code)
}

// routeOf returns the most specific pattern that matches a channel: the
// exact code, then the longest prefix, then "*".
func (c Config) routeOf(code string) (string, bool) {
	best, found := "", false
	for p := range c.Routes {
		if patternMatches(p, code) && (!found || specificity(p) > specificity(best)) {
			best, found = p, true
		}
	}
	return best, found
}

// serving returns the connectors of a route that can serve a channel.
func (c Config) serving(pattern, code string) []string {
	var out []string
	for _, name := range c.Routes[pattern] {
		if serves(c.Connectors[name].Dialect, code) {
			out = append(out, name)
		}
	}
	return out
}

// specificity orders patterns: an exact code before any prefix, a longer
// prefix before a shorter one, "*" last.
func specificity(pattern string) int {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return len(prefix)
	}
	return 1 << 20
}

// Effective is one line of the effective table: the channels that share
// one list of connectors.
type Effective struct {
	Connectors []string `json:"connectors"`
	Channels   []string `json:"channels"`
}

// Effective returns the table the server makes of c (which must be valid),
// grouped by list of connectors; the group served by the simulator alone
// comes last.
func (c Config) Effective() []Effective {
	groups := map[string]*Effective{}
	for _, code := range channelCodes() {
		names := c.effective(code)
		key := strings.Join(names, ",")
		if groups[key] == nil {
			groups[key] = &Effective{Connectors: names}
		}
		groups[key].Channels = append(groups[key].Channels, code)
	}
	var out []Effective
	for _, key := range sortedKeys(groups) {
		if key != SimName {
			out = append(out, *groups[key])
		}
	}
	if g := groups[SimName]; g != nil {
		out = append(out, *g)
	}
	return out
}

// serves reports whether a connector of the dialect can pay out to a
// channel, as the connectors themselves decide it (upstream.ServesA and
// ServesB): dialect B carries Peru's payee fields and serves Peru's banks
// only; dialect A does not carry them and serves every other channel.
func serves(dialect, channel string) bool {
	switch dialect {
	case DialectA:
		return upstream.ServesA(channel)
	case DialectB:
		return upstream.ServesB(channel)
	}
	return true // the simulator ("")
}

func dialectScope(dialect string) string {
	if dialect == DialectB {
		return "Peru's banks, PE_*"
	}
	return "every channel but Peru's"
}

// matchingChannels returns the catalog's payout channel codes a pattern
// matches.
func matchingChannels(pattern string) []string {
	var out []string
	for _, code := range channelCodes() {
		if patternMatches(pattern, code) {
			out = append(out, code)
		}
	}
	return out
}

func patternMatches(pattern, code string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(code, prefix)
	}
	return pattern == code
}

// channelCodes returns the catalog's payout channel codes, each once (a code
// such as GRABPAY serves more than one country and is routed as one).
func channelCodes() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range gateway.AllPayoutChannels() {
		if !seen[c.Code] {
			seen[c.Code] = true
			out = append(out, c.Code)
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
