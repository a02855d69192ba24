package gateway

import "time"

// Payment statuses beyond PENDING, COMPLETED and FAILED.
const (
	StatusExpired Status = "EXPIRED"
)

// Payment flags: a payment accepted as the channel reported it, but not as
// ordered. Money that arrived is never refused or lost; it is booked and
// flagged for the merchant to see.
const (
	FlagLate      = "LATE"      // paid after the order expired
	FlagUnderpaid = "UNDERPAID" // less than the ordered amount arrived
	FlagOverpaid  = "OVERPAID"  // more than the ordered amount arrived
)

// Payment is money a customer pays a merchant through a channel: a dynamic
// order (one payment, one amount, an expiry).
type Payment struct {
	TransactionID string // "C..."
	AppID         string
	MerchantID    string
	MchOrderID    string // for a payment into a static code, the code's
	StaticCodeID  string // the static code paid into; "" for a dynamic order
	CountryCode   string
	Currency      string
	Amount        int64 // ordered, minor units
	PaidAmount    int64 // what arrived; 0 until paid
	Fee           int64 // on PaidAmount, set when paid
	ChannelType   string
	ChannelCode   string
	PayData       string // the QR payload, VA number or pay URL
	CustomerName  string
	Email         string
	Mobile        string
	TerminalType  string
	NotifyURL     string
	RedirectURL   string
	Remark        string
	Dialect       string // DialectA or DialectB: how it was made
	Status        Status
	Flag          string
	ChannelRef    string // the channel's reference of the customer's payment
	ExpireAt      time.Time
	SettleAt      time.Time // when the credit moves from pending to available; zero until paid
	SettledAt     time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	FinishedAt    time.Time
}

// PaymentResult is a channel's report that a customer paid.
type PaymentResult struct {
	PaidAmount int64
	ChannelRef string // unique per channel payment; reports with one ref apply once
	At         time.Time
}
