// Package ledger is Kasir's double-entry book: accounts, balanced journal
// entries and holds. It knows nothing of payouts or payments; the gateway
// describes each movement of money as an Entry and the store applies it in
// the same transaction as the order's state change.
//
// Every Entry's postings sum to zero per currency, in integer minor units. An
// account's balance is the sum of its postings. Merchant accounts may not go
// below zero; platform accounts (funding, channel clearing, revenue) may, since
// they mirror money the platform holds outside the ledger.
//
// Holds follow TigerBeetle's pending transfers: a hold moves an amount from an
// available account into a held account (pending); later exactly one of post
// (the held money leaves to its destinations) or void (it returns) happens.
package ledger

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Posting is one line of an entry: a signed amount in minor units booked to
// an account. Positive amounts raise the account's balance.
type Posting struct {
	Account  string
	Currency string
	Amount   int64
}

// Entry is one balanced journal entry.
type Entry struct {
	ID       string // unique; the store rejects a second entry with the same ID
	Kind     string // what moved the money, e.g. "payout.hold"
	Ref      string // the order or operation it belongs to, e.g. a transaction id
	At       time.Time
	Postings []Posting
}

// Errors returned by Validate.
var (
	ErrUnbalanced    = errors.New("ledger: postings do not sum to zero")
	ErrEmptyPosting  = errors.New("ledger: posting with zero amount or no account")
	ErrNoPostings    = errors.New("ledger: entry has fewer than two postings")
	ErrMixedCurrency = errors.New("ledger: account used with two currencies")
)

// Validate reports whether e is a well-formed balanced entry.
func (e Entry) Validate() error {
	if len(e.Postings) < 2 {
		return ErrNoPostings
	}
	sums := map[string]int64{}
	for _, p := range e.Postings {
		if p.Amount == 0 || p.Account == "" || p.Currency == "" {
			return ErrEmptyPosting
		}
		if CurrencyOf(p.Account) != p.Currency {
			return fmt.Errorf("%w: %s in %s", ErrMixedCurrency, p.Account, p.Currency)
		}
		sums[p.Currency] += p.Amount
	}
	for cur, s := range sums {
		if s != 0 {
			return fmt.Errorf("%w: %s off by %d", ErrUnbalanced, cur, s)
		}
	}
	return nil
}

// Sorted returns the postings ordered by account, the order in which stores
// lock account rows so that concurrent entries never deadlock.
func (e Entry) Sorted() []Posting {
	ps := append([]Posting(nil), e.Postings...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Account < ps[j].Account })
	return ps
}

// Account names are colon-separated paths ending in the currency, so that one
// account holds one currency and its kind can be read from its name:
//
//	merchant:<merchantID>:available:<CUR>   what the merchant may spend
//	merchant:<merchantID>:held:<CUR>        held for payouts in flight
//	merchant:<merchantID>:pending:<CUR>     collected, not yet settled
//	platform:funding:<CUR>                  money operators put in
//	platform:revenue:<CUR>                  fees earned
//	platform:channel:<CODE>:<CUR>           money sent out or taken in through a channel

// MerchantAvailable names a merchant's spendable balance in a currency.
func MerchantAvailable(merchantID, currency string) string {
	return "merchant:" + merchantID + ":available:" + currency
}

// MerchantHeld names the account that holds a merchant's money in flight.
func MerchantHeld(merchantID, currency string) string {
	return "merchant:" + merchantID + ":held:" + currency
}

// MerchantPending names a merchant's collected but unsettled balance.
func MerchantPending(merchantID, currency string) string {
	return "merchant:" + merchantID + ":pending:" + currency
}

// PlatformFunding names the account operators fund merchants from.
func PlatformFunding(currency string) string { return "platform:funding:" + currency }

// PlatformRevenue names the account fees are booked to.
func PlatformRevenue(currency string) string { return "platform:revenue:" + currency }

// Channel names a channel's clearing account.
func Channel(code, currency string) string { return "platform:channel:" + code + ":" + currency }

// CurrencyOf returns the currency an account name ends in.
func CurrencyOf(account string) string {
	i := strings.LastIndexByte(account, ':')
	return account[i+1:]
}

// NonNegative reports whether an account may never go below zero. Stores
// enforce it atomically with the balance update.
func NonNegative(account string) bool { return strings.HasPrefix(account, "merchant:") }

// InsufficientFundsError is returned by a store when applying an entry would
// take a non-negative account below zero. Nothing of the entry is applied.
type InsufficientFundsError struct {
	Account string
}

func (e *InsufficientFundsError) Error() string {
	return "ledger: insufficient funds in " + e.Account
}

// HoldStatus is the state of a hold.
type HoldStatus string

// Hold states: a hold is PENDING until exactly one of post or void.
const (
	HoldPending HoldStatus = "PENDING"
	HoldPosted  HoldStatus = "POSTED"
	HoldVoided  HoldStatus = "VOIDED"
)

// ErrHoldNotPending is returned by a store when a hold is posted or voided a
// second time; the caller's transaction must roll back.
var ErrHoldNotPending = errors.New("ledger: hold is not pending")

// Hold is money moved from an available account into a held account, waiting
// for post or void.
type Hold struct {
	ID         string // the order's transaction id: one hold per order
	MerchantID string
	Currency   string
	Amount     int64 // amount held, including fees
	Status     HoldStatus
}

// HoldEntry is the entry that creates h: available -> held.
func HoldEntry(h Hold) Entry {
	return Entry{ID: h.ID + ":hold", Kind: "hold", Ref: h.ID, Postings: []Posting{
		{MerchantAvailable(h.MerchantID, h.Currency), h.Currency, -h.Amount},
		{MerchantHeld(h.MerchantID, h.Currency), h.Currency, h.Amount},
	}}
}

// VoidEntry is the entry that releases h: held -> available.
func VoidEntry(h Hold) Entry {
	return Entry{ID: h.ID + ":void", Kind: "void", Ref: h.ID, Postings: []Posting{
		{MerchantHeld(h.MerchantID, h.Currency), h.Currency, -h.Amount},
		{MerchantAvailable(h.MerchantID, h.Currency), h.Currency, h.Amount},
	}}
}

// PostEntry is the entry that posts h: the held amount leaves to the given
// destinations, whose amounts must add up to the hold's amount.
func PostEntry(h Hold, to ...Posting) (Entry, error) {
	e := Entry{ID: h.ID + ":post", Kind: "post", Ref: h.ID, Postings: []Posting{
		{MerchantHeld(h.MerchantID, h.Currency), h.Currency, -h.Amount},
	}}
	e.Postings = append(e.Postings, to...)
	return e, e.Validate()
}

// Balance is an account's current balance.
type Balance struct {
	Account  string
	Currency string
	Amount   int64
}

// CheckReport is the result of a full ledger check.
type CheckReport struct {
	Entries           int64
	Accounts          int64
	UnbalancedEntries []string // entry ids whose postings do not sum to zero
	DriftedAccounts   []string // accounts whose balance differs from the sum of their postings
	NegativeAccounts  []string // non-negative accounts below zero
	HoldMismatches    []string // held accounts whose balance differs from their pending holds
}

// OK reports whether the check found nothing wrong.
func (r CheckReport) OK() bool {
	return len(r.UnbalancedEntries) == 0 && len(r.DriftedAccounts) == 0 &&
		len(r.NegativeAccounts) == 0 && len(r.HoldMismatches) == 0
}

// Accounts returns the accounts the entries touch, sorted and without
// repeats: the order in which a transaction that posts several entries
// locks them all before posting any, so that it never waits on a
// transaction that locks them in another order.
func Accounts(entries ...Entry) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		for _, p := range e.Postings {
			if !seen[p.Account] {
				seen[p.Account] = true
				out = append(out, p.Account)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Fits applies e to balances, a working copy of account balances (missing
// accounts count as zero), when no non-negative account goes below zero,
// and reports whether it did; when it does not fit, balances is unchanged.
// A transaction that books many entries at once (a batch of payouts) uses it
// on the balances it has locked to decide, in order, which entries to post;
// the store still enforces the rule when it posts them.
func Fits(balances map[string]int64, e Entry) bool {
	for _, p := range e.Postings {
		if NonNegative(p.Account) && balances[p.Account]+sumFor(e, p.Account) < 0 {
			return false
		}
	}
	for _, p := range e.Postings {
		balances[p.Account] += p.Amount
	}
	return true
}

// sumFor adds up e's postings to one account.
func sumFor(e Entry, account string) int64 {
	var s int64
	for _, p := range e.Postings {
		if p.Account == account {
			s += p.Amount
		}
	}
	return s
}
