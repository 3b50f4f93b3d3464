package console

import (
	"math"
	"regexp"
	"strconv"
	"testing"
)

// TestTextContrast holds the style sheet's text colours to WCAG 2.2's 4.5:1
// against the backgrounds they are used on
// (https://www.w3.org/TR/WCAG22/#contrast-minimum).
func TestTextContrast(t *testing.T) {
	css, err := staticFS.ReadFile("static/console.css")
	if err != nil {
		t.Fatal(err)
	}
	colours := map[string]string{"white": "#ffffff"}
	for _, m := range regexp.MustCompile(`--([a-z]+): (#[0-9a-f]{6});`).FindAllStringSubmatch(string(css), -1) {
		colours[m[1]] = m[2]
	}
	for _, pair := range [][2]string{
		{"ink", "paper"}, {"ink", "wash"}, {"ink", "notice"}, {"muted", "paper"}, {"muted", "wash"}, {"link", "paper"}, {"link", "wash"},
		{"red", "paper"}, {"green", "paper"},
		// Badges and buttons: white text on a colour.
		{"white", "green"}, {"white", "red"}, {"white", "grey"}, {"white", "link"},
	} {
		fg, bg := colours[pair[0]], colours[pair[1]]
		if fg == "" || bg == "" {
			t.Fatalf("console.css lacks --%s or --%s", pair[0], pair[1])
		}
		if ratio := contrast(fg, bg); ratio < 4.5 {
			t.Errorf("%s (%s) on %s (%s): contrast %.2f:1, want at least 4.5:1", pair[0], fg, pair[1], bg, ratio)
		}
	}
}

// contrast is WCAG's contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// luminance is WCAG's relative luminance of a #rrggbb colour.
func luminance(hex string) float64 {
	var channels [3]float64
	for i := range channels {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			channels[i] = c / 12.92
		} else {
			channels[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*channels[0] + 0.7152*channels[1] + 0.0722*channels[2]
}
