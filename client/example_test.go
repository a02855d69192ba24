package client_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// A notification as the gateway sends it: the param document as a string and
// its signature by the platform's key.
func ExampleVerifyNotification() {
	platformKey, err := rsa.GenerateKey(rand.Reader, 2048) // the gateway's key
	if err != nil {
		log.Fatal(err)
	}
	param := `{"amount":100,"countryCode":"PH","createTime":"2024-07-19T14:14:47+08:00","currency":"PHP",` +
		`"eventName":"disbursement.failed","failedCode":-10004,"failedMessage":"Transaction Channel Rejected",` +
		`"mchOrderId":"10e1369686110330100","returnTime":"2024-07-19T14:15:01+08:00",` +
		`"transactionId":"DU514182073259261952","transactionStatus":"FAILED"}`
	body, err := client.SignNotification([]byte(param), platformKey)
	if err != nil {
		log.Fatal(err)
	}

	// The merchant verifies with the platform's public key.
	n, err := client.VerifyNotification(body, &platformKey.PublicKey)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.EventName, n.MchOrderID, n.Amount, n.Currency, n.TransactionStatus, n.FailedCode, n.FailedMessage)

	// Any change to the param breaks the signature.
	tampered := strings.Replace(string(body), `\"amount\":100`, `\"amount\":100000`, 1)
	_, err = client.VerifyNotification([]byte(tampered), &platformKey.PublicKey)
	fmt.Println(errors.Is(err, client.ErrSignature))
	// Output:
	// disbursement.failed 10e1369686110330100 100 PHP FAILED -10004 Transaction Channel Rejected
	// true
}

// A merchant's notifyUrl: the handler verifies each notification and answers
// the gateway; an error from the callback makes the gateway retry later.
func ExampleNotificationHandler() {
	platformKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	h := client.NotificationHandler(&platformKey.PublicKey, func(ctx context.Context, n client.Notification) error {
		// Record the outcome idempotently: the same notification may come twice.
		fmt.Println("payout", n.MchOrderID, n.TransactionStatus)
		return nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	body, err := client.SignNotification(
		[]byte(`{"eventName":"disbursement.success","mchOrderId":"order-1","transactionId":"D1","countryCode":"PH","currency":"PHP","amount":5000,"fee":0,"transactionStatus":"COMPLETED","createTime":"2024-07-19T14:14:47+08:00","returnTime":"2024-07-19T14:15:01+08:00"}`),
		platformKey)
	if err != nil {
		log.Fatal(err)
	}
	post := func(body string) {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, string(answer))
	}
	post(string(body))
	post(`{"param":"{}","sign":"Zm9yZ2Vk"}`)
	// Output:
	// payout order-1 COMPLETED
	// 200 {"code":10000,"message":"Success"}
	// 401 {"code":21001,"message":"sign error"}
}

// newClient reads the merchant's key and returns a client for its app.
func newClient() *client.Client {
	pemBytes, err := os.ReadFile("merchant_private_key.pem")
	if err != nil {
		log.Fatal(err)
	}
	key, err := client.ParsePrivateKey(pemBytes)
	if err != nil {
		log.Fatal(err)
	}
	return client.New("https://kasir.example.com", "733b887a4a784708bb369524db5b6ded", key)
}

func ExampleClient_CreatePayout() {
	c := newClient()
	ctx := context.Background()
	res, err := c.CreatePayout(ctx, client.PayoutRequest{
		MchOrderID:    "order-20240719-0001",
		CountryCode:   "PH",
		Currency:      "PHP",
		Amount:        150_00, // PHP 150.00 in centavos
		PayMethodCode: "EWALLET",
		TransferCode:  "GCASH",
		AccountNo:     "09171234567",
		AccountName:   "Juan Dela Cruz",
		NotifyURL:     "https://merchant.example.com/kasir/notify",
	})
	switch client.ErrorCode(err) {
	case 0:
	case client.CodeDuplicateOrder:
		// Sent before: ask for its state rather than paying twice.
		log.Print("order already exists")
		return
	case client.CodeInsufficientBalance:
		log.Print("top up the balance first")
		return
	default:
		log.Fatal(err)
	}
	if err != nil {
		log.Fatal(err) // a transport failure: check the order before retrying
	}
	fmt.Println(res.TransactionID, res.TransactionStatus, res.Fee)
}

func ExampleClient_CreatePayment() {
	c := newClient()
	ctx := context.Background()
	res, err := c.CreatePayment(ctx, client.PaymentRequest{
		MchOrderID:   "cart-20240719-0042",
		CountryCode:  "PH",
		Currency:     "PHP",
		Amount:       499_00, // PHP 499.00 in centavos
		ChannelType:  client.ChannelTypeQR,
		ChannelCode:  "PH_QRPH_DYNAMIC",
		CustomerName: "Juan Dela Cruz",
		Email:        "juan@example.com",
		NotifyURL:    "https://merchant.example.com/kasir/notify",
		ExpireTime:   time.Now().Add(15 * time.Minute).UnixMilli(), // else the channel's default
	})
	switch client.ErrorCode(err) {
	case 0:
	case client.CodeDuplicateOrder:
		// Created before: show the customer the stored order's payData.
		p, err := c.CheckPayment(ctx, client.CheckRequest{MchOrderID: "cart-20240719-0042", CountryCode: "PH"})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.PayData, p.TransactionStatus)
		return
	case client.CodeChannelUnavailable:
		log.Print("choose another channel from PaymentChannels")
		return
	default:
		log.Fatal(err)
	}
	if err != nil {
		log.Fatal(err) // a transport failure: check the order before retrying
	}
	// payData is a QR payload to render as a QR code (QR channels), a virtual
	// account number (BANK_TRANSFER) or a URL to send the customer to.
	fmt.Println(res.TransactionID, res.PayData, "pay before", res.ExpireTime)
	// The outcome comes as an order.payment.success or order.payment.expired
	// notification; CheckPayment answers in the meantime.
}

func ExampleClient_CheckPayout() {
	c := newClient()
	p, err := c.CheckPayout(context.Background(), client.CheckRequest{MchOrderID: "order-20240719-0001", CountryCode: "PH"})
	if client.ErrorCode(err) == client.CodeNotFound {
		fmt.Println("no such payout: it was never created")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	switch p.TransactionStatus {
	case client.StatusCompleted:
		fmt.Println("paid at", p.ReturnTime)
	case client.StatusFailed:
		fmt.Println("failed:", p.FailedCode, p.FailedMessage)
	default:
		fmt.Println("still pending")
	}
}

func ExampleClient_Balance() {
	c := newClient()
	b, err := c.Balance(context.Background(), "PH")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s available, %d held (minor units)\n", b.Balance, b.Currency, b.HeldAmount)
}
