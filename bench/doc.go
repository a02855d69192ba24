// Package bench is Kasir's load generator and performance report, the
// engine of `kasir bench`.
//
// It drives a gateway on loopback with N concurrent merchant clients that
// sign real dialect A requests (RSA-SHA256 envelopes, as the SDK does) over
// one keep-alive http.Transport. By default the gateway is a child process
// (`kasir serve`, the same binary) on a fresh database, spawned once per
// scenario so that each scenario reports its own start-up time (process
// start to /readyz answering 200) and peak RSS (VmHWM of the child, and its
// VmRSS sampled every 250 ms); against a gateway that is already running
// (--target) the RSS is the largest process_resident_memory_bytes sampled
// from /metrics. Merchants are set up in-process, through the gateway core
// on the same database (Core), before the first child starts: one RSA-2048
// key pair for all of them, each generously funded with a known fee.
//
// Every request's latency is kept (per worker, merged and sorted at the end,
// so the percentiles are exact); the live line on stderr reads a coarse
// atomic histogram. Errors are counted by the API's code, "http:<status>"
// for an answer without one, and "net" for transport failures. With
// --presign every request is signed before the clock starts, which takes the
// client's RSA cost out of the measurement.
//
// # Scenarios
//
//   - payouts: payouts spread over --merchants merchants, worker i calling as
//     merchant i mod merchants.
//   - hot: every worker pays out of one merchant. Afterwards its available
//     balance must equal what was credited less amount plus fee of every
//     acknowledged payout (an answer whose outcome was unknown, a transport
//     error, is looked up by mchOrderId first), and the ledger check must
//     pass; the account numbers are ones the simulator completes.
//   - payments: dynamic QR Ph payment orders.
//   - mix: of every ten requests of a worker, five create payouts, four check
//     the payout that worker created last, one asks for the balance.
//   - notify: notification delivery to a receiver inside the bench process
//     (127.0.0.1), which verifies each notification's signature with the
//     platform public key and answers {"code":10000,"message":"Success"}.
//     The method: K payouts are made with notifyUrl pointing at the
//     receiver, which answers 503 at first; once each of the K has had its
//     failed attempt (so its payout is final and its retry waits: a spawned
//     gateway runs with --notify-schedule 1h) the receiver answers success
//     and every one of the K is made due at one moment a few seconds ahead,
//     as `kasir notify resend` does (Core.Resend). The rate is K-1 over the
//     time from the first to the K-th distinct notification received: a
//     backlog drained as fast as the dispatcher can. (Holding the deliveries
//     unanswered instead would not do: the held ones take the dispatcher's
//     workers, and payout submissions share them.)
//
// # Baseline and limits
//
// For the scenarios that create payouts one by one (payouts, hot) the bench
// also runs the SQL of one create-payout transaction straight against the
// same database, at the same concurrency, over the same merchants, for the
// same duration or count (baseline.go says which store code it mirrors), and
// prints the gateway's rate as a share of it. It runs after the scenario's
// gateway has stopped (or, with --target, after its load), and its rows are
// removed after, balances restored. The physical limits printed beside: RSA
// 2048 signatures and verifications per second on one core, and the
// database's plain commit rate (one-row INSERT and COMMIT per transaction) at
// the same concurrency.
package bench
