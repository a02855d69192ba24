package open

import (
	"encoding/json"
	"net/http"
)

// response is every answer's body. Data is null on errors.
type response struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// writeResponse writes resp as JSON with the given HTTP status.
func writeResponse(w http.ResponseWriter, status int, resp response) {
	b, err := json.Marshal(resp)
	if err != nil {
		// Only the handlers' own data types get here; they always marshal.
		status = http.StatusInternalServerError
		b = []byte(`{"code":21000,"message":"internal error","data":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeResult answers a request with data on success or err's code, and
// returns the code and the HTTP status it sent.
func writeResult(w http.ResponseWriter, data any, err error) (code, status int) {
	if err == nil {
		writeResponse(w, http.StatusOK, response{Code: codeSuccess, Message: "Success", Data: data})
		return codeSuccess, http.StatusOK
	}
	code, status, message := classify(err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeResponse(w, status, response{Code: code, Message: message})
	return code, status
}
