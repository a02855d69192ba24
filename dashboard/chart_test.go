package dashboard

import (
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// svgDoc is what the chart tests read back from a chart: its root's
// attributes, its bars and its texts, found by walking the XML.
type svgDoc struct {
	root  map[string]string
	bars  []map[string]string // rect.bar attributes, plus "title" (the hover text)
	texts []string
}

// parseSVG decodes a chart with encoding/xml and fails the test unless it
// is well-formed.
func parseSVG(t *testing.T, s string) svgDoc {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	doc := svgDoc{}
	var inBar map[string]string
	var inTitle, inText bool
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, s)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, a := range el.Attr {
				attrs[a.Name.Local] = a.Value
			}
			switch {
			case doc.root == nil:
				if el.Name.Local != "svg" {
					t.Fatalf("root element %q, want svg", el.Name.Local)
				}
				doc.root = attrs
			case el.Name.Local == "rect" && attrs["class"] == "bar":
				inBar = attrs
			case el.Name.Local == "title" && inBar != nil:
				inTitle = true
				text.Reset()
			case el.Name.Local == "text":
				inText = true
				text.Reset()
			}
		case xml.CharData:
			if inTitle || inText {
				text.Write(el)
			}
		case xml.EndElement:
			switch {
			case el.Name.Local == "title" && inTitle:
				inBar["title"], inTitle = text.String(), false
			case el.Name.Local == "rect" && inBar != nil:
				doc.bars, inBar = append(doc.bars, inBar), nil
			case el.Name.Local == "text" && inText:
				doc.texts, inText = append(doc.texts, text.String()), false
			}
		}
	}
	if doc.root == nil {
		t.Fatalf("no svg element in %q", s)
	}
	return doc
}

func attrFloat(t *testing.T, m map[string]string, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(m[name], 64)
	if err != nil {
		t.Fatalf("attribute %s=%q: %v", name, m[name], err)
	}
	return v
}

func TestChartBarsProportional(t *testing.T) {
	t.Parallel()
	c := barChart{Title: "Orders", Categories: []string{"mon", "tue", "wed", "thu"}, Integer: true,
		Series: []chartSeries{{Name: "ok", Values: []float64{10, 40, 0, 25}}, {Name: "failed", Values: []float64{5, math.NaN(), 20, 1}}}}
	for _, stacked := range []bool{false, true} {
		c.Stacked = stacked
		doc := parseSVG(t, string(c.SVG()))
		if doc.root["class"] != "chart" || doc.root["role"] != "img" || doc.root["width"] != "100%" || doc.root["viewBox"] == "" {
			t.Errorf("stacked=%v: root attributes %v", stacked, doc.root)
		}
		if label := doc.root["aria-label"]; !strings.Contains(label, "Orders") || !strings.Contains(label, "40") {
			t.Errorf("stacked=%v: aria-label %q does not summarise the data", stacked, label)
		}
		// One bar per value that is not NaN: 4 + 3.
		if len(doc.bars) != 7 {
			t.Fatalf("stacked=%v: %d bars, want 7", stacked, len(doc.bars))
		}
		// Heights are proportional to the values: height/value is the same
		// for every non-zero bar.
		var unit float64
		values := map[string]float64{"mon · ok": 10, "tue · ok": 40, "wed · ok": 0, "thu · ok": 25, "mon · failed": 5, "wed · failed": 20, "thu · failed": 1}
		for _, b := range doc.bars {
			name, _, _ := strings.Cut(b["title"], ":")
			v, ok := values[name]
			if !ok {
				t.Fatalf("stacked=%v: bar titled %q is not one of the data", stacked, b["title"])
			}
			h := attrFloat(t, b, "height")
			if v == 0 {
				if h != 0 {
					t.Errorf("stacked=%v: %s is 0 but its bar is %v high", stacked, name, h)
				}
				continue
			}
			if unit == 0 {
				unit = h / v
			}
			if math.Abs(h/v-unit) > 0.06 { // coordinates are rounded to 0.1
				t.Errorf("stacked=%v: %s: height %v for %v, want %v", stacked, name, h, v, v*unit)
			}
			if !strings.HasSuffix(b["title"], ": "+formatValue(v)) {
				t.Errorf("stacked=%v: bar title %q does not give the value %v", stacked, b["title"], v)
			}
		}
		if unit <= 0 {
			t.Fatalf("stacked=%v: no bar height", stacked)
		}
	}
}

func TestChartStackedBarsSitOnEachOther(t *testing.T) {
	t.Parallel()
	c := barChart{Title: "t", Categories: []string{"a"}, Stacked: true,
		Series: []chartSeries{{Name: "x", Values: []float64{3}}, {Name: "y", Values: []float64{5}}}}
	doc := parseSVG(t, string(c.SVG()))
	if len(doc.bars) != 2 {
		t.Fatalf("%d bars, want 2", len(doc.bars))
	}
	lower, upper := doc.bars[0], doc.bars[1]
	if got, want := attrFloat(t, upper, "y")+attrFloat(t, upper, "height"), attrFloat(t, lower, "y"); math.Abs(got-want) > 0.11 {
		t.Errorf("the second segment ends at %v, the first starts at %v", got, want)
	}
	if lower["x"] != upper["x"] {
		t.Errorf("stacked segments at x %s and %s", lower["x"], upper["x"])
	}
}

func TestChartTicksAreRound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		top     float64
		integer bool
		want    []float64
	}{
		{37, true, []float64{0, 10, 20, 30, 40}},
		{3, true, []float64{0, 1, 2, 3}},
		{1, true, []float64{0, 1}},
		{100, false, []float64{0, 25, 50, 75, 100}},
		{0.9, false, []float64{0, 0.25, 0.5, 0.75, 1}},
		{1234, true, []float64{0, 500, 1000, 1500}},
		{0, true, []float64{0, 1}},
	} {
		got := niceTicks(tc.top, tc.integer)
		if len(got) != len(tc.want) {
			t.Errorf("niceTicks(%v, %v) = %v, want %v", tc.top, tc.integer, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("niceTicks(%v, %v) = %v, want %v", tc.top, tc.integer, got, tc.want)
				break
			}
		}
	}
}

func TestChartEscapesText(t *testing.T) {
	t.Parallel()
	evil := `<script>alert("x")</script>&`
	c := barChart{Title: evil, Categories: []string{evil, "b"}, Unit: "%",
		Series: []chartSeries{{Name: evil, Values: []float64{1, 2}}, {Name: "b", Values: []float64{2, 1}}}}
	out := string(c.SVG())
	if strings.Contains(out, "<script") {
		t.Fatalf("a label came out unescaped:\n%s", out)
	}
	doc := parseSVG(t, out)
	// The decoder gives the text back as written: escaped, not dropped.
	if !strings.Contains(doc.root["aria-label"], "<script>") {
		t.Errorf("aria-label %q lost the label", doc.root["aria-label"])
	}
	found := false
	for _, s := range doc.texts {
		if strings.HasPrefix(s, "<script>") {
			found = true
		}
	}
	if !found {
		t.Errorf("no text carries the escaped label; texts %q", doc.texts)
	}
	if !strings.HasPrefix(doc.bars[0]["title"], `<script>alert("x")</script>&`) {
		t.Errorf("bar title %q", doc.bars[0]["title"])
	}
}

func TestChartEmpty(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]barChart{
		"NoCategories": {Title: "Orders", Empty: "No orders yet"},
		"NoSeries":     {Title: "Orders", Categories: []string{"a", "b"}, Empty: "No orders yet"},
		"AllNaN":       {Title: "Orders", Categories: []string{"a"}, Series: []chartSeries{{Values: []float64{math.NaN()}}}, Empty: "No orders yet"},
		"AllZero":      {Title: "Orders", Categories: []string{"a", "b"}, Series: []chartSeries{{Values: []float64{0, 0}}}, Empty: "No orders yet"},
	} {
		out := string(c.SVG())
		doc := parseSVG(t, out)
		if len(doc.bars) != 0 || len(doc.texts) != 1 || doc.texts[0] != "No orders yet" {
			t.Errorf("%s: bars %d, texts %q; want the empty message alone", name, len(doc.bars), doc.texts)
		}
		if strings.Contains(out, "NaN") || strings.Contains(out, "Inf") {
			t.Errorf("%s: a coordinate is not a number:\n%s", name, out)
		}
	}
	// A rate chart with every channel at 0% is data, not an empty chart.
	c := barChart{Title: "Rates", Categories: []string{"GCASH"}, Max: 100, Unit: "%", Series: []chartSeries{{Name: "payouts", Values: []float64{0}}}}
	if doc := parseSVG(t, string(c.SVG())); len(doc.bars) != 1 {
		t.Errorf("a 0%% rate drew %d bars, want 1", len(doc.bars))
	}
}

func TestChartLatency(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*10*time.Millisecond) // 10ms .. 1s
	}
	out, st := latencyChart("Latency", "none", ds)
	if st.N != 100 || st.P50 != 500*time.Millisecond || st.P90 != 900*time.Millisecond || st.P99 != 990*time.Millisecond || st.Max != time.Second {
		t.Errorf("stats %+v", st)
	}
	doc := parseSVG(t, string(out))
	total := 0.0
	for _, b := range doc.bars {
		_, v, _ := strings.Cut(b["title"], ": ")
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("bar title %q", b["title"])
		}
		total += n
	}
	if total != 100 {
		t.Errorf("the histogram counts %v attempts, want 100", total)
	}
	if len(doc.bars) != len(latencyEdges)+1 {
		t.Errorf("%d buckets, want %d", len(doc.bars), len(latencyEdges)+1)
	}
	for _, p := range []string{"p50 500ms", "p90 900ms", "p99 990ms"} {
		if !containsText(doc.texts, p) {
			t.Errorf("no marker %q in %q", p, doc.texts)
		}
	}
	// "<10ms" is a label: escaped on the way out, whole on the way back.
	if !containsText(doc.texts, "<10ms") {
		t.Errorf("no <10ms bucket label in %q", doc.texts)
	}

	out, st = latencyChart("Latency", "No attempts", nil)
	if doc := parseSVG(t, string(out)); st.N != 0 || len(doc.bars) != 0 || !containsText(doc.texts, "No attempts") {
		t.Errorf("empty latencies: stats %+v, bars %d, texts %q", st, len(doc.bars), doc.texts)
	}
}

func containsText(texts []string, s string) bool {
	for _, t := range texts {
		if t == s {
			return true
		}
	}
	return false
}
