package open

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/kasir-gateway/kasir/reports"
)

// reportData is the answer to a report download: a link on the gateway that
// works until expireTime.
type reportData struct {
	DownloadURL string `json:"downloadUrl"`
	ExpireTime  string `json:"expireTime"`
}

// reportDownload issues the link to a day's report: /open-api/report/download.
// transDate is a date in the country's zone; transType 1 payouts, 2
// payments, 3 refunds, as a number or a string of digits.
func (h *handler) reportDownload(_ context.Context, rq *request) (any, error) {
	if h.opts.Reports == nil {
		return nil, &apiError{code: codeServerError, status: http.StatusServiceUnavailable,
			message: "report download is not configured on this gateway"}
	}
	cc, err := rq.countryCode()
	if err != nil {
		return nil, err
	}
	date, err := rq.p.str("transDate")
	if err != nil {
		return nil, err
	}
	typ, err := rq.transType()
	if err != nil {
		return nil, err
	}
	url, expires, err := h.opts.Reports.Link(reports.Query{AppID: rq.app.AppID, Country: cc, Date: date, Type: typ})
	if err != nil {
		return nil, err
	}
	return reportData{DownloadURL: url, ExpireTime: formatTime(expires, cc)}, nil
}

// transType reads param.transType, a number or a string of digits.
func (rq *request) transType() (reports.Type, error) {
	v, ok := rq.p.raw("transType")
	text := string(v)
	if ok && v[0] == '"' && json.Unmarshal(v, &text) != nil {
		text = ""
	}
	return reports.ParseType(digitsOnly(text))
}

// digitsOnly returns s when it is a run of digits, else "" (which no parser
// of numbers accepts), so that names such as "payout" are refused here.
func digitsOnly(s string) string {
	if _, err := digits(s); err != nil {
		return ""
	}
	return s
}
