package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"slices"

	"github.com/kasir-gateway/kasir/client"
)

// fleet is the bench's merchants: one RSA key pair signs for all of them
// (generating one per merchant would take longer than some runs).
type fleet struct {
	key    *rsa.PrivateKey
	spread []*merchant // payouts, payments, mix
	hot    *merchant   // hot alone, so its balance check sees only its payouts
	notify *merchant   // notify alone, so its held balance tells when its payouts are final
}

// setupFleet onboards the merchants the scenarios need through core, each
// with the bench fee and creditAmount available.
func setupFleet(ctx context.Context, core Core, opts Options, tag string) (*fleet, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	f := &fleet{key: key}
	add := func(name string) (*merchant, error) {
		mid, app, err := core.CreateMerchant(ctx, fmt.Sprintf("bench %s %s", tag, name), pub)
		if err != nil {
			return nil, fmt.Errorf("bench: create merchant: %w", err)
		}
		if err := core.SetFee(ctx, mid, feeFixed, feeBPS); err != nil {
			return nil, fmt.Errorf("bench: set fee: %w", err)
		}
		if err := core.Credit(ctx, mid, currency, creditAmount); err != nil {
			return nil, fmt.Errorf("bench: credit: %w", err)
		}
		return &merchant{id: mid, appID: app, sdk: client.New("http://unused", app, key)}, nil
	}
	needs := func(names ...string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return slices.Contains(opts.Scenarios, n) })
	}
	if needs(ScenarioPayouts, ScenarioPayments, ScenarioMix) {
		for i := range opts.Merchants {
			m, err := add(fmt.Sprint(i))
			if err != nil {
				return nil, err
			}
			f.spread = append(f.spread, m)
		}
	}
	if needs(ScenarioHot) {
		if f.hot, err = add("hot"); err != nil {
			return nil, err
		}
	}
	if needs(ScenarioNotify) {
		if f.notify, err = add("notify"); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// at returns an SDK client calling the gateway at base as m.
func (m *merchant) at(base string, hc *http.Client, key *rsa.PrivateKey) *client.Client {
	return client.New(base, m.appID, key, client.WithHTTPClient(hc))
}
