package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// The reliability suites' flags. CI runs the short form; `make crash` the
// full one (see the README, "Reliability suites").
var (
	crashKills = flag.Int("crash.kills", 5, "TestCrash: how many times serve is SIGKILLed on each engine (the full run: 50)")
	crashSeed  = flag.Int64("crash.seed", 0, "TestCrash: seed of the load's choices and the kill times; 0 picks one, which the test prints")
)

// serveProc runs `kasir serve` as a child process on one address and one
// database, so that a test can SIGKILL it and start it again in its place.
// Every start appends its output to one log file.
type serveProc struct {
	t       *testing.T
	bin     string
	addr    string
	db      string
	logPath string
	flags   []string // given to every start, before a start's own

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	starts int
}

// newServeProc returns a stopped serveProc on db and a free loopback port;
// the test's cleanup stops it.
func newServeProc(t *testing.T, db string, flags ...string) *serveProc {
	t.Helper()
	p := &serveProc{t: t, bin: kasirBinary(t), addr: freePort(t), db: db,
		logPath: t.TempDir() + "/serve.log", flags: flags}
	t.Cleanup(p.stop)
	return p
}

// baseURL is where the API answers.
func (p *serveProc) baseURL() string { return "http://" + p.addr }

// start starts serve with extra flags after the common ones; it does not
// wait for it to be ready.
func (p *serveProc) start(extra ...string) {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.t.Fatal("serveProc: start while running")
	}
	args := []string{"serve", "--addr", p.addr, "--db", p.db, "--platform-key", platformKeyPath(p.db), "--log-level", "warn"}
	args = append(append(args, p.flags...), extra...)
	cmd := exec.Command(p.bin, args...)
	cmd.Env = append(envWithoutKasir(), "KASIR_LOG_FORMAT=text")
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close() // the child has its own descriptor
	p.starts++
	fmt.Fprintf(f, "=== start %d at %s: %s\n", p.starts, time.Now().Format("15:04:05.000"), strings.Join(args[1:], " "))
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start serve: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	p.cmd, p.exited = cmd, exited
}

// waitReady waits until /readyz answers 200; it fails when serve exits or
// timeout passes first.
func (p *serveProc) waitReady(timeout time.Duration) error {
	p.mu.Lock()
	exited := p.exited
	p.mu.Unlock()
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return fmt.Errorf("serve exited before it was ready; log:\n%s", p.logTail(40))
		default:
		}
		resp, err := hc.Get(p.baseURL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("serve not ready after %s; log:\n%s", timeout, p.logTail(40))
}

// running reports whether the current serve process has not exited.
func (p *serveProc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// kill SIGKILLs serve and waits until it is gone.
func (p *serveProc) kill() { p.signal(syscall.SIGKILL, 0) }

// stop asks serve to stop (SIGTERM) and kills it after 15 seconds.
func (p *serveProc) stop() { p.signal(syscall.SIGTERM, 15*time.Second) }

func (p *serveProc) signal(sig syscall.Signal, grace time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(sig)
	if grace > 0 {
		select {
		case <-p.exited:
		case <-time.After(grace):
			p.cmd.Process.Kill()
		}
	}
	<-p.exited
	p.cmd, p.exited = nil, nil
}

// logTail returns the last n lines of serve's log.
func (p *serveProc) logTail(n int) string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// logLines returns the lines of serve's log that contain any of words.
func (p *serveProc) logLines(words ...string) []string {
	b, _ := os.ReadFile(p.logPath)
	var out []string
	for _, l := range bytes.Split(b, []byte("\n")) {
		for _, w := range words {
			if bytes.Contains(l, []byte(w)) {
				out = append(out, string(l))
				break
			}
		}
	}
	return out
}

// envWithoutKasir is the test's environment without KASIR_* settings, so
// that the developer's own do not change the child's behaviour.
func envWithoutKasir() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KASIR_") {
			env = append(env, kv)
		}
	}
	return env
}

// notifyLog is a merchant's notification endpoint that verifies every
// notification with the platform key, answers success, and remembers which
// statuses each order was notified with.
type notifyLog struct {
	srv *httptest.Server

	mu    sync.Mutex
	got   map[string][]string // transactionId (refundTransactionId for refunds) -> statuses, in arrival order
	total int
}

// startNotifyLog starts the endpoint on a loopback port; the test's cleanup
// closes it.
func startNotifyLog(t *testing.T, platformKey *rsa.PublicKey) *notifyLog {
	n := &notifyLog{got: map[string][]string{}}
	n.srv = httptest.NewServer(client.NotificationHandler(platformKey, func(_ context.Context, m client.Notification) error {
		id, status := m.TransactionID, m.TransactionStatus
		if m.RefundTransactionID != "" {
			id, status = m.RefundTransactionID, m.RefundStatus
		}
		if id == "" || status == "" {
			return errors.New("notification without an id or a status")
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		n.got[id] = append(n.got[id], status)
		n.total++
		return nil
	}))
	t.Cleanup(n.srv.Close)
	return n
}

// url is the notifyUrl merchants register.
func (n *notifyLog) url() string { return n.srv.URL + "/notify" }

// statuses returns a copy of what order id was notified with.
func (n *notifyLog) statuses(id string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.got[id]...)
}

// snapshot returns a copy of every order's notified statuses and the
// number of notifications received.
func (n *notifyLog) snapshot() (map[string][]string, int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make(map[string][]string, len(n.got))
	for k, v := range n.got {
		out[k] = append([]string(nil), v...)
	}
	return out, n.total
}
