package dashboard

import (
	"html/template"
	"time"

	"github.com/kasir-gateway/kasir/money"
)

// funcs are the template functions every page may use.
var funcs = template.FuncMap{
	// money formats minor units in the currency's major unit: "1,234.50 PHP".
	"money": func(minor int64, currency string) string {
		return money.FormatMajor(minor, currency) + " " + currency
	},
	// when formats a time in UTC to the second; "" for the zero time.
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	// since says how long ago, roughly.
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return time.Since(t).Round(time.Second).String() + " ago"
	},
	"lower": func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if 'A' <= c && c <= 'Z' {
				b[i] = c + 32
			}
		}
		return string(b)
	},
}
