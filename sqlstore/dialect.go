package sqlstore

import (
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Dialect names the SQL dialect a Store speaks.
type Dialect string

// The dialects a Store supports.
const (
	// DialectSQLite is SQLite 3, e.g. through modernc.org/sqlite (pure Go).
	DialectSQLite Dialect = "sqlite"
	// DialectPostgres is PostgreSQL 12 or newer, e.g. through
	// github.com/jackc/pgx/v5/stdlib.
	DialectPostgres Dialect = "postgres"
)

// detectDialect tells the dialect from the package path of db's driver.
func detectDialect(db *sql.DB) (Dialect, error) {
	t := reflect.TypeOf(db.Driver())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pkg := t.PkgPath()
	switch {
	case strings.Contains(pkg, "sqlite"):
		return DialectSQLite, nil
	case strings.Contains(pkg, "pgx"), strings.HasSuffix(pkg, "lib/pq"), strings.Contains(pkg, "postgres"):
		return DialectPostgres, nil
	}
	return "", fmt.Errorf("sqlstore: cannot tell the SQL dialect of driver %s.%s: set Options.Dialect", pkg, t.Name())
}

// rebind turns the "?" placeholders the store's query texts use into
// PostgreSQL's $1, $2... Those texts hold no "?" inside literals.
func (s *Store) rebind(q string) string {
	if s.dialect != DialectPostgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
