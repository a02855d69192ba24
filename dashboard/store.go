package dashboard

import (
	"context"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// OrderType is one of the kinds of order the transactions page lists.
type OrderType string

const (
	TypePayout  OrderType = "payout"
	TypePayment OrderType = "payment" // dynamic payments and payments into static codes
	TypeRefund  OrderType = "refund"
)

// OrderFilter selects orders for the transactions page. Zero fields do not
// filter.
type OrderFilter struct {
	MerchantID string    // set for merchant users, always: the server scopes by it
	Type       OrderType // "" for all three
	Status     string    // as stored: PENDING, COMPLETED, FAILED, EXPIRED, COMPLETE, CANCEL
	Country    string
	Channel    string    // payouts: transfer code; payments and refunds: channel code
	From, To   time.Time // created in [From, To)
	Query      string    // exact mchOrderId, transactionId or (refunds) original transaction id
	// Keyset paging, newest first: only orders created before Before, or at
	// Before with a transaction id below BeforeID.
	Before   time.Time
	BeforeID string
	Limit    int // at most 200; default 50
}

// Order is one row of the transactions page.
type Order struct {
	Type          OrderType
	TransactionID string
	MchOrderID    string
	MerchantID    string
	AppID         string
	Country       string
	Currency      string
	Amount        int64 // minor units: the requested amount (payments: the amount asked, or paid for open static codes)
	Fee           int64
	Channel       string
	Status        string
	CreatedAt     time.Time
	FinishedAt    time.Time // zero while pending
}

// OrderPage is a page of orders and whether more follow.
type OrderPage struct {
	Orders []Order
	More   bool
}

// MerchantSummary is a merchant as the operator console lists it.
type MerchantSummary struct {
	gateway.Merchant
	Apps []gateway.App
	Fees []gateway.Fee
}

// EndpointHealth is one notification URL's delivery record.
type EndpointHealth struct {
	URL           string
	Pending       int64 // notifications waiting (due or retrying)
	Dead          int64 // notifications whose retries ran out
	Attempts      int64 // attempts since the window's start
	Failures      int64 // failed attempts since the window's start
	LastError     string
	LastAttemptAt time.Time
}

// VolumeRow is one day's orders of one type, channel and currency.
type VolumeRow struct {
	Day       time.Time // midnight UTC
	Type      OrderType
	Channel   string
	Currency  string
	Count     int64
	Succeeded int64 // COMPLETED (payouts, payments) or COMPLETE (refunds)
	Failed    int64 // FAILED, EXPIRED, CANCEL
	Amount    int64 // sum of the succeeded orders' amounts
}

// Store is what the dashboard reads beyond gateway.Store and notify.Store;
// store/postgres and store/sqlite implement it. Every method that takes a
// merchantID returns that merchant's data only, or all when it is "".
type Store interface {
	ListOrders(ctx context.Context, f OrderFilter) (OrderPage, error)
	// LedgerEntries returns the entries with this ref (an order's
	// transaction id) with their postings, oldest first.
	LedgerEntries(ctx context.Context, ref string) ([]ledger.Entry, error)
	// ListMerchants returns every merchant with its apps and fees, by name.
	ListMerchants(ctx context.Context) ([]MerchantSummary, error)
	// ListStaticCodes returns a merchant's static codes, newest first.
	ListStaticCodes(ctx context.Context, merchantID string, limit int) ([]gateway.StaticCode, error)
	// Endpoints returns the notification URLs with messages or attempts
	// since the given time, the most failures first.
	Endpoints(ctx context.Context, merchantID string, since time.Time) ([]EndpointHealth, error)
	// Volume returns the daily volume of orders created in [from, to).
	Volume(ctx context.Context, merchantID string, from, to time.Time) ([]VolumeRow, error)
	// DeliveryLatencies returns the latencies of notification attempts made
	// since the given time, ascending (at most 10,000 of the latest).
	DeliveryLatencies(ctx context.Context, merchantID string, since time.Time) ([]time.Duration, error)
}
