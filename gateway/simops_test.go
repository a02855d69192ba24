package gateway_test

import (
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// simKind says what one step of the simulation does.
type simKind uint8

// The steps of the simulation. Each names the entities it makes or acts on
// by their number in the sequence (P3 is the fourth payout the sequence
// asked for), so that a step whose entity was never made, because the
// gateway refused it or shrinking removed the step that made it, does
// nothing or asks about an order the gateway does not know.
const (
	opCredit          simKind = iota // M, Ch (currency), N amount
	opSetDelay                       // M, D
	opSetFee                         // M, Ch (simFeeChannels), N fixed, X bps
	opPayout                         // ID, M, Ch, N amount, V variant, Dup, Flag (idempotencyId), URL, Plan
	opPayment                        // ID, M, Ch, N amount, D expiry (0: default), V variant, Dup, URL
	opPay                            // Ref payment, V (exact, under, over, repeat), N difference
	opSimPay                         // Ref payment, V (exact, over), N difference: through channel/sim
	opSimReport                      // channel/sim reports what customers paid
	opStatic                         // ID, M, Ch, N fixed amount (0: open), X max, D expiry, V, Dup, URL
	opStaticPay                      // ID payment, Ref code, V (right, wrong amount), D paid this long ago, Flag (repeat a report)
	opSimPayStatic                   // ID payment, Ref code, V: through channel/sim
	opCancelStatic                   // Ref code
	opRefund                         // ID, Ref payment, V amount, N small amount, M (-1: the owner), Dup, URL, Plan
	opDispatch                       // N rounds of the outbox dispatcher
	opDecide                         // Flag (refund), Ref, V (1: its callback is lost)
	opCallback                       // N picks a queued callback, Flag (deliver it again later)
	opPendingCallback                // Flag (refund), Ref: a PENDING report
	opReconcile                      // Flag: the channel answers no query
	opExpire                         // ExpirePayments
	opSettle                         // SettlePayments
	opAdvance                        // D: the clock jumps
	simKinds
)

// simOp is one step of a simulation; simKind's comments say which fields
// each kind uses.
type simOp struct {
	Kind    simKind
	ID, Ref int // the entity made, the entity acted on
	Dup     int // the entity whose ids a duplicate reuses; -1 none
	M, Ch   int
	N, X    int64
	D       time.Duration
	V       int
	Flag    bool
	URL     bool // the order names a notifyUrl of its own
	Plan    simPlan
}

// simPayoutChannel is a payout channel the simulation uses, with the
// account it pays to and the amounts it asks for.
type simPayoutChannel struct {
	Code, Country, Currency, Method, Account string
	Min, Max                                 int64
}

var simPayoutChannels = []simPayoutChannel{
	{"BDO", "PH", "PHP", gateway.MethodBank, "1234567890", 100, 150_000}, // two routes: failover
	{"GCASH", "PH", "PHP", gateway.MethodEWallet, "09171234567", 100, 150_000},
	{"BCA", "ID", "IDR", gateway.MethodBank, "9876543210", 10_000, 3_000_000},
}

// simPaymentChannel is a payment channel the simulation uses and the
// amounts it asks for.
type simPaymentChannel struct {
	Code, Country, Currency string
	Min, Max                int64
}

var simPaymentChannels = []simPaymentChannel{
	{"PH_QRPH_DYNAMIC", "PH", "PHP", 100, 200_000},
	{"PH_GCASH", "PH", "PHP", 100, 200_000},
	{"ID_QRIS", "ID", "IDR", 1_000, 2_000_000},
	{"ID_BCA_VA", "ID", "IDR", 10_000, 2_000_000}, // a virtual account: not refundable
}

var simStaticChannels = []simPaymentChannel{
	{"PH_QRPH_STATIC", "PH", "PHP", 100, 200_000},
	{"ID_QRIS_STATIC", "ID", "IDR", 1_000, 2_000_000},
	{"ID_BCA_VA", "ID", "IDR", 10_000, 2_000_000},
}

var (
	simCurrencies  = []string{"PHP", "IDR"}
	simFeeChannels = []string{"*", "BDO", "PH_QRPH_DYNAMIC", "ID_QRIS", "PH_QRPH_STATIC"}
)

// Variant names, by kind.
var (
	simPayoutVariants  = []string{"ok", "bad-account", "below-min", "unknown-bank", "dup-order", "dup-idempotency"}
	simPaymentVariants = []string{"ok", "channel-down", "below-min", "dup-order"}
	simPayVariants     = []string{"exact", "under", "over", "repeat-report"}
	simStaticVariants  = []string{"ok", "dup-order", "below-min"}
	simRefundVariants  = []string{"all-left", "half-left", "small", "more-than-left"}
)

func (op simOp) String() string {
	switch op.Kind {
	case opCredit:
		return fmt.Sprintf("credit m%d %d %s", op.M, op.N, simCurrencies[op.Ch])
	case opSetDelay:
		return fmt.Sprintf("set-settlement-delay m%d %s", op.M, op.D)
	case opSetFee:
		return fmt.Sprintf("set-fee m%d %s fixed=%d bps=%d", op.M, simFeeChannels[op.Ch], op.N, op.X)
	case opPayout:
		return fmt.Sprintf("payout P%d m%d %s amount=%d %s%s idem=%v url=%v plan=%s", op.ID, op.M,
			simPayoutChannels[op.Ch].Code, op.N, simPayoutVariants[op.V], simDupName("P", op.Dup), op.Flag, op.URL, op.Plan)
	case opPayment:
		return fmt.Sprintf("payment C%d m%d %s amount=%d expiry=%s %s%s url=%v", op.ID, op.M,
			simPaymentChannels[op.Ch].Code, op.N, op.D, simPaymentVariants[op.V], simDupName("C", op.Dup), op.URL)
	case opPay:
		return fmt.Sprintf("pay C%d %s diff=%d", op.Ref, simPayVariants[op.V], op.N)
	case opSimPay:
		return fmt.Sprintf("sim-pay C%d %s diff=%d", op.Ref, simPayVariants[op.V], op.N)
	case opSimReport:
		return "sim-report"
	case opStatic:
		return fmt.Sprintf("static S%d m%d %s amount=%d max=%d expiry=%s %s%s url=%v", op.ID, op.M,
			simStaticChannels[op.Ch].Code, op.N, op.X, op.D, simStaticVariants[op.V], simDupName("S", op.Dup), op.URL)
	case opStaticPay, opSimPayStatic:
		name := map[simKind]string{opStaticPay: "static-pay", opSimPayStatic: "sim-pay-static"}[op.Kind]
		return fmt.Sprintf("%s C%d into S%d right-amount=%v paid-ago=%s repeat-report=%v", name, op.ID, op.Ref, op.V == 0, op.D, op.Flag)
	case opCancelStatic:
		return fmt.Sprintf("cancel-static S%d", op.Ref)
	case opRefund:
		by := "owner"
		if op.M >= 0 {
			by = fmt.Sprintf("m%d", op.M)
		}
		dup := ""
		if op.Dup >= 0 {
			dup = fmt.Sprintf(" reusing-id-of=R%d", op.Dup)
		}
		return fmt.Sprintf("refund R%d of C%d %s small=%d by=%s%s url=%v plan=%s", op.ID, op.Ref,
			simRefundVariants[op.V], op.N, by, dup, op.URL, op.Plan)
	case opDispatch:
		if op.N >= 1<<20 {
			return "dispatch until the outbox has nothing due"
		}
		return fmt.Sprintf("dispatch %d", op.N)
	case opDecide:
		return fmt.Sprintf("bank-decide %s callback-lost=%v", simEntity(op.Flag, op.Ref), op.V == 1)
	case opCallback:
		return fmt.Sprintf("callback #%d again-later=%v", op.N, op.Flag)
	case opPendingCallback:
		return fmt.Sprintf("pending-callback %s", simEntity(op.Flag, op.Ref))
	case opReconcile:
		return fmt.Sprintf("reconcile queries-down=%v", op.Flag)
	case opExpire:
		return "expire-payments"
	case opSettle:
		return "settle-payments"
	case opAdvance:
		return fmt.Sprintf("advance %s", op.D)
	}
	return fmt.Sprintf("op%d", op.Kind)
}

// simDupName names the entity whose id a duplicate reuses.
func simDupName(prefix string, dup int) string {
	if dup < 0 {
		return ""
	}
	return fmt.Sprintf("(of %s%d)", prefix, dup)
}

func simEntity(refund bool, id int) string {
	if refund {
		return fmt.Sprintf("R%d", id)
	}
	return fmt.Sprintf("P%d", id)
}

// simPlanMode is how the simulated bank answers a submission it takes.
type simPlanMode uint8

const (
	planAck     simPlanMode = iota // acknowledges: PENDING, decided later
	planSync                       // answers the final result at once
	planTimeout                    // takes it, but the answer is lost: unknown outcome
	planLost                       // the submission never arrives: unknown outcome, then not found
	planRace                       // calls back with the final result before answering PENDING
)

var simPlanModes = []string{"ack", "sync", "timeout", "lost", "race"}

// simPlan is what the simulated bank does with one order: refuse it Refuse
// times (ErrNotSent), then take it in Mode and finish it with Fail (0:
// completed, else that failed code).
type simPlan struct {
	Refuse int
	Mode   simPlanMode
	Fail   int
}

func (p simPlan) String() string {
	s := simPlanModes[p.Mode]
	if p.Refuse > 0 {
		s = fmt.Sprintf("refuse%d+%s", p.Refuse, s)
	}
	if p.Fail != 0 {
		return fmt.Sprintf("%s/fail%d", s, p.Fail)
	}
	return s + "/ok"
}
