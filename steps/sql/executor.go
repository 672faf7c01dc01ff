// Package sql runs SQL steps natively against MySQL (and MariaDB) with
// go-sql-driver/mysql, so runbooks need no mysql client installed: it splits
// a block into statements like the mysql client, runs them in order on one
// connection held for the whole run, prints results like the client does,
// and on Ctrl-C or timeout also kills the query on the server.
package sql

import (
	"context"
	dbsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/runbook-sh/runbook/runbook/mask"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/sqltext"
)

// killTimeout bounds the KILL QUERY sent after a cancellation: the engineer
// is waiting, and an unreachable server must not hang the step.
const killTimeout = 5 * time.Second

// Options configure an Executor.
type Options struct {
	// DSN returns the connection string; the engine resolves placeholders
	// and secrets in it only when a SQL step first needs a connection.
	// It may be a go-sql-driver DSN or a mysql:// URL.
	DSN func(ctx context.Context) (string, error)
	// CAFile is a PEM bundle to verify the server with (for RDS, the RDS
	// global bundle); a tls-ca= parameter in the DSN takes precedence.
	CAFile string
	// Dir resolves a relative CA bundle path: the runbook's directory, so
	// a bundle kept next to the doc works from any working directory.
	Dir string
}

// Target is who and where the connection is, shown before the first SQL
// step so nobody runs a migration against the wrong server.
type Target struct {
	Host     string // @@hostname
	Database string // DATABASE(); empty when none is selected
	User     string // CURRENT_USER()
}

func (t Target) String() string {
	db := t.Database
	if db == "" {
		db = "(none)"
	}
	return fmt.Sprintf("%s on %s, database %s", t.User, t.Host, db)
}

// Executor runs SQL steps. It holds one connection, opened on first use and
// reused by every step of the run so that session state (USE, SET,
// temporary tables) carries over like in a mysql session.
type Executor struct {
	opt Options

	mu     sync.Mutex // one statement at a time on the held connection
	conf   *conf      // last parsed DSN, kept for Redacted and masking
	db     *dbsql.DB
	conn   *dbsql.Conn
	connID int64

	maxRows int // rows kept per result set for display
}

// New returns an executor; it connects only when first used.
func New(opt Options) *Executor {
	return &Executor{opt: opt, maxRows: maxRows}
}

var _ steps.Executor = (*Executor)(nil)

// errTimeout is the cancel cause of Request.Timeout, told apart from an
// engineer's interrupt.
var errTimeout = errors.New("step timed out")

// Run executes the statements of req.Command in order on the held
// connection and stops at the first error.
func (e *Executor) Run(ctx context.Context, req steps.Request) steps.Result {
	start := time.Now()
	res := e.run(ctx, req)
	res.Duration = time.Since(start)
	return res
}

func (e *Executor) run(ctx context.Context, req steps.Request) steps.Result {
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, req.Timeout, errTimeout)
		defer cancel()
	}
	out := req.Output
	if out == nil {
		out = io.Discard
	}
	docLine := func(l int) int {
		// The step's Line is its opening fence; the code starts below it.
		if req.Step == nil || req.Step.Line == 0 {
			return l
		}
		return req.Step.Line + l
	}
	stmts, err := sqltext.Split(req.Command)
	if err != nil {
		var se *sqltext.SplitError
		if errors.As(err, &se) {
			err = fmt.Errorf("line %d: %s", docLine(se.Line), se.Msg)
		}
		fmt.Fprintf(out, "ERROR: %v\n", err)
		return steps.Result{ExitCode: 1, Err: err}
	}
	if len(stmts) == 0 {
		return steps.Result{}
	}
	masks := mask.New(req.Secrets) // cells are masked before the table is laid out
	binds, err := bindsByStatement(req.Command, stmts, req.Binds)
	if err != nil {
		fmt.Fprintf(out, "ERROR: %v\n", err)
		return steps.Result{ExitCode: 1, Err: err}
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	lost, err := e.connect(ctx)
	if lost {
		fmt.Fprintln(out, "Reconnecting: the server closed the previous connection; its session state (USE, SET, temporary tables) is gone.")
	}
	if err != nil {
		if ctx.Err() != nil {
			return cancelled(ctx, out, 0, nil)
		}
		fmt.Fprintf(out, "ERROR: %v\n", err)
		return steps.Result{ExitCode: 1, Err: err}
	}
	for i, st := range stmts {
		if ctx.Err() != nil {
			// A cancel while reading the previous statement's warnings may
			// have left the driver's connection closed: start afresh.
			e.drop()
			return cancelled(ctx, out, 0, nil)
		}
		if i > 0 {
			fmt.Fprintln(out)
		}
		line := docLine(st.Line)
		err := e.exec(ctx, out, st, binds[i], masks)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return cancelled(ctx, out, line, e.killRunning(line))
		}
		err = e.describe(err, line)
		fmt.Fprintln(out, err)
		if isBadConn(err) {
			e.drop()
		}
		return steps.Result{ExitCode: 1, Err: err}
	}
	return steps.Result{}
}

// cancelled builds the result of a step stopped by ctx while running the
// statement at line (0: between statements); killErr says the query may
// still be running on the server.
func cancelled(ctx context.Context, out io.Writer, line int, killErr error) steps.Result {
	cause := context.Cause(ctx)
	timedOut := errors.Is(cause, errTimeout) || errors.Is(cause, context.DeadlineExceeded)
	what := "interrupted"
	if timedOut {
		what = "timed out"
	}
	if line > 0 {
		what += fmt.Sprintf(" at line %d", line)
	}
	res := steps.Result{ExitCode: 1, TimedOut: timedOut, Interrupted: !timedOut}
	switch {
	case killErr != nil:
		res.Err = killErr
		fmt.Fprintf(out, "Query %s; %v\n", what, killErr)
		return res
	case !timedOut && cause != nil && !errors.Is(cause, steps.ErrInterrupted):
		// Not the engineer's Ctrl-C (the program shutting down): say so,
		// as the shell executor does.
		res.Err = fmt.Errorf("step cancelled: %w", cause)
	}
	fmt.Fprintf(out, "Query %s.\n", what)
	return res
}

// killRunning stops on the server the statement the driver gave up on: the
// driver only closes its socket, and MySQL keeps running a query until it
// next checks the connection (a long SLEEP or ALTER would go on). The held
// connection is dropped; the next step reconnects.
func (e *Executor) killRunning(line int) error {
	id, db := e.connID, e.db
	e.conn.Close() //nolint:errcheck // already broken by the driver
	e.conn = nil
	defer e.drop()
	ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
	defer cancel()
	c, err := db.Conn(ctx)
	if err == nil {
		_, err = c.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", id))
		c.Close() //nolint:errcheck // short-lived, nothing to flush
	}
	if err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1094 { // unknown thread: it already ended
			return nil
		}
		return fmt.Errorf("the statement at line %d may still be running on the server: kill query %d: %s", line, id, e.conf.mask(err.Error()))
	}
	return nil
}

// describe turns a statement's error into the one-line message shown:
// `Error 1064 (42000) at line 12: …` for server errors, like the mysql
// client, with any password masked.
func (e *Executor) describe(err error, line int) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		state := ""
		if me.SQLState != [5]byte{} {
			state = fmt.Sprintf(" (%s)", me.SQLState[:])
		}
		msg := fmt.Sprintf("Error %d%s at line %d: %s", me.Number, state, line, e.conf.mask(me.Message))
		if be := (*bindError)(nil); errors.As(err, &be) {
			msg += "; " + be.hint()
		}
		return &StatementError{Line: line, Number: me.Number, SQLState: string(me.SQLState[:]), msg: msg}
	}
	return &StatementError{Line: line, msg: fmt.Sprintf("Error at line %d: %s", line, e.conf.mask(err.Error())), err: err}
}

// StatementError is a failed statement; Line is the document line.
type StatementError struct {
	Line     int
	Number   uint16 // MySQL error code; 0 for client-side errors
	SQLState string
	msg      string
	err      error
}

func (e *StatementError) Error() string { return e.msg }
func (e *StatementError) Unwrap() error { return e.err }

func isBadConn(err error) bool {
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, dbsql.ErrConnDone)
}

// exec runs one statement and prints its result.
func (e *Executor) exec(ctx context.Context, out io.Writer, st sqltext.Statement, binds []steps.Bind, masks *mask.Set) error {
	t0 := time.Now()
	text := st.Text
	send, err := e.prepare(ctx, text, binds)
	if err != nil {
		return err
	}
	defer send.close(ctx)
	if !returnsRows(text) {
		r, err := send.exec(ctx)
		if err != nil {
			return err
		}
		elapsed := time.Since(t0)
		if sqltext.FirstKeyword(text) == "USE" {
			_, err := fmt.Fprintln(out, "Database changed")
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			n = 0
		}
		ws := e.warnings(ctx, text)
		if err := WriteOK(out, n, Summary{Warnings: len(ws), Elapsed: elapsed}); err != nil {
			return err
		}
		return WriteWarnings(out, ws)
	}

	sets, err := e.readSets(ctx, send, t0)
	if err != nil {
		return err
	}
	// Warnings belong to the whole statement; they can only be asked for
	// once its results are read.
	ws := e.warnings(ctx, text)
	sets[len(sets)-1].sum.Warnings = len(ws)
	for _, s := range sets {
		maskSet(s.cols, s.data, masks)
	}
	for i, s := range sets {
		if i > 0 {
			fmt.Fprintln(out)
		}
		switch {
		case len(s.cols) == 0:
			err = WriteOK(out, 0, s.sum)
		case st.Vertical:
			err = WriteVertical(out, s.cols, s.data, s.sum)
		default:
			err = WriteTable(out, s.cols, s.data, s.sum)
		}
		if err != nil {
			return err
		}
	}
	return WriteWarnings(out, ws)
}

// resultSet is one result set of a statement, as shown.
type resultSet struct {
	cols []Column
	data [][]Cell
	sum  Summary
}

// readSets runs a statement that returns rows and reads every result set
// it returns (a CALL may return several).
func (e *Executor) readSets(ctx context.Context, send sender, t0 time.Time) ([]resultSet, error) {
	rows, err := send.query(ctx)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sets []resultSet
	for {
		cols, data, total, err := readSet(rows, e.maxRows)
		if err != nil {
			return nil, err
		}
		sets = append(sets, resultSet{cols, data, Summary{Total: total, Elapsed: time.Since(t0)}})
		if !rows.NextResultSet() {
			break
		}
		t0 = time.Now()
	}
	return sets, rows.Err()
}

// warnings returns what SHOW WARNINGS says about the statement just run,
// as `mysql --show-warnings` would print: a runbook's `CREATE DATABASE IF
// NOT EXISTS` or `GRANT` warning is often the one thing worth reading.
// A server that cannot answer gets no warnings rather than a failed step.
func (e *Executor) warnings(ctx context.Context, text string) []Warning {
	if sqltext.FirstKeyword(text) == "SHOW" {
		return nil // SHOW WARNINGS itself, and SHOW statements rarely warn
	}
	rows, err := e.conn.QueryContext(ctx, "SHOW WARNINGS")
	if err != nil {
		return nil
	}
	defer rows.Close()
	var ws []Warning
	for rows.Next() {
		var w Warning
		var code dbsql.NullInt64
		var level, msg dbsql.NullString
		if rows.Scan(&level, &code, &msg) != nil {
			return ws
		}
		w.Level, w.Code, w.Message = level.String, int(code.Int64), msg.String
		ws = append(ws, w)
	}
	return ws
}

// maskSet masks secrets in column names and cells before the table is laid
// out: masked after, a column padded for the secret's length would still
// tell it.
func maskSet(cols []Column, data [][]Cell, masks *mask.Set) {
	if masks.Empty() {
		return
	}
	for i := range cols {
		cols[i].Name = masks.String(cols[i].Name)
	}
	for _, row := range data {
		for i := range row {
			row[i].Value = masks.String(row[i].Value)
		}
	}
}

// readSet reads the current result set, keeping at most limit rows and
// counting all of them.
func readSet(rows *dbsql.Rows, limit int) (cols []Column, data [][]Cell, total int, err error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, 0, err
	}
	cols = make([]Column, len(types))
	for i, t := range types {
		cols[i] = Column{Name: t.Name(), Numeric: isNumeric(t.DatabaseTypeName())}
	}
	vals := make([]dbsql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		total++
		if len(data) == limit {
			continue
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, 0, err
		}
		row := make([]Cell, len(cols))
		for i, v := range vals {
			row[i] = Cell{Value: v.String, Null: !v.Valid}
		}
		data = append(data, row)
	}
	return cols, data, total, rows.Err()
}

// isNumeric follows the mysql client's IS_NUM: these columns are
// right-aligned.
func isNumeric(typ string) bool {
	typ = strings.TrimPrefix(typ, "UNSIGNED ")
	switch typ {
	case "DECIMAL", "FLOAT", "DOUBLE", "YEAR", "NULL":
		return true
	}
	return strings.HasSuffix(typ, "INT")
}

// returnsRows says whether a statement is run as a query (its result sets
// printed) rather than an exec (its affected rows printed); the protocol
// cannot tell us both, so we go by the first keyword, as mysql's result
// handling does in practice.
func returnsRows(text string) bool {
	kw := sqltext.FirstKeyword(text)
	switch kw {
	case "SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "WITH", "VALUES", "TABLE",
		"CALL", "HELP", "CHECK", "ANALYZE", "OPTIMIZE", "REPAIR", "CHECKSUM", "(":
		return true
	}
	return false
}

// connect opens the held connection if there is none, or if the held one
// died while idle (server wait_timeout, a proxy's idle timeout, a failover
// while the engineer was busy with manual steps); lost says which, since
// the session state went with it. Callers hold e.mu.
func (e *Executor) connect(ctx context.Context) (lost bool, err error) {
	if e.conn != nil {
		if e.conn.PingContext(ctx) == nil {
			return false, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		e.drop()
		lost = true
	}
	return lost, e.open(ctx)
}

// open opens the held connection. Callers hold e.mu.
func (e *Executor) open(ctx context.Context) error {
	if e.opt.DSN == nil {
		return errNoDSN
	}
	raw, err := e.opt.DSN(ctx)
	if err != nil {
		return fmt.Errorf("resolve MySQL DSN: %w", err)
	}
	c, err := parseDSN(raw, e.opt.CAFile, e.opt.Dir)
	if err != nil {
		return err
	}
	e.conf = c
	connector, err := mysql.NewConnector(c.cfg)
	if err != nil {
		return fmt.Errorf("connect to %s: %s", c.redacted, c.mask(err.Error()))
	}
	db := dbsql.OpenDB(connector)
	// Besides the held connection, the pool only ever opens the short-lived
	// one that sends KILL QUERY; it must not linger.
	db.SetMaxIdleConns(0)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close() //nolint:errcheck // nothing was opened
		return fmt.Errorf("connect to %s: %s", c.redacted, c.mask(err.Error()))
	}
	var id int64
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		conn.Close() //nolint:errcheck // failing already
		db.Close()   //nolint:errcheck // failing already
		return fmt.Errorf("connect to %s: connection id: %s", c.redacted, c.mask(err.Error()))
	}
	e.db, e.conn, e.connID = db, conn, id
	return nil
}

// drop forgets the held connection (broken or killed) so the next use
// reconnects. Callers hold e.mu.
func (e *Executor) drop() {
	if e.conn != nil {
		e.conn.Close() //nolint:errcheck // being discarded
		e.conn = nil
	}
	if e.db != nil {
		e.db.Close() //nolint:errcheck // being discarded
		e.db = nil
	}
	e.connID = 0
}

// Target tells which server, database and account SQL steps will use,
// connecting if needed.
func (e *Executor) Target(ctx context.Context) (Target, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.connect(ctx); err != nil {
		return Target{}, err
	}
	var host, db, user dbsql.NullString
	err := e.conn.QueryRowContext(ctx, "SELECT @@hostname, DATABASE(), CURRENT_USER()").Scan(&host, &db, &user)
	if err != nil {
		if isBadConn(err) || ctx.Err() != nil {
			e.drop()
		}
		return Target{}, fmt.Errorf("query MySQL target on %s: %s", e.conf.redacted, e.conf.mask(err.Error()))
	}
	return Target{Host: host.String, Database: db.String, User: user.String}, nil
}

// Redacted is the DSN with its password masked, for display. It resolves
// the DSN if no connection was made yet; "" if that fails.
func (e *Executor) Redacted() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conf != nil {
		return e.conf.redacted
	}
	if e.opt.DSN == nil {
		return ""
	}
	raw, err := e.opt.DSN(context.Background())
	if err != nil {
		return ""
	}
	c, err := parseDSN(raw, e.opt.CAFile, e.opt.Dir)
	if err != nil {
		return ""
	}
	e.conf = c
	return c.redacted
}

// Close closes the held connection.
func (e *Executor) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var err error
	if e.conn != nil {
		err = e.conn.Close()
		e.conn = nil
	}
	if e.db != nil {
		err = errors.Join(err, e.db.Close())
		e.db = nil
	}
	return err
}
