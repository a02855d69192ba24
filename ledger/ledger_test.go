package ledger

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	p := func(acct string, amt int64) Posting { return Posting{acct, CurrencyOf(acct), amt} }
	tests := []struct {
		name string
		e    Entry
		err  error
	}{
		{"Balanced", Entry{Postings: []Posting{p("a:PHP", -5), p("b:PHP", 3), p("c:PHP", 2)}}, nil},
		{"TwoCurrencies", Entry{Postings: []Posting{p("a:PHP", -5), p("b:PHP", 5), p("a:IDR", -7), p("b:IDR", 7)}}, nil},
		{"Unbalanced", Entry{Postings: []Posting{p("a:PHP", -5), p("b:PHP", 4)}}, ErrUnbalanced},
		{"BalancedAcrossCurrenciesOnly", Entry{Postings: []Posting{p("a:PHP", -5), p("b:IDR", 5)}}, ErrUnbalanced},
		{"OnePosting", Entry{Postings: []Posting{p("a:PHP", 0)}}, ErrNoPostings},
		{"ZeroAmount", Entry{Postings: []Posting{p("a:PHP", 0), p("b:PHP", 0)}}, ErrEmptyPosting},
		{"NoAccount", Entry{Postings: []Posting{{"", "PHP", -1}, p("b:PHP", 1)}}, ErrEmptyPosting},
		{"CurrencyNotInName", Entry{Postings: []Posting{{"a:PHP", "IDR", -1}, {"b:IDR", "IDR", 1}}}, ErrMixedCurrency},
	}
	for _, tt := range tests {
		if err := tt.e.Validate(); !errors.Is(err, tt.err) {
			t.Errorf("%s: Validate() = %v, want %v", tt.name, err, tt.err)
		}
	}
}

func TestHoldEntries(t *testing.T) {
	t.Parallel()
	h := Hold{ID: "D1", MerchantID: "M1", Currency: "PHP", Amount: 1_100}
	for _, e := range []Entry{HoldEntry(h), VoidEntry(h)} {
		if err := e.Validate(); err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
	}
	if got := HoldEntry(h).Postings[0]; got.Account != "merchant:M1:available:PHP" || got.Amount != -1_100 {
		t.Fatalf("hold debits %+v", got)
	}
	post, err := PostEntry(h, Posting{Channel("BDO", "PHP"), "PHP", 1_000}, Posting{PlatformRevenue("PHP"), "PHP", 100})
	if err != nil || post.Postings[0].Account != MerchantHeld("M1", "PHP") || post.Postings[0].Amount != -1_100 {
		t.Fatalf("post %+v, %v", post, err)
	}
	if _, err := PostEntry(h, Posting{Channel("BDO", "PHP"), "PHP", 1_000}); !errors.Is(err, ErrUnbalanced) {
		t.Fatalf("posting less than the hold: %v", err)
	}
	// Entries of different holds never share an id.
	if HoldEntry(h).ID == VoidEntry(h).ID || HoldEntry(h).ID == post.ID {
		t.Fatal("entry ids of one hold collide")
	}
}

func TestSortedLocksInAccountOrder(t *testing.T) {
	t.Parallel()
	e := Entry{Postings: []Posting{{"c:PHP", "PHP", 1}, {"a:PHP", "PHP", -2}, {"b:PHP", "PHP", 1}}}
	s := e.Sorted()
	if s[0].Account != "a:PHP" || s[1].Account != "b:PHP" || s[2].Account != "c:PHP" || e.Postings[0].Account != "c:PHP" {
		t.Fatalf("Sorted = %v, entry now %v", s, e.Postings)
	}
}

func TestFits(t *testing.T) {
	h := Hold{ID: "D1", MerchantID: "m1", Currency: "PHP", Amount: 700}
	avail, held := MerchantAvailable("m1", "PHP"), MerchantHeld("m1", "PHP")
	bal := map[string]int64{avail: 1000}
	if !Fits(bal, HoldEntry(h)) {
		t.Fatal("a 700 hold on 1000 available did not fit")
	}
	if bal[avail] != 300 || bal[held] != 700 {
		t.Fatalf("balances after the hold: %v", bal)
	}
	h.ID = "D2"
	if Fits(bal, HoldEntry(h)) {
		t.Fatal("a 700 hold on 300 available fitted")
	}
	if bal[avail] != 300 || bal[held] != 700 {
		t.Fatalf("a refused entry changed the balances: %v", bal)
	}
	h.Amount = 300
	if !Fits(bal, HoldEntry(h)) || bal[avail] != 0 || bal[held] != 1000 {
		t.Fatalf("a hold of exactly the available balance: %v", bal)
	}
	// Platform accounts may go below zero; a missing merchant account is zero.
	credit := Entry{ID: "c", Postings: []Posting{{PlatformFunding("PHP"), "PHP", -50}, {MerchantAvailable("m2", "PHP"), "PHP", 50}}}
	if !Fits(bal, credit) || bal[PlatformFunding("PHP")] != -50 {
		t.Fatalf("a credit from platform funding: %v", bal)
	}
	if Fits(bal, HoldEntry(Hold{ID: "D3", MerchantID: "m3", Currency: "PHP", Amount: 1})) {
		t.Fatal("a hold on a merchant with no account fitted")
	}
}
