package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/reports"
)

// cmdReport writes an app's report of one day to stdout: the CSV that
// /open-api/report/download links to. The country (default PH) picks the
// app's orders in that country, sets the time zone of --date and must be
// one of the Open API's.
func cmdReport(e *cmdEnv) func(context.Context) error {
	appID := e.fs.String("app", "", "the merchant's appId")
	date := e.fs.String("date", "", "the day, yyyy-MM-dd, in the country's time zone")
	typ := e.fs.String("type", "", "payout, payment or refund (or 1, 2, 3)")
	country := e.fs.String("country", "PH", "country code: the orders of that country, in its time zone (PH, ID, MY, TH, RU)")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"app": *appID, "date": *date, "type": *typ}); err != nil {
			return err
		}
		if _, err := appMerchant(ctx, c, *appID); err != nil {
			return err
		}
		t, err := reports.ParseType(*typ)
		if err != nil {
			return fmt.Errorf("--type: must be payout, payment or refund")
		}
		q := reports.Query{AppID: *appID, Country: *country, Date: *date, Type: t}
		w := bufio.NewWriter(e.stdout)
		if err := reports.Write(ctx, c.store, w, q); err != nil {
			var ge *gateway.Error
			if errors.As(err, &ge) {
				return fmt.Errorf("--%s: %s", flagOf(ge.Field), ge.Message)
			}
			return err
		}
		return w.Flush()
	})
}

// flagOf names the flag behind a report query's field.
func flagOf(field string) string {
	switch field {
	case "countryCode":
		return "country"
	case "transDate":
		return "date"
	case "transType":
		return "type"
	}
	return field
}
