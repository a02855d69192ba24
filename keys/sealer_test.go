package keys

import (
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
)

func TestSealer(t *testing.T) {
	t.Parallel()
	s, err := NewSealer([]byte("master key one"))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "0123456789abcdef") || !strings.HasPrefix(sealed, "v1:") {
		t.Fatalf("sealed key shows the key or lacks its version: %q", sealed)
	}
	t.Run("OK", func(t *testing.T) {
		got, err := s.Open(sealed)
		if err != nil || got != "0123456789abcdef0123456789abcdef" {
			t.Fatalf("Open = %q, %v", got, err)
		}
	})
	t.Run("PlainBeforeMasterKey", func(t *testing.T) {
		plain, _ := gateway.PlainSealer{}.Seal("k1")
		if got, err := s.Open(plain); err != nil || got != "k1" {
			t.Fatalf("Open(plain) = %q, %v", got, err)
		}
	})
	t.Run("ErrWrongMasterKey", func(t *testing.T) {
		other, _ := NewSealer([]byte("master key two"))
		if _, err := other.Open(sealed); err == nil {
			t.Fatal("another master key opened the apiKey")
		}
	})
	t.Run("ErrNoMasterKey", func(t *testing.T) {
		if _, err := (gateway.PlainSealer{}).Open(sealed); err == nil {
			t.Fatal("a gateway without master key opened an encrypted apiKey")
		}
	})
	t.Run("ErrTampered", func(t *testing.T) {
		b := []byte(sealed)
		b[len(b)-3] ^= 1
		if _, err := s.Open(string(b)); err == nil {
			t.Fatal("a tampered apiKey opened")
		}
	})
}
