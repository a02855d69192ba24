package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/gateway"
)

// userStore returns s as an auth.Store, or fails the test.
func userStore(t *testing.T, s Store) auth.Store {
	t.Helper()
	u, ok := s.(auth.Store)
	if !ok {
		t.Fatalf("store %T does not implement auth.Store", s)
	}
	return u
}

// seedUser stores a user with the given role (a merchant user belongs to
// merchantID) and returns it.
func seedUser(t *testing.T, us auth.Store, email string, role auth.Role, merchantID string) auth.User {
	t.Helper()
	u := auth.User{ID: uniq("usr_"), Email: email, Role: role, MerchantID: merchantID, CreatedAt: t0}
	if err := us.CreateUser(t.Context(), u, "hash-of-"+email); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// wantInvalidField fails the test unless err is a *gateway.Error of KindInvalid
// about field.
func wantInvalidField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var e *gateway.Error
	if !errors.As(err, &e) || e.Kind != gateway.KindInvalid || e.Field != field {
		t.Errorf("%s: got error %v, want a *gateway.Error of kind %s about %q", what, err, gateway.KindInvalid, field)
	}
}

func testSession(userID string, created, expires time.Time) auth.Session {
	return auth.Session{ID: uniq("sess"), UserID: userID, CSRF: uniq("csrf"), CreatedAt: created, ExpiresAt: expires}
}

var userTests = []test{
	{"UserCreateGet", func(t *testing.T, s Store) {
		ctx, us := t.Context(), userStore(t, s)
		m, _ := seedApp(t, s)
		op := seedUser(t, us, uniq("op")+"@kasir.example", auth.RoleOperator, "")
		mu := auth.User{ID: uniq("usr_"), Email: uniq("shop") + "@toko.example", Role: auth.RoleMerchant,
			MerchantID: m.ID, Disabled: true, CreatedAt: t0.Add(1500 * time.Millisecond)}
		const muHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
		if err := us.CreateUser(ctx, mu, muHash); err != nil {
			t.Fatal(err)
		}
		for want, wantHash := range map[auth.User]string{op: "hash-of-" + op.Email, mu: muHash} {
			got, hash, err := us.UserByEmail(ctx, want.Email)
			if err != nil {
				t.Fatalf("UserByEmail(%s): %v", want.Email, err)
			}
			same(t, "user by email", got, want)
			if hash != wantHash {
				t.Errorf("UserByEmail(%s) hash %q, want %q", want.Email, hash, wantHash)
			}
			got, err = us.UserByID(ctx, want.ID)
			if err != nil {
				t.Fatalf("UserByID(%s): %v", want.ID, err)
			}
			same(t, "user by id", got, want)
		}
		_, _, err := us.UserByEmail(ctx, "nobody@kasir.example")
		wantErr(t, "UserByEmail(unknown)", err, gateway.ErrNotFound)
		_, err = us.UserByID(ctx, "usr_nobody")
		wantErr(t, "UserByID(unknown)", err, gateway.ErrNotFound)
	}},
	{"UserDuplicateEmail", func(t *testing.T, s Store) {
		ctx, us := t.Context(), userStore(t, s)
		m, _ := seedApp(t, s)
		email := uniq("dup") + "@kasir.example"
		first := seedUser(t, us, email, auth.RoleOperator, "")
		err := us.CreateUser(ctx, auth.User{ID: uniq("usr_"), Email: email, Role: auth.RoleMerchant, MerchantID: m.ID, CreatedAt: t0}, "h")
		wantDuplicate(t, "same email", err, "email")
		got, _, err := us.UserByEmail(ctx, email)
		if err != nil || got.ID != first.ID {
			t.Errorf("after the duplicate, the email names %+v (%v), want the first user %s", got, err, first.ID)
		}
	}},
	{"UserUnknownMerchant", func(t *testing.T, s Store) {
		us := userStore(t, s)
		err := us.CreateUser(t.Context(), auth.User{ID: uniq("usr_"), Email: uniq("m") + "@toko.example",
			Role: auth.RoleMerchant, MerchantID: "M-none", CreatedAt: t0}, "h")
		wantInvalidField(t, "unknown merchant", err, "merchant")
	}},
	{"UserRoleMerchantConsistency", func(t *testing.T, s Store) {
		ctx, us := t.Context(), userStore(t, s)
		m, _ := seedApp(t, s)
		for _, u := range []auth.User{
			{ID: uniq("usr_"), Email: uniq("a") + "@x.example", Role: auth.RoleMerchant, CreatedAt: t0},
			{ID: uniq("usr_"), Email: uniq("b") + "@x.example", Role: auth.RoleOperator, MerchantID: m.ID, CreatedAt: t0},
			{ID: uniq("usr_"), Email: uniq("c") + "@x.example", Role: "admin", CreatedAt: t0},
		} {
			if err := us.CreateUser(ctx, u, "h"); err == nil {
				t.Errorf("CreateUser(role %q, merchant %q) was stored; the schema must refuse it", u.Role, u.MerchantID)
			}
		}
		all, err := us.ListUsers(ctx, "")
		if err != nil || len(all) != 0 {
			t.Errorf("ListUsers after refused inserts: %v, %v; want none", all, err)
		}
	}},
	{"UserList", func(t *testing.T, s Store) {
		ctx, us := t.Context(), userStore(t, s)
		m1, _ := seedApp(t, s)
		m2, _ := seedApp(t, s)
		c := seedUser(t, us, "c@toko.example", auth.RoleMerchant, m1.ID)
		a := seedUser(t, us, "a@toko.example", auth.RoleMerchant, m1.ID)
		b := seedUser(t, us, "b@kasir.example", auth.RoleOperator, "")
		d := seedUser(t, us, "d@other.example", auth.RoleMerchant, m2.ID)
		list := func(merchantID string) []auth.User {
			t.Helper()
			got, err := us.ListUsers(ctx, merchantID)
			if err != nil {
				t.Fatalf("ListUsers(%q): %v", merchantID, err)
			}
			return got
		}
		same(t, "every user", list(""), []auth.User{a, b, c, d})
		same(t, "users of m1", list(m1.ID), []auth.User{a, c})
		same(t, "users of m2", list(m2.ID), []auth.User{d})
		if got := list("M-none"); len(got) != 0 {
			t.Errorf("users of an unknown merchant: %+v", got)
		}
	}},
	{"UserSetDisabled", func(t *testing.T, s Store) {
		ctx, us := t.Context(), userStore(t, s)
		u := seedUser(t, us, uniq("op")+"@kasir.example", auth.RoleOperator, "")
		for _, disabled := range []bool{true, false} {
			if err := us.SetUserDisabled(ctx, u.ID, disabled); err != nil {
				t.Fatal(err)
			}
			got, err := us.UserByID(ctx, u.ID)
			if err != nil || got.Disabled != disabled {
				t.Errorf("after SetUserDisabled(%v): %+v, %v", disabled, got, err)
			}
		}
		wantErr(t, "SetUserDisabled(unknown)", us.SetUserDisabled(ctx, "usr_nobody", true), gateway.ErrNotFound)
	}},
	{"UserDisableEndsSessions", func(t *testing.T, s Store) {
		ctx, us := t.Context(), userStore(t, s)
		u := seedUser(t, us, uniq("op")+"@kasir.example", auth.RoleOperator, "")
		other := seedUser(t, us, uniq("op")+"@kasir.example", auth.RoleOperator, "")
		mine := []auth.Session{testSession(u.ID, t0, t0.Add(time.Hour)), testSession(u.ID, t0, t0.Add(2*time.Hour))}
		theirs := testSession(other.ID, t0, t0.Add(time.Hour))
		for _, sess := range append(mine, theirs) {
			if err := us.InsertSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
		}
		// Enabling an enabled user ends nothing.
		if err := us.SetUserDisabled(ctx, u.ID, false); err != nil {
			t.Fatal(err)
		}
		if got, err := us.GetSession(ctx, mine[0].ID); err != nil || got != mine[0] {
			t.Errorf("session after enabling an enabled user: %+v, %v; want it kept", got, err)
		}
		for _, disabled := range []bool{true, false} {
			if err := us.SetUserDisabled(ctx, u.ID, disabled); err != nil {
				t.Fatal(err)
			}
			for _, sess := range mine {
				_, err := us.GetSession(ctx, sess.ID)
				wantErr(t, fmt.Sprintf("session of the user after SetUserDisabled(%v)", disabled), err, gateway.ErrNotFound)
			}
			if got, err := us.GetSession(ctx, theirs.ID); err != nil || got != theirs {
				t.Errorf("another user's session after SetUserDisabled(%v): %+v, %v; want it kept", disabled, got, err)
			}
		}
	}},
	{"SessionInsertGetDelete", func(t *testing.T, s Store) {
		ctx, us := t.Context(), userStore(t, s)
		u := seedUser(t, us, uniq("op")+"@kasir.example", auth.RoleOperator, "")
		sess := testSession(u.ID, t0, t0.Add(12*time.Hour+time.Millisecond))
		if err := us.InsertSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		got, err := us.GetSession(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "session", got, sess)
		if err := us.InsertSession(ctx, testSession("usr_nobody", t0, t0.Add(time.Hour))); err == nil {
			t.Error("InsertSession for an unknown user was stored")
		}
		if err := us.DeleteSession(ctx, sess.ID); err != nil {
			t.Fatal(err)
		}
		_, err = us.GetSession(ctx, sess.ID)
		wantErr(t, "GetSession after DeleteSession", err, gateway.ErrNotFound)
		if err := us.DeleteSession(ctx, sess.ID); err != nil {
			t.Errorf("DeleteSession of no session: %v", err)
		}
	}},
	{"SessionDeleteExpired", func(t *testing.T, s Store) {
		ctx, us := t.Context(), userStore(t, s)
		u := seedUser(t, us, uniq("op")+"@kasir.example", auth.RoleOperator, "")
		before := testSession(u.ID, t0.Add(-time.Hour), t0.Add(-time.Millisecond))
		at := testSession(u.ID, t0.Add(-time.Hour), t0)
		after := testSession(u.ID, t0.Add(-time.Hour), t0.Add(time.Millisecond))
		for _, sess := range []auth.Session{before, at, after} {
			if err := us.InsertSession(ctx, sess); err != nil {
				t.Fatal(err)
			}
		}
		// GetSession does not judge expiry: that is the caller's.
		if got, err := us.GetSession(ctx, before.ID); err != nil || got != before {
			t.Errorf("GetSession of an expired session: %+v, %v", got, err)
		}
		n, err := us.DeleteExpiredSessions(ctx, t0)
		if err != nil || n != 2 {
			t.Errorf("DeleteExpiredSessions(t0) = %d, %v; want 2", n, err)
		}
		for _, gone := range []auth.Session{before, at} {
			_, err := us.GetSession(ctx, gone.ID)
			wantErr(t, "expired session "+gone.ID, err, gateway.ErrNotFound)
		}
		if got, err := us.GetSession(ctx, after.ID); err != nil || got != after {
			t.Errorf("live session after the sweep: %+v, %v", got, err)
		}
		if n, err := us.DeleteExpiredSessions(ctx, t0); err != nil || n != 0 {
			t.Errorf("second DeleteExpiredSessions(t0) = %d, %v; want 0", n, err)
		}
	}},
}
