package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/runbook/state"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/shell"
	"github.com/runbook-sh/runbook/steps/sql"
)

// engineFlags are the flags that shape an engine, shared by run and the TUI.
type engineFlags struct {
	stateFlags
	run      string
	sets     []string
	values   string
	mysqlDSN string
	// takeOver takes over a run on S3 whose lock's lease expired.
	takeOver bool
	// ifUnreachable is what to do when S3 stays unreachable before a
	// step starts: ask (a terminal), wait, local or stop.
	ifUnreachable string
}

// wired is an opened engine with the executors it owns. It is the only
// place that knows every executor and secret source.
type wired struct {
	engine *steps.Engine
	sql    *sql.Executor
	remote *state.Remote // the run's S3 state, nil for a directory
}

// wireOptions are the choices that depend on where the run is shown.
type wireOptions struct {
	// NoPTY runs shell steps on pipes: nobody watches a CI log, and pipes
	// are faster than a pseudo-terminal.
	NoPTY  bool
	DryRun bool
	// NewRun starts the lane's next run even if its latest is unfinished.
	NewRun bool
	// Logs fetches the logs of an S3 run (the TUI shows past output).
	Logs bool
	// Unreachable decides what to do when S3 stays unreachable.
	Unreachable func(error, time.Duration) state.Decision
}

// wireEngine opens the run of doc (no side effects: see steps.Open) with
// the shell and check executors and the secret sources, then adds what
// needs the opened engine: the SQL executor (its DSN's placeholders are
// the run's values) and the AWS guard (it reads values and journals the
// identity). Values are passed in; nothing closes over an engine that
// does not exist yet.
func wireEngine(ctx context.Context, doc *runbook.Document, f engineFlags, o wireOptions) (*wired, error) {
	sets, session, err := parseSets(doc, f.sets)
	if err != nil {
		return nil, err
	}
	values, err := readValues(doc, f.values)
	if err != nil {
		return nil, err
	}
	a, err := awsSetup(ctx, doc, f.profile, f.region)
	if err != nil {
		return nil, err
	}
	loc, err := f.location(doc, doc.Path)
	if err != nil {
		return nil, err
	}
	lane := f.run
	if lane == "" {
		lane = journal.DefaultRunName(doc.Path)
	}
	f.unreachable = o.Unreachable
	stateDir, remote, err := f.openState(ctx, loc, inLane(lane), o.Logs)
	if err != nil {
		return nil, err
	}
	sh := shell.New(shell.Options{NoPTY: o.NoPTY})
	reg := steps.NewRegistry()
	reg.Register(runbook.KindShell, sh)
	reg.Register(runbook.KindCheck, sh)
	cfg := steps.Config{
		Doc: doc, Registry: reg, StateDir: stateDir, Run: f.run, NewRun: o.NewRun,
		Sets: sets, Values: values, DryRun: o.DryRun, Environ: a.StepEnv(os.Environ()),
		Host: os.Getenv("RUNBOOK_HOST"),
	}
	if remote != nil {
		remote.TakeOver = f.takeOver
		remote.Mirror.Unreachable = o.Unreachable
		cfg.Remote = remote
	}
	a.AddTo(&cfg)
	e, err := steps.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := checkSessionSets(doc, e, session); err != nil {
		return nil, err
	}
	if remote != nil && !o.DryRun {
		if err := heldElsewhere(ctx, remote, e, f.takeOver); err != nil {
			return nil, err
		}
	}
	dsnFlag := f.mysqlDSN
	if dsnFlag == "" {
		dsnFlag = os.Getenv("RUNBOOK_MYSQL_DSN")
	}
	w := &wired{engine: e, remote: remote, sql: sql.New(sql.Options{DSN: sqlDSN(doc, dsnFlag, e.Expand), Dir: filepath.Dir(doc.Path)})}
	reg.Register(runbook.KindSQL, w.sql)
	if p := a.Preflight(e); p != nil {
		e.AddPreflight(p)
	}
	return w, nil
}

// sqlDSN resolves the MySQL connection when a SQL step first needs it: the
// --mysql-dsn flag (or RUNBOOK_MYSQL_DSN), else the front matter's, its
// placeholders filled by expand (the run's values).
func sqlDSN(doc *runbook.Document, flag string, expand func(context.Context, string) (string, error)) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		raw := flag
		if raw == "" && doc.FrontMatter != nil && doc.FrontMatter.MySQL != nil {
			raw = doc.FrontMatter.MySQL.DSN
		}
		if raw == "" {
			return "", errors.New("no MySQL connection: add `mysql: {dsn: …}` to the front matter, pass --mysql-dsn or set RUNBOOK_MYSQL_DSN")
		}
		return expand(ctx, raw)
	}
}

// SQLTarget says which server SQL steps will use, for a notice before the
// first one.
func (w *wired) SQLTarget(ctx context.Context) (string, error) {
	t, err := w.sql.Target(ctx)
	if err != nil {
		return "", err
	}
	return "MySQL: " + t.String(), nil
}

// Close closes the engine and the SQL connection.
func (w *wired) Close() error {
	return errors.Join(w.sql.Close(), w.engine.Close())
}

// parseSets reads --set NAME=VALUE flags. A name must be a placeholder, a
// declared variable or a question id of the doc: a typo must not be
// silently ignored on a production run. A shell variable name the doc
// does not know may be a value of the run's shell session a resumed run
// lacks (a secret): those are in session, checked once the run is open
// (checkSessionSets).
func parseSets(doc *runbook.Document, flags []string) (sets map[string]string, session []string, err error) {
	known := knownNames(doc)
	sets = map[string]string{}
	for _, kv := range flags {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, nil, usagef("--set %q: want NAME=VALUE", kv)
		}
		if runbook.ShellName(k) && !known[k] && !known[runbook.PlaceholderName(k)] {
			sets[k] = v
			session = append(session, k)
			continue
		}
		k = canonicalName(known, strings.TrimSuffix(strings.TrimPrefix(k, "<"), ">"))
		if !known[k] {
			return nil, nil, usagef("--set %s: not a placeholder, variable or question of %s", k, doc.Path)
		}
		sets[k] = v
	}
	return sets, session, nil
}

// checkSessionSets refuses a --set of a name that is neither the doc's
// nor a value the opened run's shell session lacks.
func checkSessionSets(doc *runbook.Document, e *steps.Engine, names []string) error {
	for _, n := range names {
		if !slices.Contains(e.SessionNames(), n) {
			return usagef("--set %s: not a placeholder, variable or question of %s, nor a value of its run's shell session", n, doc.Path)
		}
	}
	return nil
}

// knownNames are the names --set and --values accept: placeholders,
// declared variables and question ids of doc.
func knownNames(doc *runbook.Document) map[string]bool {
	known := map[string]bool{}
	for _, p := range doc.Placeholders {
		known[p.Name] = true
	}
	if doc.FrontMatter != nil {
		for _, v := range doc.FrontMatter.Variables {
			known[v.Name] = true
		}
	}
	for _, q := range doc.Questions {
		known[q.ID] = true
	}
	for _, v := range doc.Verified {
		known[v.ID] = true
	}
	return known
}

// canonicalName is the name a --set or --values key gives a value to: as
// written when the doc knows it so, else its canonical form
// (runbook.PlaceholderName: POD_NAME names <pod-name>).
func canonicalName(known map[string]bool, k string) string {
	if c := runbook.PlaceholderName(k); !known[k] && known[c] {
		return c
	}
	return k
}

// readValues reads a --values YAML file: a flat map of names to scalars,
// with the same names as --set, so that a typo in the file is not
// silently ignored either.
func readValues(doc *runbook.Document, path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--values: %v", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		msg := yamlMessage(err)
		var te *yaml.TypeError
		if errors.As(err, &te) {
			// The only type decoded here is the top-level map.
			msg = "want a map of NAME: value"
		}
		return nil, &runbook.Error{Path: path, Line: yamlLine(err), Err: fmt.Errorf("bad values file: %s", msg)}
	}
	out := map[string]string{}
	known := knownNames(doc)
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		k := canonicalName(known, strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(key), "<"), ">"))
		if !known[k] {
			return nil, &runbook.Error{Path: path, Line: keyLine(b, key), Err: fmt.Errorf("bad values file: %s is not a placeholder, variable or question of %s", key, doc.Path)}
		}
		switch v := raw[key].(type) {
		case nil:
		case string:
			out[k] = v
		case bool, int, int64, uint64, float64:
			out[k] = fmt.Sprint(v)
		default:
			return nil, &runbook.Error{Path: path, Err: fmt.Errorf("bad values file: %s must be a string, number or boolean", k)}
		}
	}
	return out, nil
}

// keyLine is the line of a top-level key of a YAML map, or 0.
func keyLine(b []byte, key string) int {
	var n yaml.Node
	if yaml.Unmarshal(b, &n) != nil || len(n.Content) == 0 {
		return 0
	}
	m := n.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// yamlLine digs the line out of a yaml.v3 error ("yaml: line 3: …").
func yamlLine(err error) int {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		rest := msg[i+5:]
		if j := strings.IndexByte(rest, ':'); j > 0 {
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return n
			}
		}
	}
	return 0
}

// yamlMessage is a yaml.v3 error as one line, without the "line N: "
// prefixes (the caller names the line). Unmarshal errors come as a
// header and one indented line per error.
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	var parts []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "line ") {
			if j := strings.IndexByte(l, ':'); j > 0 {
				l = strings.TrimSpace(l[j+1:])
			}
		}
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}
