package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/sqltext"
)

// sender sends one statement and is closed once its results and warnings
// have been read.
type sender struct {
	exec  func(ctx context.Context) (dbsql.Result, error)
	query func(ctx context.Context) (*dbsql.Rows, error)
	close func(ctx context.Context)
}

// bindsByStatement gives each statement the binds whose `?` it holds, with
// offsets made relative to the statement. A bind that falls outside every
// statement means the substitution and the splitter disagree: refuse.
func bindsByStatement(command string, stmts []sqltext.Statement, binds []steps.Bind) ([][]steps.Bind, error) {
	out := make([][]steps.Bind, len(stmts))
	k := 0
	for _, b := range binds {
		for k < len(stmts) && b.Offset >= stmts[k].Offset+len(stmts[k].Text) {
			k++
		}
		if k == len(stmts) || b.Offset < stmts[k].Offset || command[b.Offset] != '?' {
			return nil, fmt.Errorf("the value for %s has no place in the statements; refusing to run them", b.Label)
		}
		b.Offset -= stmts[k].Offset
		out[k] = append(out[k], b)
	}
	return out, nil
}

// prepare readies text for sending. Without binds it goes as text. With
// binds it becomes a server-side prepared statement and the values its
// parameters; no escaping is involved, whatever the character set or
// sql_mode. Where the server's grammar takes no parameter (a password in
// CREATE USER, a user name in GRANT, SHOW … LIKE), it is built on the
// server instead (buildOnServer).
func (e *Executor) prepare(ctx context.Context, text string, binds []steps.Bind) (sender, error) {
	if len(binds) == 0 {
		return sender{
			exec:  func(ctx context.Context) (dbsql.Result, error) { return e.conn.ExecContext(ctx, text) },
			query: func(ctx context.Context) (*dbsql.Rows, error) { return e.conn.QueryContext(ctx, text) },
			close: func(context.Context) {},
		}, nil
	}
	args := make([]any, len(binds))
	for i, b := range binds {
		args[i] = b.Value
	}
	ps, err := e.conn.PrepareContext(ctx, text)
	var me *mysql.MySQLError
	switch {
	case err == nil:
		return sender{
			exec:  func(ctx context.Context) (dbsql.Result, error) { return ps.ExecContext(ctx, args...) },
			query: func(ctx context.Context) (*dbsql.Rows, error) { return ps.QueryContext(ctx, args...) },
			close: func(context.Context) { ps.Close() }, //nolint:errcheck // nothing to report: the statement ran
		}, nil
	case errors.As(err, &me) && me.Number == erUnsupportedPS:
		return sender{}, &bindError{err: err, labels: labels(binds)}
	case errors.As(err, &me):
		// Usually a syntax error at a ? the grammar does not take (1064;
		// go-mysql-server says 1105). A statement that is wrong anyway
		// fails again, with the server's message about it.
		return e.buildOnServer(ctx, text, binds)
	}
	return sender{}, err
}

const erUnsupportedPS = 1295 // a statement that cannot be prepared at all

// Session names used while a statement is built on the server; they are
// cleared as soon as they are no longer needed.
const (
	sqlVar     = "@__runbook_sql"
	charsetVar = "@__runbook_charset"
	stmtName   = "__runbook_stmt"
)

// quoteBinary is a string literal of the bytes of one parameter, built by
// the server: quotes doubled and, where the server reads a backslash as an
// escape, backslashes doubled. Whether it does is asked of the server's
// own lexer, not of sql_mode: '\\' is one character where backslashes
// escape and two under NO_BACKSLASH_ESCAPES (go-mysql-server escapes
// whatever sql_mode says). Its text is ASCII, which reads the same in
// every character set.
const quoteBinary = "CONCAT(X'27', REPLACE(REPLACE(CAST(? AS BINARY), X'5C', " +
	"IF(CHAR_LENGTH('\\\\') = 2, X'5C', X'5C5C')), X'27', X'2727'), X'27')"

// buildOnServer has the server write each bound value into text as a
// string literal and prepare the result (PREPARE … FROM), with the
// connection's character_set_client set to binary while it parses: a
// literal whose quotes and backslashes were doubled byte by byte then
// reads back as exactly its bytes, which no multibyte character set
// guarantees (in sjis, gbk, big5 and cp932 a backslash can be the second
// byte of a character; MariaDB's QUOTE() even turns a backslash into a
// different character under sjis). The literal still gets the
// connection's character set (character_set_connection is unchanged),
// as it would have written in the statement. The statement's own text,
// the values and the parts around them all travel as parameters: nothing
// is escaped on the client.
func (e *Executor) buildOnServer(ctx context.Context, text string, binds []steps.Bind) (sender, error) {
	var q strings.Builder
	args := make([]any, 0, 2*len(binds)+1)
	// The derived table makes this a statement that uses a table, which
	// resets the server's warnings: the failed prepare's syntax error must
	// not show as a warning of the statement (MariaDB keeps warnings across
	// statements that use no table).
	q.WriteString("SET " + sqlVar + " = (SELECT CONCAT(")
	prev := 0
	for _, b := range binds {
		q.WriteString("CAST(? AS BINARY), " + quoteBinary + ", ")
		args = append(args, text[prev:b.Offset], b.Value)
		prev = b.Offset + 1
	}
	q.WriteString("CAST(? AS BINARY)) FROM (SELECT 1) AS __runbook)")
	args = append(args, text[prev:])
	clear := func(ctx context.Context) {
		e.conn.ExecContext(ctx, "SET "+sqlVar+" = NULL, "+charsetVar+" = NULL") //nolint:errcheck // best effort: the session ends with the run
	}
	if err := e.execPrepared(ctx, q.String(), args); err != nil {
		return sender{}, err
	}
	switched, err := e.binaryClient(ctx)
	if err != nil {
		clear(ctx) // the character set is still the session's own
		return sender{}, &bindError{err: err, labels: labels(binds)}
	}
	_, perr := e.conn.ExecContext(ctx, "PREPARE "+stmtName+" FROM "+sqlVar)
	if switched {
		if err := e.restoreCharset(ctx); err != nil {
			return sender{}, err
		}
	}
	clear(ctx)
	if me := (*mysql.MySQLError)(nil); errors.As(perr, &me) && me.Number == erUnsupportedPS {
		return sender{}, &bindError{err: perr, labels: labels(binds)}
	}
	if perr != nil {
		return sender{}, perr
	}
	const execute = "EXECUTE " + stmtName
	return sender{
		exec:  func(ctx context.Context) (dbsql.Result, error) { return e.conn.ExecContext(ctx, execute) },
		query: func(ctx context.Context) (*dbsql.Rows, error) { return e.conn.QueryContext(ctx, execute) },
		close: func(ctx context.Context) {
			e.conn.ExecContext(ctx, "DEALLOCATE PREPARE "+stmtName) //nolint:errcheck // best effort: the session ends with the run
		},
	}, nil
}

// asciiSafe says whether in client character set cs no character but the
// quote has a quote byte and none but the backslash a backslash byte: a
// literal whose quotes and backslashes were doubled byte by byte reads
// back exactly in it.
func asciiSafe(cs string) bool {
	switch strings.ToLower(cs) {
	case "utf8mb4", "utf8mb3", "utf8", "latin1", "ascii", "binary":
		return true
	}
	return false
}

// binaryClient sets character_set_client to binary for the PREPARE,
// keeping the session's own in charsetVar (switched: restore it after). A
// server that cannot switch (go-mysql-server) will do only if its client
// character set is one where byte-wise quoting is exact anyway.
func (e *Executor) binaryClient(ctx context.Context) (switched bool, err error) {
	if _, err := e.conn.ExecContext(ctx, "SET "+charsetVar+" = @@session.character_set_client"); err != nil {
		return false, err
	}
	_, err = e.conn.ExecContext(ctx, "SET SESSION character_set_client = binary")
	if err == nil {
		return true, nil
	}
	var cs dbsql.NullString
	if qerr := e.conn.QueryRowContext(ctx, "SELECT @@session.character_set_client").Scan(&cs); qerr != nil {
		return false, qerr
	}
	if !asciiSafe(cs.String) {
		return false, fmt.Errorf("the server cannot read the statement as binary (%v), and its character set %s cannot take a value written into SQL text", err, cs.String)
	}
	return false, nil
}

// restoreCharset puts character_set_client back. If that fails the
// session would read every later statement as binary: the connection is
// dropped instead (the next step reconnects and says so).
func (e *Executor) restoreCharset(ctx context.Context) error {
	_, err := e.conn.ExecContext(ctx, "SET SESSION character_set_client = "+charsetVar)
	if err != nil && ctx.Err() == nil {
		e.drop()
		return fmt.Errorf("restore character_set_client: %w (the connection was closed; its session state is gone)", err)
	}
	return err
}

// execPrepared runs q as a server-side prepared statement with args, the
// only way this package sends values.
func (e *Executor) execPrepared(ctx context.Context, q string, args []any) error {
	ps, err := e.conn.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer ps.Close()
	_, err = ps.ExecContext(ctx, args...)
	return err
}

// bindError is a statement the server cannot prepare, so its values
// cannot be bound.
type bindError struct {
	err    error
	labels string
}

func (e *bindError) Error() string { return e.err.Error() }
func (e *bindError) Unwrap() error { return e.err }

func (e *bindError) hint() string {
	return fmt.Sprintf("the server cannot prepare this statement, so the value for %s cannot be sent as a bind parameter, and runbook never writes values into SQL text", e.labels)
}

func labels(binds []steps.Bind) string {
	var out []string
	for _, b := range binds {
		out = append(out, b.Label)
	}
	return strings.Join(out, ", ")
}
