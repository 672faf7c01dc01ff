// Package sqltest gives tests a real MySQL-protocol server: the database in
// RUNBOOK_TEST_MYSQL_DSN when it is set (CI runs MariaDB), otherwise an
// in-process go-mysql-server, so tests pass on a machine without a
// database.
package sqltest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	gms "github.com/dolthub/go-mysql-server"
	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/server"
	gmssql "github.com/dolthub/go-mysql-server/sql"
	mysqldb "github.com/dolthub/go-mysql-server/sql/mysql_db"
	"github.com/go-sql-driver/mysql"
)

// EnvDSN names the variable pointing tests at a real server, for example
// `root@tcp(127.0.0.1:3306)/`.
const EnvDSN = "RUNBOOK_TEST_MYSQL_DSN"

// Server is a database for one test.
type Server struct {
	// DSN selects a fresh, empty database that is dropped when the test
	// ends.
	DSN string
	// Database is that database's name.
	Database string
	// Embedded is true for the in-process go-mysql-server, which lacks some
	// MySQL features (tests skip what it cannot do, and say so).
	Embedded bool
}

// DSN is Start(t).DSN.
func DSN(t testing.TB) string {
	t.Helper()
	return Start(t).DSN
}

// Start returns a fresh database for the test.
func Start(t testing.TB) Server {
	t.Helper()
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return external(t, dsn)
	}
	return embedded(t)
}

func external(t testing.TB, dsn string) Server {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	name := "runbook_test_" + randomHex(t)
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("open %s: %v", EnvDSN, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		db.Close()
		t.Fatalf("create test database on %s: %v", EnvDSN, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	cfg.DBName = name
	return Server{DSN: cfg.FormatDSN(), Database: name}
}

// StartEmbeddedTLS starts an in-process server that offers TLS with cfg
// (whatever RUNBOOK_TEST_MYSQL_DSN says), for testing certificate checks.
func StartEmbeddedTLS(t testing.TB, cfg *tls.Config) Server {
	t.Helper()
	return embeddedWith(t, cfg)
}

func embedded(t testing.TB) Server {
	t.Helper()
	return embeddedWith(t, nil)
}

// embeddedMu lets one in-process server live at a time: go-mysql-server
// keeps its status variables in package globals that every engine writes
// without a lock (a data race under -race when parallel tests each start
// one). Tests that use it are quick, so running them one by one costs
// little.
var embeddedMu sync.Mutex

func embeddedWith(t testing.TB, tlsConfig *tls.Config) Server {
	t.Helper()
	embeddedMu.Lock()
	t.Cleanup(embeddedMu.Unlock) // runs last: after the server is closed
	const name = "test"
	db := memory.NewDatabase(name)
	db.BaseDatabase.EnablePrimaryKeyIndexes()
	pro := memory.NewDBProvider(db)
	engine := gms.NewDefault(pro)
	// user accounts, so that CREATE USER and GRANT work as on MySQL
	// (runbooks create their application's user)
	users := engine.Analyzer.Catalog.MySQLDb
	users.SetPersister(&mysqldb.NoopPersister{})
	ed := users.Editor()
	users.AddSuperUser(ed, "root", "%", "")
	ed.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	cfg := server.Config{Protocol: "tcp", Address: ln.Addr().String(), Listener: ln, TLSConfig: tlsConfig}
	s, err := server.NewServer(cfg, engine, gmssql.NewContext, memory.NewSessionBuilder(pro), nil)
	if err != nil {
		ln.Close()
		t.Fatalf("start go-mysql-server: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Start() //nolint:errcheck // returns when the listener closes
	}()
	t.Cleanup(func() {
		s.Close() //nolint:errcheck // nothing to report
		<-done
	})
	return Server{DSN: "root@tcp(" + ln.Addr().String() + ")/" + name, Database: name, Embedded: true}
}

func randomHex(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
