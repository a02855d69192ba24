package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/auth"
)

// TestLockoutParallel: guesses sent at once cannot outrun the limiter. Every
// attempt that passes it is held at the store until each of the n has
// either got there or been answered, so that all are in flight together;
// only the limit's worth may reach the password check.
func TestLockoutParallel(t *testing.T) {
	t.Parallel()
	const n = 40
	for _, tc := range []struct {
		name      string
		email, ip func(i int) string
		limit     int
	}{
		{"OneEmail", func(int) string { return "ana@toko.example" },
			func(i int) string { return fmt.Sprintf("192.0.2.%d", i+1) }, 3},
		{"OneAddress", func(i int) string { return fmt.Sprintf("guess%d@toko.example", i) },
			func(int) string { return "203.0.113.7" }, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.user(t, "ana@toko.example", auth.RoleOperator, "")
			var settled atomic.Int32
			all := make(chan struct{})
			settle := func() {
				if settled.Add(1) == n {
					close(all)
				}
			}
			b.store.onUserByEmail = func() {
				settle()
				<-all
			}
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					_, _, _, errs[i] = b.svc.Login(b.ctx, tc.email(i), "wrong password", tc.ip(i))
					if !errors.Is(errs[i], auth.ErrBadCredentials) {
						settle() // refused without reaching the store
					}
				})
			}
			wg.Wait()
			if got := b.store.byEmail.Load(); got != int32(tc.limit) {
				t.Errorf("%d of %d parallel guesses reached the password check, want %d", got, n, tc.limit)
			}
			var bad, many int
			for i, err := range errs {
				var tooMany *auth.TooManyAttemptsError
				switch {
				case errors.Is(err, auth.ErrBadCredentials):
					bad++
				case errors.As(err, &tooMany) && tooMany.RetryAfter == window:
					many++
				default:
					t.Errorf("guess %d: %v", i, err)
				}
			}
			if bad != tc.limit || many != n-tc.limit {
				t.Errorf("%d wrong-password answers and %d lockouts, want %d and %d", bad, many, tc.limit, n-tc.limit)
			}
			// The guesses were all counted: the right password is refused too.
			b.store.onUserByEmail = nil
			_, _, _, err := b.svc.Login(b.ctx, tc.email(0), password, tc.ip(0))
			wantTooMany(t, "the right password after the parallel guesses", err, window)
		})
	}
}

// TestLoginBusy: a sign-in that gets no password hashing slot is answered
// ErrBusy without a check, and does not count as a failure.
func TestLoginBusy(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.user(t, "ana@toko.example", auth.RoleOperator, "")
	auth.SetHashWait(b.svc, 10*time.Millisecond)
	release := auth.HoldHashSlots(b.svc)
	for _, email := range []string{"ana@toko.example", "nobody@toko.example"} {
		for range 6 { // more than the limits of the email and the address
			if _, _, _, err := b.svc.Login(b.ctx, email, password, "192.0.2.1"); !errors.Is(err, auth.ErrBusy) {
				t.Fatalf("Login(%s) with every slot held: %v, want ErrBusy", email, err)
			}
		}
	}
	if _, err := b.svc.CreateUser(b.ctx, "budi@toko.example", password, auth.RoleOperator, ""); !errors.Is(err, auth.ErrBusy) {
		t.Errorf("CreateUser with every slot held: %v, want ErrBusy", err)
	}
	ctx, cancel := context.WithCancel(b.ctx)
	cancel()
	auth.SetHashWait(b.svc, time.Hour)
	// CreateUser reaches the wait before any store call, which would fail
	// on the cancelled ctx first.
	if _, err := b.svc.CreateUser(ctx, "budi@toko.example", password, auth.RoleOperator, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateUser with every slot held and ctx cancelled: %v, want context.Canceled", err)
	}
	release()
	b.login(t, "ana@toko.example", password, "192.0.2.1")
	b.user(t, "budi@toko.example", auth.RoleOperator, "")
}
