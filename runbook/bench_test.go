package runbook

import (
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

func benchParse(b *testing.B, size int) {
	src := genRunbook(size)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.md", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse is the acceptance benchmark: at least 0.7× the throughput
// of BenchmarkGoldmarkBare on the same bytes.
func BenchmarkParse(b *testing.B) { benchParse(b, 1<<20) }

func BenchmarkParse20MB(b *testing.B) { benchParse(b, 20<<20) }

// BenchmarkGoldmarkBare is goldmark alone (GFM tables and task lists) on the
// bytes BenchmarkParse uses.
func BenchmarkGoldmarkBare(b *testing.B) {
	src := genRunbook(1 << 20)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		md := goldmark.New(goldmark.WithExtensions(extension.Table, extension.TaskList))
		md.Parser().Parse(text.NewReader(src))
	}
}
