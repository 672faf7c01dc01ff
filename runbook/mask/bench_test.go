package mask

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// lineModeChunk is 64 KiB of what steps print: build logs, JSON, base64,
// echoed commands.
func lineModeChunk() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 1<<16; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "2024-06-01T10:00:%02dZ building layer %d/12: sha256:0123456789abcdef downloaded 12.5MB\n", i%60, i%12)
		case 1:
			fmt.Fprintf(&b, `{"level":"info","msg":"request served","path":"/api/v1/items/%d","status":200,"ms":%d}`+"\n", i, i%97)
		case 2:
			b.WriteString("  data: eyJhcGlWZXJzaW9uIjoidjEiLCJraW5kIjoiU2VjcmV0IiwibWV0YWRhdGEiOnsibmFtZSI6ImRiIn19Cg==\n")
		default:
			fmt.Fprintf(&b, "+ kubectl rollout status deploy/api-%d --namespace prod --timeout 300s\n", i)
		}
	}
	return b.Bytes()[:1<<16]
}

// lineModeSecrets: a database password with every special character, an
// AWS secret key and a GitHub token — 67 forms in all.
var lineModeSecrets = []string{`S3cr"et 'pa\ss' €\' $x ¿'`, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"}

func benchmarkWriter(b *testing.B, chunk []byte, secrets []string) {
	w := New(secrets).Writer(io.Discard)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
}

func repeatedLine() []byte {
	return bytes.Repeat([]byte("building layer 3/12: sha256:0123456789abcdef downloaded 12.5MB\n"), 1<<16/64)
}

func BenchmarkMaskerNoSecrets(b *testing.B) { benchmarkWriter(b, lineModeChunk(), nil) }

// BenchmarkMaskerLineMode is the figure that matters: step output in line
// mode with a few secrets, each with all its forms.
func BenchmarkMaskerLineMode(b *testing.B) { benchmarkWriter(b, lineModeChunk(), lineModeSecrets) }

func BenchmarkMaskerFewSecrets(b *testing.B) {
	benchmarkWriter(b, repeatedLine(), []string{"hunter2", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", strings.Repeat("k", 40)})
}

// BenchmarkMaskerManySecrets: twenty secrets (a few hundred forms) cost
// about what three do.
func BenchmarkMaskerManySecrets(b *testing.B) {
	var secrets []string
	for i := range 20 {
		secrets = append(secrets, fmt.Sprintf("pw-%02d-'q\"x\\y €%c%c", i, 'A'+i, 'z'-i))
	}
	benchmarkWriter(b, lineModeChunk(), secrets)
}

// The worst case: secrets that are nearly the output itself.
func BenchmarkMaskerCommonFirstByte(b *testing.B) {
	benchmarkWriter(b, repeatedLine(), []string{"building layer 9", "sha256:fff", "e downloaded"})
}

// BenchmarkMaskerPtyWrites: a pseudo-terminal hands output over in 4 KiB
// pieces; each piece pays for a look at its last bytes.
func BenchmarkMaskerPtyWrites(b *testing.B) { benchmarkPieces(b, 4<<10) }

// BenchmarkMaskerSmallWrites: 512-byte pieces, the worst of it.
func BenchmarkMaskerSmallWrites(b *testing.B) { benchmarkPieces(b, 512) }

func benchmarkPieces(b *testing.B, size int) {
	chunk := lineModeChunk()
	w := New(lineModeSecrets).Writer(io.Discard)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		for p := chunk; len(p) > 0; p = p[min(len(p), size):] {
			if _, err := w.Write(p[:min(len(p), size)]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkMaskString: a SQL result cell or an error message, the secrets
// compiled once.
func BenchmarkMaskString(b *testing.B) {
	set := New(lineModeSecrets)
	cell := "request from 10.0.0.12 with token ghp_16C7e42F292c6912E7710c838347Ae178B4a rejected"
	b.ReportAllocs()
	for b.Loop() {
		_ = set.String(cell)
	}
}

// BenchmarkNew: compiling three secrets with all their forms.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = New(lineModeSecrets)
	}
}
