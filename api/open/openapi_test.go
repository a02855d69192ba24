package open

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/api/header"
	"github.com/kasir-gateway/kasir/gateway"
)

var update = flag.Bool("update", false, "rewrite docs/openapi.json from the code")

// headerPart is dialect B's part of the document, merged as cmd/kasir
// merges it.
func headerPart() DocPart {
	paths, schemas, schemes := header.OpenAPIDoc()
	return DocPart{Description: header.OpenAPIDescription, Paths: paths, Schemas: schemas, SecuritySchemes: schemes}
}

// TestOpenAPIDocument checks that docs/openapi.json is the document the code
// serves, dialect B included (run `go test ./api/open -run
// TestOpenAPIDocument -update` after changing either dialect's operations).
func TestOpenAPIDocument(t *testing.T) {
	doc := OpenAPI(headerPart())
	var parsed struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil || parsed.OpenAPI != "3.1.0" {
		t.Fatalf("not an OpenAPI 3.1 document: %v", err)
	}
	const file = "../../docs/openapi.json"
	if *update {
		if err := os.WriteFile(file, doc, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(file)
	if err != nil || !bytes.Equal(committed, doc) {
		t.Fatalf("docs/openapi.json is stale (%v): run go test ./api/open -run TestOpenAPIDocument -update", err)
	}
	// Both dialects are in it, each path once.
	for _, p := range []string{"/open-api/disbursement/transfer", "/api/payOut", "/api/payInBankListQuery"} {
		if parsed.Paths[p]["post"] == nil {
			t.Errorf("the document lacks POST %s", p)
		}
	}
	if n := len(parsed.Paths); n != countPaths(t, OpenAPI())+len(header.Paths()) {
		t.Errorf("the document has %d paths", n)
	}
	// Every $ref resolves.
	var all map[string]any
	json.Unmarshal(doc, &all)
	schemas := all["components"].(map[string]any)["schemas"].(map[string]any)
	for _, m := range bytesFindAll(doc, `"$ref": "#/components/schemas/`) {
		if _, ok := schemas[m]; !ok {
			t.Errorf("$ref to missing schema %s", m)
		}
	}
}

func countPaths(t *testing.T, doc []byte) int {
	t.Helper()
	var d struct {
		Paths map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	return len(d.Paths)
}

func bytesFindAll(doc []byte, prefix string) []string {
	var out []string
	s := string(doc)
	for {
		i := strings.Index(s, prefix)
		if i < 0 {
			return out
		}
		s = s[i+len(prefix):]
		out = append(out, s[:strings.IndexByte(s, '"')])
	}
}

// TestOpenAPIPathsAreServed posts to every documented path (and one alias of
// each) and expects the envelope's answer, not the unknown-path one.
func TestOpenAPIPathsAreServed(t *testing.T) {
	t.Parallel()
	h := NewHandler(nil, Options{})
	for _, op := range operations {
		paths := []string{op.path}
		if op.aliases != "" {
			paths = append(paths, strings.Replace(aliasPath(op.path), "{country}", aliasNames(op.aliases)[0], 1))
		}
		for _, p := range paths {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, p, strings.NewReader(`{"param":"{}","sign":"x"}`)))
			if !strings.Contains(rec.Body.String(), `"code":21003`) {
				t.Errorf("POST %s: HTTP %d %s; want the envelope's 21003 (appId missing)", p, rec.Code, rec.Body)
			}
		}
	}
}

// TestOpenAPICoversRoutes keeps the document and the handler's routes equal,
// aliases included.
func TestOpenAPICoversRoutes(t *testing.T) {
	t.Parallel()
	documented := map[string]string{}
	for _, op := range operations {
		documented[strings.TrimPrefix(op.path, "/open-api")] = op.aliases
	}
	routes := (&handler{}).routes()
	for path, rt := range routes {
		kind, ok := documented[path]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document", path)
			continue
		}
		if (kind != "") != (rt.aliases != nil) {
			t.Errorf("route %s: aliases served %t, documented %q", path, rt.aliases != nil, kind)
		}
		if kind != "" {
			for _, c := range aliasNames(kind) {
				country, _ := gateway.CountryByName(c)
				if !rt.aliases(country.Code) {
					t.Errorf("route %s: documented alias %s is not served", path, c)
				}
			}
		}
	}
	for path := range documented {
		if _, ok := routes[path]; !ok {
			t.Errorf("documented %s is not a route", path)
		}
	}
}
