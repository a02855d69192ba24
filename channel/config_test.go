package channel_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/channel"
	"github.com/kasir-gateway/kasir/channel/upstream/upstreamtest"
)

// secrets writes a dialect A key pair and a dialect B apiKey into a new
// directory and returns it.
func secrets(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a.pem":          upstreamtest.PrivatePEM(upstreamtest.MerchantKey()),
		"a-platform.pem": upstreamtest.PublicPEM(upstreamtest.PlatformKey()),
		"b.key":          "the-api-key\n",
		"garbage.pem":    "not a key",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func connA(url string) channel.ConnectorConfig {
	return channel.ConnectorConfig{Dialect: "A", BaseURL: url, AppID: "app1", PrivateKeyFile: "a.pem", PlatformKeyFile: "a-platform.pem"}
}

func connB(url string) channel.ConnectorConfig {
	return channel.ConnectorConfig{Dialect: "B", BaseURL: url, MerchantID: 100001, APIKeyFile: "b.key"}
}

func goodConfig() channel.Config {
	return channel.Config{
		Connectors: map[string]channel.ConnectorConfig{"up-a": connA("http://127.0.0.1:9001"), "up-b": connB("https://pe.example.com/")},
		Routes:     map[string][]string{"GCASH": {"up-a", "sim"}, "PE_*": {"up-b"}, "*": {"sim"}},
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	dir := secrets(t)
	if err := channel.Validate(goodConfig(), dir); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(c *channel.Config)
		want string
	}{
		{"UnknownConnector", func(c *channel.Config) { c.Routes["BDO"] = []string{"nope"} }, `route "BDO": unknown connector "nope"`},
		{"NoConnectors", func(c *channel.Config) { c.Routes["BDO"] = nil }, `route "BDO": no connectors`},
		{"Twice", func(c *channel.Config) { c.Routes["BDO"] = []string{"sim", "sim"} }, `route "BDO": connector "sim" is listed twice`},
		{"UnknownChannel", func(c *channel.Config) { c.Routes["XX_*"] = []string{"sim"} }, `route "XX_*": matches no payout channel`},
		{"StarInside", func(c *channel.Config) { c.Routes["P*E"] = []string{"sim"} }, `route "P*E": matches no payout channel`},
		{"BOutsidePeru", func(c *channel.Config) { c.Routes["GCASH"] = []string{"up-b"} }, `route "GCASH": connector "up-b" speaks dialect B`},
		{"AForPeru", func(c *channel.Config) { c.Routes["PE_BCP"] = []string{"up-a"} }, `route "PE_BCP": connector "up-a" speaks dialect A`},
		// A route must serve every channel it is the most specific route of:
		// nothing falls through to a wider route or to the simulator.
		{"StarToB", func(c *channel.Config) { c.Routes["*"] = []string{"up-b"} },
			`its route "*" names up-b, none of which can serve it (dialect B serves Peru's banks only`},
		{"PrefixToB", func(c *channel.Config) { c.Routes["P*"] = []string{"up-b"} }, `its route "P*" names up-b, none of which`},
		{"StarToA", func(c *channel.Config) { delete(c.Routes, "PE_*"); c.Routes["*"] = []string{"up-a"} },
			`channel PE_`},
		{"SimName", func(c *channel.Config) { c.Connectors["sim"] = connA("http://x") }, `connector "sim": the name is the simulator's`},
		{"BadName", func(c *channel.Config) { c.Connectors["Up A"] = connA("http://x") }, `connector "Up A": a name is`},
		{"BadURL", func(c *channel.Config) { c.Connectors["up-a"] = connA("ftp://x") }, `connector "up-a": baseUrl "ftp://x"`},
		{"URLWithQuery", func(c *channel.Config) { c.Connectors["up-a"] = connA("http://x/?a=1") }, `connector "up-a": baseUrl`},
		{"BadDialect", func(c *channel.Config) { cc := connA("http://x"); cc.Dialect = "C"; c.Connectors["up-a"] = cc }, `connector "up-a": dialect "C"`},
		{"MissingAppID", func(c *channel.Config) { cc := connA("http://x"); cc.AppID = ""; c.Connectors["up-a"] = cc }, `connector "up-a" (dialect A): missing appId`},
		{"MissingB", func(c *channel.Config) {
			c.Connectors["up-b"] = channel.ConnectorConfig{Dialect: "B", BaseURL: "http://x"}
		}, `connector "up-b" (dialect B): missing merchantId, apiKeyFile`},
		{"MixedFields", func(c *channel.Config) { cc := connA("http://x"); cc.MerchantID = 1; c.Connectors["up-a"] = cc }, `connector "up-a": merchantId and apiKeyFile are dialect B's`},
		{"BadTimeout", func(c *channel.Config) { cc := connB("http://x"); cc.Timeout = "soon"; c.Connectors["up-b"] = cc }, `connector "up-b": timeout "soon"`},
		{"MissingKeyFile", func(c *channel.Config) {
			cc := connA("http://x")
			cc.PrivateKeyFile = "none.pem"
			c.Connectors["up-a"] = cc
		}, `connector "up-a": privateKeyFile:`},
		{"NotAKey", func(c *channel.Config) {
			cc := connA("http://x")
			cc.PlatformKeyFile = "garbage.pem"
			c.Connectors["up-a"] = cc
		}, `connector "up-a": platformKeyFile`},
		{"EmptyAPIKey", func(c *channel.Config) {
			cc := connB("http://x")
			cc.APIKeyFile = "empty.key"
			c.Connectors["up-b"] = cc
		}, `connector "up-b": apiKeyFile`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := goodConfig()
			tc.edit(&c)
			os.WriteFile(filepath.Join(dir, "empty.key"), nil, 0o600)
			err := channel.Validate(c, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %s", err, tc.want)
			}
		})
	}
}

func TestReadWriteConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "routes.json")
	if c, err := channel.ReadConfigOrEmpty(path); err != nil || len(c.Routes) != 0 {
		t.Fatalf("a file not there yet: %+v, %v", c, err)
	}
	if _, err := channel.ReadConfig(path); err == nil {
		t.Fatal("ReadConfig of a missing file: no error")
	}
	want := goodConfig()
	if err := channel.WriteConfig(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := channel.ReadConfig(path)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %+v, %v", got, err)
	}
	for name, body := range map[string]string{
		"UnknownField": `{"connectors":{},"routes":{},"route":{}}`,
		"TwoDocuments": `{} {}`,
		"NotJSON":      `routes: {}`,
	} {
		os.WriteFile(path, []byte(body), 0o644)
		if _, err := channel.ReadConfig(path); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestEffective(t *testing.T) {
	t.Parallel()
	c := goodConfig()
	c.Routes["PE_BCP"] = []string{"sim", "up-b"}
	c.Routes["*"] = []string{"up-a", "sim"} // PE_ channels have more specific routes
	got := map[string]string{}
	for _, g := range c.Effective() {
		for _, ch := range g.Channels {
			got[ch] = strings.Join(g.Connectors, ",")
		}
	}
	for ch, want := range map[string]string{
		"GCASH":   "up-a,sim", // exact
		"PE_BCP":  "sim,up-b", // exact beats the prefix
		"PE_BBVA": "up-b",     // prefix beats *
		"BDO":     "up-a,sim", // *
		"GRABPAY": "up-a,sim",
	} {
		if got[ch] != want {
			t.Errorf("%s: %q, want %q", ch, got[ch], want)
		}
	}
	// One list for every channel: each takes the connectors that serve it.
	mixed := goodConfig()
	mixed.Routes = map[string][]string{"*": {"up-b", "up-a", "sim"}}
	if err := channel.Validate(mixed, secrets(t)); err != nil {
		t.Fatalf("mixed list: %v", err)
	}
	got = map[string]string{}
	for _, g := range mixed.Effective() {
		for _, ch := range g.Channels {
			got[ch] = strings.Join(g.Connectors, ",")
		}
	}
	if got["PE_BBVA"] != "up-b,sim" || got["GCASH"] != "up-a,sim" {
		t.Errorf("mixed list: PE_BBVA %q, GCASH %q; want up-b,sim and up-a,sim", got["PE_BBVA"], got["GCASH"])
	}
	if g := (channel.Config{}).Effective(); len(g) != 1 || g[0].Connectors[0] != "sim" {
		t.Errorf("empty config: %+v, want everything on sim", g)
	}
}

// FuzzConfig: any routing file is either refused or gives every payout
// channel at least one connector, each of which the configuration names.
func FuzzConfig(f *testing.F) {
	f.Add(`{"connectors":{"up-b":{"dialect":"B","baseUrl":"http://x","merchantId":1,"apiKeyFile":"b.key"}},"routes":{"PE_*":["up-b","sim"],"*":["sim"]}}`)
	f.Add(`{"connectors":{"up-a":{"dialect":"A","baseUrl":"https://x/","appId":"a","privateKeyFile":"a.pem","platformKeyFile":"a-platform.pem"}},"routes":{"*":["up-a"]}}`)
	f.Add(`{"routes":{"GCASH":[]}}`)
	f.Add(`{"routes":{"":["sim"],"*":null}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		dir := secrets(t)
		path := filepath.Join(dir, "routes.json")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := channel.ReadConfig(path)
		if err != nil || channel.Validate(c, dir) != nil {
			return
		}
		seen := 0
		for _, g := range c.Effective() {
			if len(g.Connectors) == 0 {
				t.Fatalf("channels %v have no connector", g.Channels)
			}
			for _, name := range g.Connectors {
				if _, ok := c.Connectors[name]; !ok && name != channel.SimName {
					t.Fatalf("connector %q is not configured", name)
				}
			}
			seen += len(g.Channels)
		}
		if seen == 0 {
			t.Fatal("no channels")
		}
	})
}
