package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeTwoGateways runs the README's two-gateway walkthrough, as
// written there, with the built binary: a downstream kasir routes a PH
// payout over dialect A and a Peru payout over dialect B to an upstream
// kasir, and both complete. It runs on SQLite, the databases the block
// names; the upstream tests run the same flows on PostgreSQL too.
func TestReadmeTwoGateways(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)<!-- upstream:begin -->\\s*```sh\\n(.*?)```\\s*<!-- upstream:end -->").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no upstream block")
	}
	dir := t.TempDir()
	script := string(block[1])
	script = strings.Replace(script, "go build -o kasir ./cmd/kasir\n", "cp "+kasirBinary(t)+" kasir\n", 1)
	script = strings.ReplaceAll(script, "127.0.0.1:8080", freePort(t))
	script = strings.ReplaceAll(script, "127.0.0.1:8081", freePort(t))
	script = strings.ReplaceAll(script, "127.0.0.1:9091", freePort(t)) // the upstream's ops listener
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KASIR_LOG_LEVEL=warn", "KASIR_OPS_ADDR=127.0.0.1:0") // the downstream's
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logFile, err := os.Create(filepath.Join(dir, "upstream.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(120*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err = cmd.Wait()
	timer.Stop()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	logFile.Close()
	out, _ := os.ReadFile(logFile.Name())
	if err != nil {
		t.Fatalf("the two-gateway walkthrough failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		`"transactionStatus":"PENDING"`,
		`"orderStatus":"PROCESSING"`,
		`"transactionStatus":"COMPLETED"`,
		`"orderStatus":"SUCCESS"`,
		"restart kasir serve to apply",
		// The downstream's account at the upstream paid 1,500.00 and 150.00, plus 5.00 each.
		"available 8495.00  pending 0.00  held 0.00  PHP",
		"available 9845.00  pending 0.00  held 0.00  PEN",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("walkthrough output lacks %s\n%s", want, out)
		}
	}
	if n := strings.Count(string(out), "ledger check OK"); n != 2 {
		t.Errorf("ledger check passed %d times, want 2\n%s", n, out)
	}
}
