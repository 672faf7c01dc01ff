package prose

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// A lexer colours one family of languages: comments, strings, numbers,
// keywords and, for shells, command names, variables and runbook
// placeholders. It is a colouring aid, not a parser: a construct it does
// not know is shown in the text colour, never dropped or changed.
type lexer struct {
	lineComments []string
	block        [2]string // block comment delimiters
	quotes       string
	keywords     map[string]bool
	fold         bool // keywords are case-insensitive
	shell        bool
	keys         bool // a word followed by ':' is a key (YAML, TOML)
}

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

const shellKeywords = "if then else elif fi for in do done while until case esac function select time return exit export local readonly set unset source"

// lexerFor returns the lexer for a fence's language, or nil to show the
// code in the text colour.
func lexerFor(lang string) *lexer {
	switch strings.ToLower(lang) {
	case "sh", "bash", "zsh", "shell", "ksh", "dash", "fish", "powershell", "pwsh", "ps1":
		return &lexer{lineComments: []string{"#"}, quotes: `'"` + "`", keywords: words(shellKeywords), shell: true}
	case "dockerfile", "docker":
		return &lexer{lineComments: []string{"#"}, quotes: `'"`, keywords: words(shellKeywords + " FROM RUN CMD COPY ADD ENV ARG WORKDIR ENTRYPOINT EXPOSE USER LABEL VOLUME HEALTHCHECK SHELL"), shell: true}
	case "sql", "mysql", "mariadb", "postgres", "postgresql", "psql", "pgsql", "sqlite", "plsql", "tsql":
		return &lexer{lineComments: []string{"--", "#"}, block: [2]string{"/*", "*/"}, quotes: `'"` + "`", fold: true, keywords: words(
			"select from where and or not insert into values update set delete create alter drop table database schema index view if exists " +
				"grant revoke on to as join left right inner outer full cross using group by order having limit offset union all distinct " +
				"begin commit rollback transaction primary key foreign references default null is in like between case when then else end " +
				"show use describe explain analyze with returning unique check constraint column add rename truncate lock unlock tables " +
				"user identified privileges flush procedure function trigger cascade restrict true false asc desc count sum min max")}
	case "python", "py", "python3":
		return &lexer{lineComments: []string{"#"}, quotes: `'"`, keywords: words(
			"def class return if elif else for while in not and or is None True False import from as with try except finally raise " +
				"pass break continue lambda yield global nonlocal assert del async await print len range open")}
	case "json", "jsonc", "json5":
		return &lexer{lineComments: []string{"//"}, quotes: `"`, keywords: words("true false null")}
	case "yaml", "yml", "toml", "ini", "conf", "properties", "env", "dotenv":
		return &lexer{lineComments: []string{"#", ";"}, quotes: `'"`, keywords: words("true false null yes no on off"), keys: true}
	case "go", "golang", "js", "javascript", "ts", "typescript", "java", "c", "cpp", "c++", "rust", "rs", "kotlin", "swift", "hcl", "terraform", "tf", "groovy", "php":
		return &lexer{lineComments: []string{"//", "#"}, block: [2]string{"/*", "*/"}, quotes: `'"` + "`", keywords: words(
			"func fn function def var let const type struct interface package import return if else for while switch case default break continue " +
				"go defer range map chan select class new this public private static void int string bool true false nil null undefined " +
				"resource variable output module provider data locals try catch throw async await export from")}
	}
	return nil
}

// highlight colours code line by line; console sessions colour the
// commands after a "$ " prompt and leave their output alone.
func highlight(code, lang string, s *Syntax) []string {
	l := strings.ToLower(lang)
	if l == "console" || l == "shell-session" || l == "terminal" || l == "sh-session" {
		return console(code, s)
	}
	lx := lexerFor(lang)
	if lx == nil {
		return paintLines(code, s.Text)
	}
	var p painter
	lx.scan(code, s, p.add)
	return strings.Split(p.String(), "\n")
}

func console(code string, s *Syntax) []string {
	sh := lexerFor("sh")
	lines := strings.Split(code, "\n")
	for i, l := range lines {
		rest := strings.TrimLeft(l, " ")
		if !strings.HasPrefix(rest, "$ ") {
			lines[i] = s.Text.Styled(l)
			continue
		}
		var p painter
		cut := len(l) - len(rest) + 2
		p.add(l[:cut], s.Prompt)
		sh.scan(l[cut:], s, p.add)
		lines[i] = p.String()
	}
	return lines
}

// painter joins tokens into styled text: neighbours of one style share
// one escape sequence, and a style is closed before each newline so that
// every line stands alone.
type painter struct {
	b       strings.Builder
	run     strings.Builder
	style   ansi.Style
	pending bool
}

func (p *painter) add(tok string, st ansi.Style) {
	for i, part := range strings.Split(tok, "\n") {
		if i > 0 {
			p.flush()
			p.b.WriteByte('\n')
		}
		if part == "" {
			continue
		}
		if p.pending && st.String() != p.style.String() {
			p.flush()
		}
		p.style, p.pending = st, true
		p.run.WriteString(part)
	}
}

func (p *painter) flush() {
	if p.pending {
		p.b.WriteString(p.style.Styled(p.run.String()))
		p.run.Reset()
		p.pending = false
	}
}

func (p *painter) String() string {
	p.flush()
	return p.b.String()
}

func paintLines(code string, st ansi.Style) []string {
	lines := strings.Split(code, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = st.Styled(l)
		}
	}
	return lines
}
