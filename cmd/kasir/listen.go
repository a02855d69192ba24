package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// cmdListen is a developer's notification receiver: it answers the gateway
// as a merchant's endpoint would and keeps each notification's param and
// signature as files, so that they can be checked with
// `openssl dgst -sha256 -verify platform.pem -signature N.sig N.param`.
// --fail N answers the first N deliveries with HTTP 500, to watch retries.
func cmdListen(e *cmdEnv) func(context.Context) error {
	addr := e.fs.String("addr", "127.0.0.1:9000", "address to listen on")
	dir := e.fs.String("dir", "notifications", "directory for N.json, N.param and N.sig files")
	failFirst := e.fs.Int("fail", 0, "answer the first N deliveries with HTTP 500")
	return func(ctx context.Context) error {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			return err
		}
		var mu sync.Mutex
		seen := 0
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			mu.Lock()
			seen++
			n := seen
			mu.Unlock()
			if n <= *failFirst {
				fmt.Fprintf(e.stdout, "#%d answered 500 (--fail %d)\n", n, *failFirst)
				http.Error(w, `{"code":21000,"message":"failing on purpose"}`, http.StatusInternalServerError)
				return
			}
			if err := saveNotification(*dir, n, body); err != nil {
				fmt.Fprintf(e.stdout, "#%d not saved: %v\n", n, err)
			} else {
				fmt.Fprintf(e.stdout, "#%d saved %s\n", n, filepath.Join(*dir, fmt.Sprintf("%d.param", n)))
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"code":10000,"message":"Success"}`))
		})
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		fmt.Fprintf(e.stdout, "listening on http://%s/ ; notifications go to %s/\n", ln.Addr(), *dir)
		go func() {
			<-ctx.Done()
			srv.Close()
		}()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

func saveNotification(dir string, n int, body []byte) error {
	var env struct {
		Param string `json:"param"`
		Sign  string `json:"sign"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("not a {param, sign} body: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Sign)
	if err != nil {
		return fmt.Errorf("sign is not base64: %w", err)
	}
	base := filepath.Join(dir, fmt.Sprint(n))
	for name, data := range map[string][]byte{".json": body, ".param": []byte(env.Param), ".sig": sig} {
		if err := os.WriteFile(base+name, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
