package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/kasir-gateway/kasir/channel"
)

// loadRoutes builds the routing table from the --routes file: every channel
// on the simulator when there is none. The file is validated strictly; an
// error names the entry at fault.
func loadRoutes(cfg Config, sim channel.Simulator, opts channel.Options) (*channel.Table, error) {
	c := channel.Config{}
	dir := "."
	if cfg.Routes != "" {
		var err error
		if c, err = channel.ReadConfig(cfg.Routes); err != nil {
			return nil, fmt.Errorf("--routes: %w", err)
		}
		dir = filepath.Dir(cfg.Routes)
	}
	t, err := channel.NewTable(c, dir, sim, opts)
	if err != nil {
		return nil, fmt.Errorf("--routes %s: %w", cfg.Routes, err)
	}
	return t, nil
}

// bindRoutes registers --routes on a channel command.
func bindRoutes(e *cmdEnv) {
	e.fs.StringVar(&e.cfg.Routes, "routes", e.cfg.Routes, "the routing file (JSON) that kasir serve reads at start (KASIR_ROUTES)")
}

// positional returns a command's arguments that are not flags, parsing the
// flags that follow them (the flag package stops at the first argument).
func positional(fs *flag.FlagSet) ([]string, error) {
	var args []string
	rest := fs.Args()
	for len(rest) > 0 {
		if !strings.HasPrefix(rest[0], "-") {
			args, rest = append(args, rest[0]), rest[1:]
			continue
		}
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		rest = fs.Args()
	}
	return args, nil
}

// editRoutes reads the --routes file (empty when it does not exist yet),
// lets edit change it, validates the result as the server would and writes
// it back.
func editRoutes(e *cmdEnv, edit func(c *channel.Config) error) error {
	if e.cfg.Routes == "" {
		return errors.New("--routes (or KASIR_ROUTES) names the routing file to edit")
	}
	c, err := channel.ReadConfigOrEmpty(e.cfg.Routes)
	if err != nil {
		return err
	}
	if err := edit(&c); err != nil {
		return err
	}
	if err := channel.Validate(c, filepath.Dir(e.cfg.Routes)); err != nil {
		return fmt.Errorf("not written: %w", err)
	}
	return channel.WriteConfig(e.cfg.Routes, c)
}

func cmdChannelRoutes(e *cmdEnv) func(context.Context) error {
	bindRoutes(e)
	asJSON := e.fs.Bool("json", false, "print the configuration and the effective table as JSON")
	return func(ctx context.Context) error {
		c := channel.Config{}
		if e.cfg.Routes != "" {
			var err error
			if c, err = channel.ReadConfig(e.cfg.Routes); err != nil {
				return err
			}
			if err := channel.Validate(c, filepath.Dir(e.cfg.Routes)); err != nil {
				return err
			}
		}
		if *asJSON {
			return printJSON(e, map[string]any{"config": c, "effective": c.Effective()})
		}
		if e.cfg.Routes == "" {
			fmt.Fprintln(e.stdout, "no --routes file: every payout channel goes to the simulator")
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CONNECTOR\tDIALECT\tBASE URL")
		fmt.Fprintln(tw, "sim\t-\tthe built-in simulator")
		for _, name := range slices.Sorted(maps.Keys(c.Connectors)) {
			cc := c.Connectors[name]
			fmt.Fprintf(tw, "%s\t%s\t%s\n", name, cc.Dialect, cc.BaseURL)
		}
		fmt.Fprintln(tw, "\nCONNECTORS (in order)\tCHANNELS")
		for _, g := range c.Effective() {
			channels := strings.Join(g.Channels, " ")
			if len(g.Connectors) == 1 && g.Connectors[0] == channel.SimName {
				channels = fmt.Sprintf("every other channel (%d)", len(g.Channels))
			}
			fmt.Fprintf(tw, "%s\t%s\n", strings.Join(g.Connectors, ","), channels)
		}
		return tw.Flush()
	}
}

func cmdChannelRoute(e *cmdEnv) func(context.Context) error {
	bindRoutes(e)
	del := e.fs.Bool("delete", false, "remove the route of CHANNEL instead")
	return func(ctx context.Context) error {
		args, err := positional(e.fs)
		if err != nil {
			return err
		}
		if len(args) != 2 && !(*del && len(args) == 1) {
			return errors.New("usage: kasir channel route CHANNEL CONNECTOR[,CONNECTOR...] | CHANNEL --delete  (CHANNEL: a code, a prefix like PE_*, or *)")
		}
		pattern := args[0]
		var names []string
		if !*del {
			for _, n := range strings.Split(args[1], ",") {
				if n = strings.TrimSpace(n); n != "" {
					names = append(names, n)
				}
			}
		}
		err = editRoutes(e, func(c *channel.Config) error {
			if *del {
				if _, ok := c.Routes[pattern]; !ok {
					return fmt.Errorf("no route %q in %s", pattern, e.cfg.Routes)
				}
				delete(c.Routes, pattern)
				return nil
			}
			if c.Routes == nil {
				c.Routes = map[string][]string{}
			}
			c.Routes[pattern] = names
			return nil
		})
		if err != nil {
			return err
		}
		if *del {
			fmt.Fprintf(e.stdout, "route %s removed from %s; restart kasir serve to apply\n", pattern, e.cfg.Routes)
		} else {
			fmt.Fprintf(e.stdout, "route %s -> %s written to %s; restart kasir serve to apply\n", pattern, strings.Join(names, ","), e.cfg.Routes)
		}
		return nil
	}
}

func cmdChannelConnectorAdd(e *cmdEnv) func(context.Context) error {
	bindRoutes(e)
	var cc channel.ConnectorConfig
	e.fs.StringVar(&cc.Dialect, "dialect", "", "A (Open API) or B (header-signed, Peru)")
	e.fs.StringVar(&cc.BaseURL, "base-url", "", "the upstream gateway's URL")
	e.fs.StringVar(&cc.AppID, "app-id", "", "dialect A: our appId at the upstream")
	e.fs.StringVar(&cc.PrivateKeyFile, "private-key-file", "", "dialect A: PEM file with our RSA private key")
	e.fs.StringVar(&cc.PlatformKeyFile, "platform-key-file", "", "dialect A: PEM file with the upstream's platform public key")
	e.fs.Int64Var(&cc.MerchantID, "merchant-id", 0, "dialect B: our merchantId at the upstream")
	e.fs.StringVar(&cc.APIKeyFile, "api-key-file", "", "dialect B: file holding our apiKey")
	e.fs.StringVar(&cc.Timeout, "timeout", "", "bound on one call, e.g. 20s (default 30s)")
	replace := e.fs.Bool("replace", false, "replace a connector of that name")
	return func(ctx context.Context) error {
		args, err := positional(e.fs)
		if err != nil {
			return err
		}
		if len(args) != 1 {
			return errors.New("usage: kasir channel connector add NAME --dialect A|B --base-url URL (--app-id ID --private-key-file F --platform-key-file F | --merchant-id N --api-key-file F)")
		}
		name := args[0]
		// Key files are kept absolute: the server resolves relative names
		// against the routing file's directory, not this one.
		for _, f := range []*string{&cc.PrivateKeyFile, &cc.PlatformKeyFile, &cc.APIKeyFile} {
			if *f != "" {
				if *f, err = filepath.Abs(*f); err != nil {
					return err
				}
			}
		}
		err = editRoutes(e, func(c *channel.Config) error {
			if _, ok := c.Connectors[name]; ok && !*replace {
				return fmt.Errorf("connector %q exists in %s (use --replace)", name, e.cfg.Routes)
			}
			if c.Connectors == nil {
				c.Connectors = map[string]channel.ConnectorConfig{}
			}
			c.Connectors[name] = cc
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "connector %s (dialect %s, %s) written to %s; route channels to it with `kasir channel route`, then restart kasir serve to apply\n",
			name, cc.Dialect, cc.BaseURL, e.cfg.Routes)
		fmt.Fprintf(e.stdout, "the upstream notifies us at <public URL>/upstream/%s/notify\n", name)
		return nil
	}
}
