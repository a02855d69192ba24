package bench

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// What the bench's orders look like. The account number is one the
// simulator completes (channel/sim: only ...4004, ...4005, ...7777, ...8888
// and ...9999 do something else), so that no payout hands its money back.
const (
	country       = "PH"
	currency      = "PHP"
	payoutAmount  = 10_000 // PHP 100.00
	feeFixed      = 1_000  // the fee set for every bench merchant: PHP 10.00
	feeBPS        = 50     // plus 0.5%
	paymentAmount = 10_000
	// creditAmount funds each merchant: PHP 10 billion, for any run.
	creditAmount = 1_000_000_000_000
	payoutBank   = "BDO"
	payoutAcct   = "1234567890"
	paymentCode  = "PH_QRPH_DYNAMIC"
)

// expectedFee is the fee of a bench payout: fixed plus basis points,
// rounded half up, as the gateway prices it.
const expectedFee = feeFixed + (payoutAmount*feeBPS+5000)/10000

// mixDescription says what the mix scenario sends.
const mixDescription = "of every 10 requests of a client: 5 create payout, 4 check payout (the one this client created last), 1 balance inquiry"

// workload says which merchant each worker calls as and what its seq-th
// request is; prefix keeps the order ids of phases apart.
type workload struct {
	merchantOf func(worker int) *merchant
	build      func(worker, seq int, prefix string) request
}

// stamped marshals a param, which carries its own timestamp.
func stamped(p any) []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // the params are plain structs
	}
	return b
}

func orderID(prefix string, worker, seq int) string {
	return fmt.Sprintf("%s%d-%d", prefix, worker, seq)
}

func payoutRequest(id, notifyURL string) request {
	p := struct {
		client.PayoutRequest
		Timestamp int64 `json:"timestamp"`
	}{client.PayoutRequest{
		MchOrderID: id, CountryCode: country, Currency: currency, Amount: payoutAmount,
		PayMethodCode: "BANK", TransferCode: payoutBank, AccountNo: payoutAcct, AccountName: "Juan Dela Cruz",
		NotifyURL: notifyURL,
	}, time.Now().UnixMilli()}
	return request{op: opPayout, path: client.PathCreatePayout, param: stamped(p), mchOrderID: id, amount: payoutAmount}
}

func checkRequest(id string) request {
	p := struct {
		client.CheckRequest
		Timestamp int64 `json:"timestamp"`
	}{client.CheckRequest{MchOrderID: id, CountryCode: country}, time.Now().UnixMilli()}
	return request{op: opCheck, path: client.PathCheckPayout, param: stamped(p), mchOrderID: id}
}

func balanceRequest() request {
	p := struct {
		CountryCode string `json:"countryCode"`
		Timestamp   int64  `json:"timestamp"`
	}{country, time.Now().UnixMilli()}
	return request{op: opBalance, path: client.PathBalance, param: stamped(p)}
}

func paymentRequest(id string) request {
	p := struct {
		client.PaymentRequest
		Timestamp int64 `json:"timestamp"`
	}{client.PaymentRequest{
		MchOrderID: id, CountryCode: country, Currency: currency, Amount: paymentAmount,
		ChannelType: client.ChannelTypeQR, ChannelCode: paymentCode,
	}, time.Now().UnixMilli()}
	return request{op: opPayment, path: client.PathCreatePayment, param: stamped(p), mchOrderID: id}
}

// spread puts worker i on merchant i mod len(ms).
func spread(ms []*merchant) func(int) *merchant {
	return func(w int) *merchant { return ms[w%len(ms)] }
}

func one(m *merchant) func(int) *merchant { return func(int) *merchant { return m } }

// workloadOf returns the workload of a scenario. notifyURL is the notify
// scenario's receiver.
func workloadOf(name string, f *fleet, notifyURL string) workload {
	payouts := func(w, seq int, prefix string) request { return payoutRequest(orderID(prefix, w, seq), "") }
	switch name {
	case ScenarioPayouts:
		return workload{spread(f.spread), payouts}
	case ScenarioHot:
		return workload{one(f.hot), payouts}
	case ScenarioPayments:
		return workload{spread(f.spread), func(w, seq int, prefix string) request {
			return paymentRequest(orderID(prefix, w, seq))
		}}
	case ScenarioMix:
		// Per ten: P C P C P C P C P B; a check names the payout just
		// before it, made by the same worker as the same merchant.
		return workload{spread(f.spread), func(w, seq int, prefix string) request {
			switch pos := seq % 10; {
			case pos == 9:
				return balanceRequest()
			case pos%2 == 1:
				return checkRequest(orderID(prefix, w, seq-1))
			default:
				return payoutRequest(orderID(prefix, w, seq), "")
			}
		}}
	case ScenarioNotify:
		return workload{one(f.notify), func(w, seq int, prefix string) request {
			return payoutRequest(orderID(prefix, w, seq), notifyURL)
		}}
	}
	panic("bench: no workload for " + name)
}
