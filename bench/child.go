package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// child is a gateway the bench started: `kasir serve` on the bench's
// database, its merchant API and ops listener on free loopback ports.
type child struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT of the merchant API
	ops     string // http://127.0.0.1:PORT of the ops listener
	ready   time.Duration
	logPath string
	exited  chan struct{}
	waitErr error
}

// freeAddr returns a loopback address that no one listened on a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// spawn starts the gateway and waits until its /readyz answers 200; ready
// is the time from starting the process to that answer. The child's output
// goes to logPath.
func spawn(ctx context.Context, opts Options, logPath string) (*child, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	ops, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--db", opts.DB, "--addr", addr, "--ops-addr", ops,
		"--notify-allow", "127.0.0.1/32", "--rate-limit", "0", "--log-level", "warn",
		// Payouts settle quickly, so that the notify scenario's backlog
		// builds in seconds, and a refused notification waits long enough
		// not to come back by itself while it does.
		"--sim-delay", "100ms", "--notify-schedule", "1h"}
	if opts.PlatformKey != "" {
		args = append(args, "--platform-key", opts.PlatformKey)
	}
	args = append(args, opts.ServeArgs...) // later flags win
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child has its own descriptor
	cmd := exec.Command(opts.Exe, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = childAttr()
	c := &child{cmd: cmd, base: "http://" + addr, ops: "http://" + ops, logPath: logPath, exited: make(chan struct{})}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the gateway: %w", err)
	}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	hc := &http.Client{Timeout: time.Second}
	for deadline := start.Add(2 * time.Minute); ; time.Sleep(2 * time.Millisecond) {
		if resp, err := hc.Get(c.ops + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.ready = time.Since(start)
				return c, nil
			}
		}
		select {
		case <-c.exited:
			return nil, fmt.Errorf("bench: the gateway exited before it was ready (%v); its log:\n%s", c.waitErr, tail(logPath, 20))
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("bench: the gateway was not ready in 2 minutes; its log:\n%s", tail(logPath, 20))
		}
	}
}

// stop asks the gateway to shut down (SIGTERM: it finishes what is in
// flight) and kills it if it has not within 45 seconds. It returns an error
// when the gateway did not exit cleanly.
func (c *child) stop() error {
	select {
	case <-c.exited:
		return c.exitErr()
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return c.exitErr()
	case <-time.After(45 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("bench: the gateway did not stop within 45 s of SIGTERM and was killed")
	}
}

func (c *child) exitErr() error {
	if c.waitErr != nil {
		return fmt.Errorf("bench: the gateway exited: %v; its log:\n%s", c.waitErr, tail(c.logPath, 20))
	}
	return nil
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// procStatus reads a kB field (VmRSS, VmHWM) of /proc/PID/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		return kb << 10, err
	}
	return 0, fmt.Errorf("bench: no %s in /proc/%d/status", field, pid)
}

// metric reads one sample of the gateway's /metrics: the line that starts
// with series (a name, with its labels if any), e.g.
// `kasir_outbox_backlog{topic="submit"}`.
func metric(hc *http.Client, ops, series string) (float64, error) {
	resp, err := hc.Get(ops + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return 0, fmt.Errorf("bench: %s/metrics: HTTP %d", ops, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errNoSample
}

var errNoSample = errors.New("bench: no such sample in /metrics")

// rssSampler keeps the largest resident set seen every 250 ms: of the child
// from /proc, or of a target from its /metrics.
type rssSampler struct {
	max  atomic.Int64
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(read func() (int64, error)) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, err := read(); err == nil && v > s.max.Load() {
				s.max.Store(v)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// finish stops sampling and returns the largest sample, in bytes.
func (s *rssSampler) finish() int64 {
	close(s.stop)
	<-s.done
	return s.max.Load()
}
