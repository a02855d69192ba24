package dashboard

import (
	"errors"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/reports"
)

// reportsData is the reports page's.
type reportsData struct {
	Apps      []appChoice // the apps whose reports the user may download
	Form      reportForm
	Error     string
	Countries []string
	Types     []string
}

// appChoice is an app in the report form's select.
type appChoice struct {
	AppID, MerchantID, MerchantName string
}

// reportForm is the report form's input.
type reportForm struct {
	App, Date, Type, Country string
}

// reportApps lists the apps the user may take reports of: a merchant
// user's own, or every merchant's for operators.
func (h *Handler) reportApps(r *Request) ([]appChoice, error) {
	var out []appChoice
	if !r.Operator() {
		apps, err := h.opts.Data.ListApps(r.Context(), r.User.MerchantID)
		for _, a := range apps {
			out = append(out, appChoice{AppID: a.AppID, MerchantID: a.MerchantID})
		}
		return out, err
	}
	ms, err := h.opts.Data.ListMerchants(r.Context())
	for _, m := range ms {
		for _, a := range m.Apps {
			out = append(out, appChoice{AppID: a.AppID, MerchantID: m.ID, MerchantName: m.Name})
		}
	}
	return out, err
}

// reportsPage shows the report form, filled in with the country of the
// latest order and today's date there.
func (h *Handler) reportsPage(w http.ResponseWriter, r *Request) {
	d, err := h.reportsData(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.Form = reportForm{Type: reports.TypePayout.String()}
	if len(d.Apps) == 1 {
		d.Form.App = d.Apps[0].AppID
	}
	latest, err := h.opts.Data.ListOrders(r.Context(), OrderFilter{MerchantID: r.MerchantScope(""), Limit: 1})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	today := h.opts.Clock.Now().UTC()
	if len(latest.Orders) == 1 {
		if c, ok := gateway.Countries[latest.Orders[0].Country]; ok {
			d.Form.Country, today = c.Code, today.In(c.Location)
		}
	}
	d.Form.Date = today.Format(reports.DateLayout)
	h.render(w, r, 0, "portal_reports", "Reports", "reports", d)
}

func (h *Handler) reportsData(r *Request) (reportsData, error) {
	apps, err := h.reportApps(r)
	types := []string{reports.TypePayout.String(), reports.TypePayment.String(), reports.TypeRefund.String()}
	return reportsData{Apps: apps, Countries: countryCodes(), Types: types}, err
}

// reportDownload streams one app's CSV report of one type, date and
// country. Bad input shows the form again with what was wrong; another
// merchant's app is not found.
func (h *Handler) reportDownload(w http.ResponseWriter, r *Request) {
	q := r.URL.Query()
	form := reportForm{App: strings.TrimSpace(q.Get("app")), Date: strings.TrimSpace(q.Get("date")),
		Type: strings.TrimSpace(q.Get("type")), Country: strings.ToUpper(strings.TrimSpace(q.Get("country")))}
	d, err := h.reportsData(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.Form = form
	if form.App == "" && len(d.Apps) == 1 {
		form.App = d.Apps[0].AppID
	}
	if form.App == "" {
		d.Error = "App: choose the app whose orders the report lists."
		h.render(w, r, http.StatusBadRequest, "portal_reports", "Reports", "reports", d)
		return
	}
	if !slices.ContainsFunc(d.Apps, func(a appChoice) bool { return a.AppID == form.App }) {
		h.notFound(w, r) // unknown, or another merchant's
		return
	}
	typ, err := reports.ParseType(form.Type)
	if err != nil {
		d.Error = "Type: choose payout, payment or refund."
		h.render(w, r, http.StatusBadRequest, "portal_reports", "Reports", "reports", d)
		return
	}
	rq := reports.Query{AppID: form.App, Country: form.Country, Date: form.Date, Type: typ}
	if _, _, err := rq.Check(); err != nil {
		d.Error = reportError(err)
		h.render(w, r, http.StatusBadRequest, "portal_reports", "Reports", "reports", d)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": rq.Filename()}))
	if err := reports.Write(r.Context(), h.opts.Data, w, rq); err != nil {
		if r.Context().Err() == nil {
			h.log.Error("dashboard: report download", "appId", rq.AppID, "report", rq.Filename(), "err", err)
		}
		// The status is sent already: cut the response short so that the
		// browser shows a failed download rather than a short report.
		panic(http.ErrAbortHandler)
	}
}

// reportError words Query.Check's errors for the form's fields.
func reportError(err error) string {
	var ge *gateway.Error
	if !errors.As(err, &ge) {
		return err.Error()
	}
	switch ge.Field {
	case "countryCode":
		return "Country: choose one of " + strings.Join(countryCodes(), ", ") + "."
	case "transDate":
		return "Date: a date like 2026-01-31."
	case "transType":
		return "Type: choose payout, payment or refund."
	}
	return ge.Error()
}
