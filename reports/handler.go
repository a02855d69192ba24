package reports

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"time"
)

// writeTimeout bounds one download, which may outlast the server's own
// WriteTimeout for a long report.
const writeTimeout = 10 * time.Minute

// Register adds GET /reports/{token} to mux.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /reports/{token}", s.download)
}

// retryAfter is the Retry-After, in seconds, of a download refused because
// Options.MaxDownloads are streaming.
const retryAfter = "5"

// download serves a link: 403 for a token that is malformed, tampered with or
// signed with another key, 410 for an expired one, 503 while
// Options.MaxDownloads others stream, else the CSV, streamed.
func (s *Service) download(w http.ResponseWriter, r *http.Request) {
	q, err := s.parse(r.PathValue("token"))
	switch {
	case errors.Is(err, errExpired):
		http.Error(w, err.Error(), http.StatusGone)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	if _, _, err := q.Check(); err != nil {
		// Signed by us, so only a type retired since signing gets here.
		http.Error(w, "report not available", http.StatusNotFound)
		return
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, "too many report downloads in progress, retry shortly", http.StatusServiceUnavailable)
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeTimeout))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": q.Filename()}))
	w.Header().Set("Cache-Control", "no-store")
	if err := Write(r.Context(), s.store, w, q); err != nil {
		if r.Context().Err() == nil {
			s.opts.Logger.LogAttrs(r.Context(), slog.LevelError, "reports: download failed",
				slog.String("appId", q.AppID), slog.String("report", q.Filename()), slog.Any("err", err))
		}
		// The status is sent already: cut the response short so that the
		// client sees a broken download rather than a short report.
		panic(http.ErrAbortHandler)
	}
}
