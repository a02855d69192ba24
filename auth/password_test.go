package auth

import (
	"bytes"
	"fmt"
	"testing"
)

func FuzzVerifyPassword(f *testing.F) {
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	small := phc{memory: 64, time: 1, threads: 1, salt: []byte("saltsaltsaltsalt")}
	small.key = small.derive("hunter2hunter2", 32)
	for _, s := range []string{
		small.encode(),
		dummyHash,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=+64,t=01,p=1$" + salt + "$" + key,
		"",
		"$$$$$",
	} {
		f.Add(s, "hunter2hunter2")
	}
	f.Fuzz(func(t *testing.T, encoded, password string) {
		h, perr := parsePHC(encoded)
		if perr != nil {
			// A hash that does not parse must be refused before any work.
			if ok, err := VerifyPassword(encoded, password); ok || err == nil {
				t.Fatalf("VerifyPassword(%q) = %v, %v for a hash parsePHC refuses (%v)", encoded, ok, err, perr)
			}
			return
		}
		if h.memory > maxMemory || h.time < 1 || h.time > maxTime || h.threads < 1 || h.threads > maxThreads ||
			h.memory < 8*uint32(h.threads) || len(h.salt) < minSalt || len(h.key) < minKey {
			t.Fatalf("parsePHC(%q) accepted parameters out of bounds: %+v", encoded, h)
		}
		again, err := parsePHC(h.encode())
		if err != nil || fmt.Sprint(again) != fmt.Sprint(h) {
			t.Fatalf("%q parses to %+v, whose encoding %q parses to %+v, %v", encoded, h, h.encode(), again, err)
		}
		if h.memory*h.time > 4096 {
			return // a real check of costly parameters would slow the fuzzer to a crawl
		}
		ok, err := VerifyPassword(encoded, password)
		if err != nil || ok != bytes.Equal(h.derive(password, len(h.key)), h.key) {
			t.Fatalf("VerifyPassword(%q, %q) = %v, %v", encoded, password, ok, err)
		}
		// The same parameters and salt with the password's own key verify.
		h.key = h.derive(password, len(h.key))
		if ok, err := VerifyPassword(h.encode(), password); !ok || err != nil {
			t.Fatalf("VerifyPassword of %q's own hash %q = %v, %v", password, h.encode(), ok, err)
		}
	})
}
