package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/kasir-gateway/kasir/client"
)

// A Peru payout through dialect B, and what to do with the usual refusals.
func ExampleBClient_PayOut() {
	c := client.NewB("https://kasir.example.com", 100001, "the merchant's apiKey")
	ctx := context.Background()
	p, err := c.PayOut(ctx, client.BPayoutRequest{
		MchOrderNo:  "pe-20240719-0001",
		AccountName: "Rosa Quispe",
		AccountNo:   "1912345678901", // BCP current account: 13 digits
		AccountType: 0,               // Corriente
		Amount:      150_00,          // PEN 150.00 in céntimos
		BankID:      3,               // BCP; banks other than 1-4 also need CCIAccountNo
		IDType:      "1",             // DNI
		IDCard:      "45678912",
		NotifyURL:   "https://merchant.example.com/kasir/notify",
	})
	switch client.BErrorMsg(err) {
	case "":
		if err != nil {
			log.Fatal(err) // a transport failure: query the order before sending it again
		}
	case "Params_mchOrderNo_repeated":
		// Sent before: ask for its state rather than paying twice.
		p, err = c.PayOutQuery(ctx, "", "pe-20240719-0001")
		if err != nil {
			log.Fatal(err)
		}
	case "Merchant_balance_not_enough":
		log.Print("top up the balance first")
		return
	default:
		log.Fatal(err) // e.g. Params_cciAccountNo_error: the detail says what to fix
	}
	fmt.Println(p.OrderNo, p.OrderStatus, p.Fee)
}

// A pay-in with Yape: the customer pays on the page at PayURL.
func ExampleBClient_PayIn() {
	c := client.NewB("https://kasir.example.com", 100001, "the merchant's apiKey")
	in, err := c.PayIn(context.Background(), client.BPayInRequest{
		MchOrderNo: "cart-0042",
		PayType:    client.BPayTypeYape,
		Amount:     49_90, // PEN 49.90
		ExpireTime: 900,   // seconds
		NotifyURL:  "https://merchant.example.com/kasir/notify",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.OrderNo, in.OrderStatus, in.PayURL)
}

// A notification as the gateway sends it: the body, signed in the Sign
// header with the merchant's apiKey. During a key rotation pass both keys.
func ExampleVerifyBNotification() {
	body := []byte(`{"merchantId":100001,"mchOrderNo":"pe-20240719-0001","orderNo":"D1656505190221611009",` +
		`"amount":150.00,"fee":1.50,"orderStatus":"SUCCESS","resultDesc":"SUCCESS","completionTime":"2024-07-19 09:14:47"}`)
	sign := client.SignB(body, "new apiKey")

	n, err := client.VerifyBNotification(body, sign, "old apiKey", "new apiKey")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.Kind, n.MchOrderNo, n.OrderStatus, n.Amount, n.Fee, n.CompletionTime)

	// Any change to the body breaks the signature.
	tampered := []byte(strings.Replace(string(body), "150.00", "1500.00", 1))
	_, err = client.VerifyBNotification(tampered, sign, "old apiKey", "new apiKey")
	fmt.Println(errors.Is(err, client.ErrSignature))
	// Output:
	// payout pe-20240719-0001 SUCCESS 15000 150 2024-07-19 09:14:47
	// true
}

// A merchant's notifyUrl for dialect B: SUCCESS is answered only when the
// callback returns nil; the gateway retries anything else.
func ExampleBNotificationHandler() {
	h := client.BNotificationHandler(func(ctx context.Context, n client.BNotification) error {
		// Record the outcome idempotently: the same notification may come twice.
		log.Printf("%s %s is %s", n.Kind, n.MchOrderNo, n.OrderStatus)
		return nil
	}, "the merchant's apiKey")
	http.Handle("/kasir/notify", h)
}
