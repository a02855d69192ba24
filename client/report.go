package client

import "context"

// PathReportDownload is the Open API's report download operation.
const PathReportDownload = "/open-api/report/download"

// Report types (transType).
const (
	ReportPayout  = 1
	ReportPayment = 2
	ReportRefund  = 3
)

// ReportRequest asks for the link to one day's report. TransDate is
// yyyy-MM-dd, a date in the country's time zone; TransType one of
// ReportPayout, ReportPayment or ReportRefund.
type ReportRequest struct {
	CountryCode string `json:"countryCode"`
	TransDate   string `json:"transDate"`
	TransType   int    `json:"transType"`
}

// ReportLink is where the report's CSV can be downloaded (a plain GET, no
// signature) until ExpireTime (ISO-8601).
type ReportLink struct {
	DownloadURL string `json:"downloadUrl"`
	ExpireTime  string `json:"expireTime"`
}

// ReportDownload returns the link to a day's report of the app's payouts,
// payments or refunds.
func (c *Client) ReportDownload(ctx context.Context, req ReportRequest) (ReportLink, error) {
	var out ReportLink
	err := c.Do(ctx, PathReportDownload, req, &out)
	return out, err
}
