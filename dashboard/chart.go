package dashboard

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The console's charts are drawn on the server as inline SVG: no script and
// no asset to fetch, so they pass the page's CSP and print as they show. A
// fixed viewBox with width 100% lets them shrink with a phone's screen.

// Chart geometry, in viewBox units.
const (
	defaultChartW, chartH = 640.0, 260.0 // the viewBox unless Width says otherwise
	padLeft               = 52.0         // room for the y ticks' labels
	padRight              = 12.0
	padTop                = 34.0 // room for the legend
	padBottom             = 40.0 // room for the categories' labels
	chartFont             = `font-family="system-ui, sans-serif" font-size="12"`
	charPx                = 6.8 // about how wide a character of chartFont is
)

// chartPalette colours the series in order when they name no colour.
var chartPalette = []string{"#0b5fff", "#137333", "#b3261e", "#a05a00", "#6b4fbb", "#00838f"}

// chartSeries is one series of a bar chart: a value per category, NaN for
// none (no bar is drawn).
type chartSeries struct {
	Name   string
	Values []float64
	Color  string // "" for the palette's
}

// chartMarker is a labelled vertical line at a position in category units:
// 0 is the left edge of the first category, len(Categories) the right edge
// of the last.
type chartMarker struct {
	Label string
	At    float64
}

// barChart is a bar chart of series over categories, grouped side by side
// or stacked.
type barChart struct {
	Title      string // names the chart for screen readers
	Categories []string
	Series     []chartSeries
	Stacked    bool
	Unit       string  // follows values in hover titles and the summary: "%", " ms"
	Max        float64 // the y scale reaches at least this (100 for percentages); 0: the data's maximum
	Integer    bool    // ticks at whole numbers only (counts)
	Labels     bool    // print each bar's value above it (grouped bars only)
	Width      float64 // of the viewBox; default defaultChartW (the height stays chartH)
	Empty      string  // said instead of a chart without data; default "No data"
	Summary    string  // the aria-label; default a summary of the data
	Markers    []chartMarker
}

// SVG draws the chart. Without categories or series, or with nothing but
// zeros and no Max, it draws the Empty message instead of a scale.
func (c barChart) SVG() template.HTML {
	var b strings.Builder
	width := c.Width
	if width <= 0 {
		width = defaultChartW
	}
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" role="img" aria-label="%s">`,
		num(width), num(chartH), esc(c.summary()))
	b.WriteString("<title>" + esc(c.Title) + "</title>")
	top, has := c.top()
	if !has || (top <= 0 && c.Max <= 0) {
		msg := c.Empty
		if msg == "" {
			msg = "No data"
		}
		fmt.Fprintf(&b, `<text class="empty" x="%s" y="%s" text-anchor="middle" fill="#5f6b7a" %s>%s</text></svg>`,
			num(width/2), num(chartH/2), chartFont, esc(msg))
		return template.HTML(b.String())
	}
	ticks := niceTicks(max(top, c.Max), c.Integer)
	scale := ticks[len(ticks)-1]
	plotW, plotH := width-padLeft-padRight, chartH-padTop-padBottom
	baseY := padTop + plotH
	height := func(v float64) float64 { return v / scale * plotH }

	b.WriteString(`<g class="axis" ` + chartFont + ` fill="#5f6b7a">`)
	for _, t := range ticks {
		y := baseY - height(t)
		fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#dfe3ea"/>`, num(padLeft), num(y), num(width-padRight), num(y))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end">%s</text>`, num(padLeft-6), num(y+4), esc(formatValue(t)+c.Unit))
	}
	band := plotW / float64(len(c.Categories))
	every := labelStep(c.Categories, band)
	for i, cat := range c.Categories {
		if i%every != 0 {
			continue
		}
		x := padLeft + (float64(i)+0.5)*band
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(x), num(baseY+16), esc(shorten(cat, 14)))
	}
	b.WriteString(`</g>`)

	b.WriteString(`<g class="bars">`)
	for i, cat := range c.Categories {
		x0 := padLeft + float64(i)*band
		stack := 0.0
		for s, ser := range c.Series {
			v, ok := valueAt(ser.Values, i)
			if !ok {
				continue
			}
			var x, w, y, h float64
			if c.Stacked {
				w = band * 0.7
				x = x0 + band*0.15
				h = height(v)
				y = baseY - height(stack) - h
				stack += v
			} else {
				w = band * 0.8 / float64(len(c.Series))
				x = x0 + band*0.1 + float64(s)*w
				h = height(v)
				y = baseY - h
			}
			hover := cat + " · " + ser.Name + ": " + formatValue(v) + c.Unit
			if ser.Name == "" {
				hover = cat + ": " + formatValue(v) + c.Unit
			}
			fmt.Fprintf(&b, `<rect class="bar" data-series="%d" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`,
				s, num(x), num(y), num(w), num(h), esc(c.color(s)), esc(hover))
			if c.Labels && !c.Stacked && w >= 22 && (v > 0 || c.Max > 0) {
				fmt.Fprintf(&b, `<text class="value" x="%s" y="%s" text-anchor="middle" fill="#1d2433" %s>%s</text>`,
					num(x+w/2), num(y-3), chartFont, esc(formatValue(v)+c.Unit))
			}
		}
	}
	b.WriteString(`</g>`)
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#5f6b7a"/>`, num(padLeft), num(baseY), num(width-padRight), num(baseY))

	for k, m := range c.Markers {
		x := padLeft + min(max(m.At, 0), float64(len(c.Categories)))*band
		anchor := "start"
		tx := x + 3
		if x > width-110 {
			anchor, tx = "end", x-3
		}
		fmt.Fprintf(&b, `<g class="marker"><line x1="%s" y1="%s" x2="%s" y2="%s" stroke="#1d2433" stroke-dasharray="4 3"/>`,
			num(x), num(padTop), num(x), num(baseY))
		// A white outline keeps the label readable over the bars.
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s" fill="#1d2433" stroke="#fff" stroke-width="3" paint-order="stroke" %s>%s</text></g>`,
			num(tx), num(padTop+10+float64(k)*13), anchor, chartFont, esc(m.Label))
	}

	if len(c.Series) > 1 || (len(c.Series) == 1 && c.Series[0].Name != "") {
		b.WriteString(`<g class="legend" ` + chartFont + ` fill="#1d2433">`)
		x := padLeft
		for s, ser := range c.Series {
			fmt.Fprintf(&b, `<rect x="%s" y="10" width="10" height="10" fill="%s"/>`, num(x), esc(c.color(s)))
			fmt.Fprintf(&b, `<text x="%s" y="19">%s</text>`, num(x+14), esc(ser.Name))
			x += 14 + float64(utf8.RuneCountInString(ser.Name))*charPx + 16
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// top is the tallest bar (or stack), and whether there is any value at all.
func (c barChart) top() (float64, bool) {
	top, has := 0.0, false
	for i := range c.Categories {
		stack := 0.0
		for _, s := range c.Series {
			v, ok := valueAt(s.Values, i)
			if !ok {
				continue
			}
			has = true
			if c.Stacked {
				stack += v
			} else {
				top = max(top, v)
			}
		}
		top = max(top, stack)
	}
	return top, has
}

// summary describes the data in words for the aria-label: the range of
// categories and each series' highest value (and total when stacked).
func (c barChart) summary() string {
	if c.Summary != "" {
		return c.Summary
	}
	if _, has := c.top(); !has || len(c.Categories) == 0 {
		msg := c.Empty
		if msg == "" {
			msg = "No data"
		}
		return c.Title + ": " + msg
	}
	parts := []string{fmt.Sprintf("%s: %d categories, %s to %s", c.Title, len(c.Categories), c.Categories[0], c.Categories[len(c.Categories)-1])}
	for _, s := range c.Series {
		total, best, at := 0.0, math.Inf(-1), ""
		for i, cat := range c.Categories {
			v, ok := valueAt(s.Values, i)
			if !ok {
				continue
			}
			total += v
			if v > best {
				best, at = v, cat
			}
		}
		if at == "" {
			continue
		}
		p := fmt.Sprintf("%s highest %s%s at %s", s.Name, formatValue(best), c.Unit, at)
		if c.Stacked {
			p += fmt.Sprintf(", total %s%s", formatValue(total), c.Unit)
		}
		parts = append(parts, strings.TrimSpace(p))
	}
	return strings.Join(parts, "; ")
}

func (c barChart) color(s int) string {
	if s < len(c.Series) && c.Series[s].Color != "" {
		return c.Series[s].Color
	}
	return chartPalette[s%len(chartPalette)]
}

// valueAt is a series' value for a category: absent, NaN and infinite
// values are none, negative ones count as zero.
func valueAt(vs []float64, i int) (float64, bool) {
	if i >= len(vs) || math.IsNaN(vs[i]) || math.IsInf(vs[i], 0) {
		return 0, false
	}
	return max(vs[i], 0), true
}

// niceTicks returns the y scale's ticks from 0 to a round top at or above
// top: steps of 1, 2, 2.5 or 5 times a power of ten, about four of them.
func niceTicks(top float64, integer bool) []float64 {
	if top <= 0 {
		top = 1
	}
	rough := top / 4
	mag := math.Pow(10, math.Floor(math.Log10(rough)))
	var step float64
	switch norm := rough / mag; {
	case norm <= 1:
		step = mag
	case norm <= 2:
		step = 2 * mag
	case norm <= 2.5:
		step = 2.5 * mag
	case norm <= 5:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	if integer {
		step = max(math.Ceil(step), 1)
	}
	n := int(math.Ceil(top/step - 1e-9))
	ticks := make([]float64, n+1)
	for i := range ticks {
		ticks[i] = math.Round(float64(i)*step*1e9) / 1e9
	}
	return ticks
}

// labelStep is every how many categories a label fits under the axis.
func labelStep(cats []string, band float64) int {
	widest := 0
	for _, c := range cats {
		widest = max(widest, min(utf8.RuneCountInString(c), 14))
	}
	need := float64(widest)*charPx + 6
	return max(1, int(math.Ceil(need/band)))
}

// formatValue prints a value with at most two decimals and no trailing zeros.
func formatValue(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// num prints a coordinate.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// esc escapes text for an SVG attribute or element, as XML and HTML read it.
func esc(s string) string { return html.EscapeString(s) }

// shorten cuts a label to n characters with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// latencyEdges are the upper bounds of the latency histogram's buckets; a
// last bucket holds everything above.
var latencyEdges = []time.Duration{10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second,
	2500 * time.Millisecond, 5 * time.Second, 10 * time.Second}

// latencyStats are a set of latencies' count and percentiles.
type latencyStats struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// latencyPercentiles computes the stats by nearest rank.
func latencyPercentiles(ds []time.Duration) latencyStats {
	if len(ds) == 0 {
		return latencyStats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return latencyStats{N: len(s), P50: rank(50), P90: rank(90), P99: rank(99), Max: s[len(s)-1]}
}

// latencyChart draws a histogram of latencies with the p50, p90 and p99
// marked, and returns the stats it marked.
func latencyChart(title, empty string, ds []time.Duration) (template.HTML, latencyStats) {
	st := latencyPercentiles(ds)
	cats := make([]string, len(latencyEdges)+1)
	counts := make([]float64, len(cats))
	for i, e := range latencyEdges {
		cats[i] = "<" + shortDuration(e)
	}
	cats[len(latencyEdges)] = "≥" + shortDuration(latencyEdges[len(latencyEdges)-1])
	for _, d := range ds {
		counts[latencyBucket(d)]++
	}
	c := barChart{Title: title, Categories: cats, Series: []chartSeries{{Name: "", Values: counts}},
		Integer: true, Empty: empty}
	if st.N == 0 {
		c.Series = nil
		return c.SVG(), st
	}
	for _, m := range []struct {
		name string
		d    time.Duration
	}{{"p50", st.P50}, {"p90", st.P90}, {"p99", st.P99}} {
		c.Markers = append(c.Markers, chartMarker{Label: m.name + " " + shortDuration(m.d), At: latencyPosition(m.d, st.Max)})
	}
	c.Summary = fmt.Sprintf("%s: %d attempts; p50 %s, p90 %s, p99 %s, slowest %s", title, st.N,
		shortDuration(st.P50), shortDuration(st.P90), shortDuration(st.P99), shortDuration(st.Max))
	return c.SVG(), st
}

// latencyBucket is the histogram bucket of a latency.
func latencyBucket(d time.Duration) int {
	for i, e := range latencyEdges {
		if d < e {
			return i
		}
	}
	return len(latencyEdges)
}

// latencyPosition places a latency on the histogram's axis: its bucket plus
// how far it is between the bucket's bounds.
func latencyPosition(d, longest time.Duration) float64 {
	i := latencyBucket(d)
	lo := time.Duration(0)
	if i > 0 {
		lo = latencyEdges[i-1]
	}
	hi := longest
	if i < len(latencyEdges) {
		hi = latencyEdges[i]
	}
	if hi <= lo {
		return float64(i) + 0.5
	}
	return float64(i) + float64(d-lo)/float64(hi-lo)
}

// shortDuration prints a duration briefly: "850µs", "12ms", "1.5s", "2m30s".
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return strconv.FormatFloat(math.Round(d.Seconds()*10)/10, 'f', -1, 64) + "s"
	}
	return d.Round(time.Second).String()
}
