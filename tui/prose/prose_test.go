package prose

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (-update rewrites it)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func readAll(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/all.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRenderPlain pins the layout: the same as glamour's "notty" style the
// section pane used before, except where noted in the golden's elements
// (hard line breaks kept, list items indented under their marker, long
// code lines continued behind "↳ " rather than wrapped at column 0).
func TestRenderPlain(t *testing.T) {
	out := Render(readAll(t), 40, Plain())
	golden(t, "all.plain.golden", ansi.Strip(out)+"\n")
	if !strings.Contains(out, ansi.SetHyperlink("https://wiki.example.com/db", "id=2921237744")) {
		t.Error("a link is not a terminal hyperlink")
	}
}

// TestRenderDark pins the colours: every escape sequence, so that a change
// of style shows in review.
func TestRenderDark(t *testing.T) {
	golden(t, "all.dark.golden", strings.ReplaceAll(Render(readAll(t), 40, Dark()), "\x1b", `\e`)+"\n")
	golden(t, "all.light.golden", strings.ReplaceAll(Render(readAll(t), 40, Light()), "\x1b", `\e`)+"\n")
}

// TestRenderWidth: no line is wider than asked, whatever the content (code
// lines are continued, words longer than a line are broken).
func TestRenderWidth(t *testing.T) {
	md := readAll(t) + "\n\nsupercalifragilisticexpialidocious-and-then-some-more-words-without-spaces\n\n" +
		"| a | b | c | d |\n|---|---|---|---|\n| " + strings.Repeat("x ", 40) + "| y | z | w |\n"
	for _, th := range []Theme{Plain(), Dark()} {
		for _, w := range []int{12, 20, 40, 73} {
			for i, l := range strings.Split(Render(md, w, th), "\n") {
				if n := ansi.StringWidth(l); n > w {
					t.Errorf("width %d, line %d is %d cells: %q", w, i, n, ansi.Strip(l))
				}
			}
		}
	}
}

// TestCodeKeepsEveryCharacter: a long command continues on the next rows;
// read back without the marks it is the command, byte for byte.
func TestCodeKeepsEveryCharacter(t *testing.T) {
	cmd := `aws s3 cp "s3://bucket/$KEY" ./out --region {region} && echo 'done' | tee -a log.txt`
	for _, th := range []Theme{Plain(), Dark()} {
		lines := strings.Split(ansi.Strip(Render("```bash\n"+cmd+"\n```\n", 30, th)), "\n")
		var got strings.Builder
		for i, l := range lines {
			l = strings.TrimPrefix(l, "    ")
			if i > 0 {
				if !strings.HasPrefix(l, "↳ ") {
					t.Fatalf("row %d has no continuation mark: %q", i, l)
				}
				l = strings.TrimPrefix(l, "↳ ")
			}
			got.WriteString(l)
		}
		if got.String() != cmd {
			t.Errorf("rows read back as\n%q\nwant\n%q", got.String(), cmd)
		}
	}
}

func TestHTMLText(t *testing.T) {
	for in, want := range map[string]string{
		"<div>Shown &amp; kept</div>":          " Shown & kept ",
		"<!-- a comment -->text":               "text",
		"<script>alert(1)</script>after":       "after",
		"<STYLE type=x>p{}</style>after":       "after",
		"1 < 2 and <b>bold</b>":                "1 < 2 and  bold ",
		"<!-- unclosed":                        "",
		"<details><summary>Sum</summary>inner": "  Sum inner",
		"a <br/> b":                            "a   b",
		"<scripts>kept</scripts>":              " kept ",
		"text with no tags":                    "text with no tags",
	} {
		if got := htmlText(in); got != want {
			t.Errorf("htmlText(%q) = %q, want %q", in, got, want)
		}
	}
}

// marks is a Syntax whose styles are the class names, so that a test reads
// which class each token got.
func marks() Syntax {
	m := func(name string) ansi.Style { return ansi.Style{name + "_"} }
	return Syntax{Text: m("text"), Comment: m("comment"), Keyword: m("kw"), Builtin: m("cmd"), String: m("str"),
		Number: m("num"), Operator: m("op"), Variable: m("var"), Prompt: m("prompt")}
}

var classRE = regexp.MustCompile(`\x1b\[([a-z]+)_m`)

func TestHighlight(t *testing.T) {
	s := marks()
	for _, c := range []struct{ lang, code, want string }{
		{"bash", `FOO=1 aws s3 ls "s3://$B" # list`,
			`[var]FOO=1[text] [cmd]aws[text] s3 ls [str]"s3://$B"[text] [comment]# list`},
		{"sh", `if [ -f x ]; then rm -rf <dir> {env}; fi`,
			`[kw]if[text] [cmd][[text] -f x ][op];[text] [kw]then[text] [cmd]rm[text] -rf [var]<dir>[text] [var]{env}[op];[text] [kw]fi`},
		{"bash", "echo a#b ${HOME} $(date) 2>&1 | wc -l",
			`[cmd]echo[text] a#b [var]${HOME}[text] [op]$([cmd]date[op])[text] [num]2[op]>&[num]1[text] [op]|[text] [cmd]wc[text] -l`},
		{"bash", "docker run \\\n  --rm x",
			`[cmd]docker[text] run \` + "\n" + `[text]  --rm x`},
		{"sql", "SELECT 'a--b', 42 FROM t; -- note",
			`[kw]SELECT[text] [str]'a--b'[text], [num]42[text] [kw]FROM[text] t; [comment]-- note`},
		{"yaml", "key: \"v\" # c\n- name: true",
			`[kw]key[text]: [str]"v"[text] [comment]# c` + "\n" + `[op]-[text] [kw]name[text]: [kw]true`},
		{"console", "$ kubectl get pods\nNAME READY",
			`[prompt]$ [cmd]kubectl[text] get pods` + "\n" + `[text]NAME READY`},
		{"text", "plain é", `[text]plain é`},
		{"python", "def f(): return \"é\"",
			`[kw]def[text] f(): [kw]return[text] [str]"é"`},
	} {
		got := strings.Join(highlight(c.code, c.lang, &s), "\n")
		got = classRE.ReplaceAllString(strings.ReplaceAll(got, "\x1b[m", ""), "[$1]")
		if got != c.want {
			t.Errorf("%s %q:\n got %s\nwant %s", c.lang, c.code, got, c.want)
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add(readAll(&testing.T{}), 40)
	f.Add("# h\n\n- a\n  - b\n\n```sh\necho $x\n```\n| a |\n|---|\n| b |\n", 10)
	f.Fuzz(func(t *testing.T, md string, w int) {
		w = 8 + abs(w)%120
		for _, th := range []Theme{Plain(), Dark()} {
			for _, l := range strings.Split(Render(md, w, th), "\n") {
				if n := ansi.StringWidth(l); n > w {
					t.Fatalf("width %d: line of %d cells %q", w, n, l)
				}
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Nesting deeper than the pane is wide gives up indents instead of
// overflowing: quotes, lists and code inside them, at every narrow width.
func TestDeepNestingFitsThePane(t *testing.T) {
	docs := []string{
		">>>>>>>000",
		"> > > > > > > > > > a long word: supercalifragilistic",
		"- a\n  - b\n    - c\n      - d\n        - e\n          - f\n            - g words here",
		"123456789. item with a very long marker",
		"> - > - > - ```sh\n> - > - > - echo nested code\n> - > - > - ```",
		"-\n  -\n    -\n      -\n        -",
	}
	for _, md := range docs {
		for w := 8; w <= 30; w++ {
			for _, th := range []Theme{Plain(), Dark()} {
				out := Render(md, w, th)
				for _, l := range strings.Split(out, "\n") {
					if n := ansi.StringWidth(l); n > w {
						t.Fatalf("%q at width %d: line of %d cells %q", md, w, n, l)
					}
				}
				if !strings.Contains(alnum(ansi.Strip(out)), lastWord(md)) {
					t.Fatalf("%q at width %d lost text:\n%s", md, w, ansi.Strip(out))
				}
			}
		}
	}
}

// alnum is s without anything but letters and digits: the text as read
// across breaks, bars and markers.
func alnum(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// lastWord is the last run of letters and digits in s.
func lastWord(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}
