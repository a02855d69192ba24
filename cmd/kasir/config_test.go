package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestRedactDB(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"kasir.db":                              "kasir.db",
		"postgres://u:secret@h:5432/db":         "postgres://u:xxxxx@h:5432/db",
		"postgres://u@h/db?password=secret&x=1": "postgres://u@h/db?password=xxxxx&x=1",
		"postgresql://h/db":                     "postgresql://h/db",
	} {
		got := redactDB(in)
		if got != want || strings.Contains(got, "secret") {
			t.Errorf("redactDB(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	env := map[string]string{"KASIR_SIM_DELAY": "7s", "KASIR_ADDR": "127.0.0.1:9999", "KASIR_DB": "/data/k.db"}
	cfg := defaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.bindCommon(fs)
	cfg.bindServe(fs)
	if _, err := cfg.parse(fs, []string{"--addr", "127.0.0.1:1234"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:1234" || cfg.SimDelay != 7*time.Second || cfg.DB != "/data/k.db" ||
		cfg.NotifySchedule != "1m,2m,4m,...,512m" || cfg.PlatformKey != "/data/kasir-platform-key.pem" {
		t.Fatalf("config %+v: want the flag over the environment over the defaults", cfg)
	}
	bad := defaultConfig()
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	bad.bindServe(fs)
	if _, err := bad.parse(fs, nil, func(k string) string { return map[string]string{"KASIR_SIM_DELAY": "soon"}[k] }); err == nil || !strings.Contains(err.Error(), "KASIR_SIM_DELAY") {
		t.Fatalf("a bad environment value: err = %v", err)
	}
}

func TestParsePaymentExpiry(t *testing.T) {
	t.Parallel()
	got, err := parsePaymentExpiry("QR=15m, BANK_TRANSFER=48h")
	if err != nil || len(got) != 2 || got["QR"] != 15*time.Minute || got["BANK_TRANSFER"] != 48*time.Hour {
		t.Fatalf("parsePaymentExpiry = %v, %v", got, err)
	}
	if got, err := parsePaymentExpiry(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v, %v", got, err)
	}
	for _, bad := range []string{"QR", "QR=soon", "SMOKE=5m", "QR=10s", "QR=200h", "QR=5m,"} {
		if _, err := parsePaymentExpiry(bad); err == nil {
			t.Errorf("parsePaymentExpiry(%q): want an error", bad)
		}
	}
}
