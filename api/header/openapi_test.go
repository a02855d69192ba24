package header

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPICoversRoutes keeps the documented operations and the handler's
// routes equal, and checks that the committed docs/openapi.json (built by
// api/open's TestOpenAPIDocument with this package's part merged in) has
// every dialect B route with its security and schemas.
func TestOpenAPICoversRoutes(t *testing.T) {
	t.Parallel()
	var documented []string
	for _, op := range docOperations {
		documented = append(documented, op.path)
	}
	routes := Paths()
	sort.Strings(documented)
	sort.Strings(routes)
	if strings.Join(documented, " ") != strings.Join(routes, " ") {
		t.Errorf("documented %v, routes %v", documented, routes)
	}

	raw, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas         map[string]json.RawMessage `json:"schemas"`
			SecuritySchemes map[string]struct {
				In   string `json:"in"`
				Name string `json:"name"`
			} `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"MerchantId", "Sign"} {
		if s := doc.Components.SecuritySchemes[h]; s.In != "header" || s.Name != h {
			t.Errorf("security scheme %s: %+v", h, s)
		}
	}
	paths, schemas, _ := OpenAPIDoc()
	for _, p := range routes {
		post, ok := doc.Paths[p]["post"]
		if !ok {
			t.Errorf("docs/openapi.json has no POST %s (run go test ./api/open -run TestOpenAPIDocument -update)", p)
			continue
		}
		want, _ := json.Marshal(paths[p].(map[string]any)["post"])
		var a, b any
		json.Unmarshal(post, &a)
		json.Unmarshal(want, &b)
		if ja, jb := mustMarshal(a), mustMarshal(b); ja != jb {
			t.Errorf("docs/openapi.json's POST %s is stale", p)
		}
	}
	for name := range schemas {
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("docs/openapi.json lacks schema %s", name)
		}
	}
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestDocumentedPathsAreServed posts to every documented path and expects
// the envelope's first refusal, not the unknown-path one.
func TestDocumentedPathsAreServed(t *testing.T) {
	t.Parallel()
	h := NewHandler(nil, Options{})
	for _, op := range docOperations {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, op.path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		if !strings.Contains(rec.Body.String(), `"msg":"MerchantId_is_null"`) {
			t.Errorf("POST %s: HTTP %d %s", op.path, rec.Code, rec.Body)
		}
	}
}
