package ledger

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// benchEntries are the shapes the gateway posts: a hold (two postings, one
// merchant), a hold's post with its fee (three postings, the merchant's held
// account, a channel and revenue), and a settlement across many merchants.
func benchEntries(b *testing.B) []struct {
	name string
	e    Entry
} {
	h := Hold{ID: "DU514182073259261952", MerchantID: "m-000042", Currency: "PHP", Amount: 151750}
	post, err := PostEntry(h,
		Posting{Channel("BDO", "PHP"), "PHP", 150000},
		Posting{PlatformRevenue("PHP"), "PHP", 1750})
	if err != nil {
		b.Fatal(err)
	}
	wide := Entry{ID: "settle-1", Kind: "settlement", Ref: "settle-1"}
	for i := range 32 {
		m := "m-" + strconv.Itoa(i)
		wide.Postings = append(wide.Postings,
			Posting{MerchantPending(m, "PHP"), "PHP", -int64(1000 + i)},
			Posting{MerchantAvailable(m, "PHP"), "PHP", int64(1000 + i)})
	}
	return []struct {
		name string
		e    Entry
	}{
		{"Hold2", HoldEntry(h)},
		{"Post3", post},
		{"Settle64", wide},
	}
}

// BenchmarkValidate checks well-formed entries of 2, 3 and 64 postings.
func BenchmarkValidate(b *testing.B) {
	for _, tc := range benchEntries(b) {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if err := tc.e.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSorted orders the same entries' postings by account.
func BenchmarkSorted(b *testing.B) {
	for _, tc := range benchEntries(b) {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				ps := tc.e.Sorted()
				sorted := slices.IsSortedFunc(ps, func(x, y Posting) int { return strings.Compare(x.Account, y.Account) })
				if len(ps) != len(tc.e.Postings) || !sorted {
					b.Fatalf("sorted %d postings: %v", len(ps), ps)
				}
			}
		})
	}
}
