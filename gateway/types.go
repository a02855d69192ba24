package gateway

import "time"

// Status is an order's transactionStatus.
type Status string

// Order statuses. PENDING is the only one that changes.
const (
	StatusPending   Status = "PENDING"
	StatusCompleted Status = "COMPLETED"
	StatusFailed    Status = "FAILED"
)

// ChannelState says how far a payout has got with its channel. It is the
// gateway's own bookkeeping, never shown to merchants.
type ChannelState string

// Channel states.
const (
	ChannelNew       ChannelState = "NEW"       // committed, submission queued in the outbox
	ChannelSubmitted ChannelState = "SUBMITTED" // the channel acknowledged it
	ChannelUnknown   ChannelState = "UNKNOWN"   // the submission's outcome is unknown: query, never resubmit
	ChannelDone      ChannelState = "DONE"      // a final result was applied
)

// Merchant is a business that holds balances and owns apps.
type Merchant struct {
	ID              string
	Name            string
	Disabled        bool
	SettlementDelay time.Duration // how long collected money stays pending; 0 settles at once
	// No is the merchant's number in dialect B (the MerchantId header), given
	// when its first apiKey is issued; 0 before.
	No        int64
	CreatedAt time.Time
}

// API dialects an order can be made through; its notifications speak the
// same dialect.
const (
	DialectA = ""  // the RSA-signed Open API (the default)
	DialectB = "B" // the MD5-signed header API (Peru)
)

// APIKey is a dialect B secret of a merchant. Requests signed with any key
// whose ExpiresAt is zero or later than now are accepted; notifications are
// signed with the newest. Sealed is the key as stored: encrypted when the
// gateway has a KeySealer with a master key.
type APIKey struct {
	ID         int64 // assigned by the store
	MerchantNo int64
	MerchantID string
	AppID      string // the app dialect B requests act as
	Sealed     string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: no expiry
}

// App is a merchant's API credential: dialect A requests name it by AppID and
// are signed with the private key matching PublicKeyPEM.
type App struct {
	AppID        string
	MerchantID   string
	PublicKeyPEM string
	NotifyURL    string   // default notification URL when a request names none
	IPAllowlist  []string // CIDRs or addresses; empty allows every address
	Disabled     bool
	CreatedAt    time.Time
}

// Fee is a merchant's price for a channel: Fixed minor units plus BPS basis
// points of the amount. Channel "*" is the merchant's default.
type Fee struct {
	MerchantID string
	Channel    string
	Fixed      int64
	BPS        int64
}

// Payout is a transfer from a merchant's balance to a bank account or
// e-wallet.
type Payout struct {
	TransactionID string
	AppID         string
	MerchantID    string
	MchOrderID    string
	IdempotencyID string // empty when the merchant sent none
	CountryCode   string
	Currency      string
	Amount        int64 // minor units
	Fee           int64 // minor units, held and charged on top of Amount
	PayMethod     string
	TransferCode  string // the bank or wallet code; also the channel code
	AccountNo     string
	AccountName   string
	AccountType   string
	Mobile        string
	NotifyURL     string
	Remark        string
	// Peru only: the payee's CCI, document type (1 DNI, 2 passport, 3 CE,
	// 4 RUC) and number, and email.
	CCIAccountNo  string
	IDType        string
	IDCard        string
	Email         string
	Dialect       string // DialectA or DialectB: how it was made
	Status        Status
	FailedCode    int
	FailedMessage string
	ChannelState  ChannelState
	// Connector names the connector that holds the payout (see Route); set
	// when it is claimed for submission, "" before.
	Connector   string
	ChannelRef  string // the channel's own reference, once it gave one
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  time.Time // zero until COMPLETED or FAILED
	SubmittedAt time.Time // when it was last handed to its channel; zero before
}

// OrderRef names an order of an app by transaction id or, when that is empty,
// by the merchant's order id.
type OrderRef struct {
	TransactionID string
	MchOrderID    string
}

// Outbox topics.
const (
	TopicNotify = "notify" // a merchant notification
	TopicSubmit = "submit" // a payout to hand to its channel
)

// OutboxStatus is an outbox message's delivery state.
type OutboxStatus string

// Outbox states.
const (
	OutboxPending   OutboxStatus = "PENDING"
	OutboxDelivered OutboxStatus = "DELIVERED"
	OutboxDead      OutboxStatus = "DEAD" // retries exhausted; an operator may resend
)

// OutboxMessage is a unit of work committed with the state change that caused
// it and carried out after commit by the dispatcher.
type OutboxMessage struct {
	ID            int64
	Topic         string
	AppID         string
	TransactionID string
	Event         string // e.g. "disbursement.success"; empty for submissions
	URL           string // where a notification goes
	Payload       []byte // the Event, JSON-encoded, for notifications
	Status        OutboxStatus
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	DeliveredAt   time.Time
	LastError     string
}

// DeliveryAttempt records one try at an outbox message.
type DeliveryAttempt struct {
	MessageID  int64
	At         time.Time
	HTTPStatus int    // 0 when no HTTP answer came
	Response   string // an excerpt of the answer, or the error
	Latency    time.Duration
	OK         bool
}

// FinishedAttempt is an attempt as the dispatcher records it, with the
// time of the next one: zero when there is none.
type FinishedAttempt struct {
	DeliveryAttempt
	Next time.Time
}

// Outcome is what the attempt makes of its message: DELIVERED when it
// succeeded (delivered is its time), PENDING again due at next when a retry
// follows, DEAD otherwise; lastError is the failure's response. The pointers
// the outcome does not set are nil, for the stores to keep the old values.
func (f FinishedAttempt) Outcome() (status OutboxStatus, next, delivered *time.Time, lastError *string) {
	switch {
	case f.OK:
		return OutboxDelivered, nil, &f.At, nil
	case f.Next.IsZero():
		return OutboxDead, nil, nil, &f.Response
	default:
		return OutboxPending, &f.Next, nil, &f.Response
	}
}

// Event is what a merchant is told about an order, independent of dialect.
// The notify package encodes it for the merchant's dialect when it delivers.
type Event struct {
	Name          string    `json:"name"`
	Kind          string    `json:"kind"` // "payout"
	TransactionID string    `json:"transactionId"`
	MchOrderID    string    `json:"mchOrderId"`
	MerchantID    string    `json:"merchantId"`
	CountryCode   string    `json:"countryCode"`
	Currency      string    `json:"currency"`
	Amount        int64     `json:"amount"`
	Fee           int64     `json:"fee"`
	Status        Status    `json:"status"`
	CreateTime    time.Time `json:"createTime"`
	ReturnTime    time.Time `json:"returnTime"`
	Remark        string    `json:"remark,omitempty"`
	FailedCode    int       `json:"failedCode,omitempty"`
	FailedMessage string    `json:"failedMessage,omitempty"`
	// Payments only.
	ChannelCode string `json:"channelCode,omitempty"`
	PaidAmount  int64  `json:"paidAmount,omitempty"`
	Flag        string `json:"flag,omitempty"`
	// Refunds only (Kind "refund"): TransactionID is the refund's,
	// MchOrderID the mchRefundOrderId and Amount the refund amount.
	OriginalTransactionID string `json:"originalTransactionId,omitempty"`
	FeeRefunded           int64  `json:"feeRefunded,omitempty"`
	// Dialect is the API dialect the order was made through (DialectA or
	// DialectB); the notification is encoded in it.
	Dialect string `json:"dialect,omitempty"`
}
