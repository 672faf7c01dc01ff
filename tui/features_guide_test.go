package tui

import "testing"

// The user guide's captures of the new screens, at the height the guide
// shows them (docs/user-guide.md, "Copy, logs, values, background steps
// and the summary").
func TestGuideFeatureCaptures(t *testing.T) {
	v := valuesAt(testCommon(), UnicodeGlyphs(), 80, 13)
	golden(t, "guide_values", plain(v.View()))
	c := NewValuesView(testCommon(), UnicodeGlyphs())
	c.SetSize(80, 8)
	c.Confirm("find-db", offers())
	golden(t, "guide_values_confirm", plain(c.View()))
	b, _ := bgAt(t, testCommon(), UnicodeGlyphs(), 80, 10)
	golden(t, "guide_background", plain(b.View()))
	s := summaryAt(testCommon(), UnicodeGlyphs(), 80, 23)
	golden(t, "guide_summary", plain(s.View()))
}
