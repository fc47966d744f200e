package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"),
		goleak.IgnoreTopFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"))
}

// The demo shows, with no setup, a failed attempt, its retry on the
// schedule and the delivery of every recording.
func TestPushServiceShowsRetryAndDelivery(t *testing.T) {
	for _, tc := range []struct{ name, dsn string }{
		{"sqlite", ""},
		{"postgres", os.Getenv("SFTPPUSH_TEST_POSTGRES")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "postgres" && tc.dsn == "" {
				t.Skip("SFTPPUSH_TEST_POSTGRES is not set (a PostgreSQL DSN); .ci/run sets it")
			}
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			if err := run(ctx, &out, tc.dsn, 3); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			s := out.String()
			failed := regexp.MustCompile(`(rec-\d)\s+attempt 1\s+UPLOAD_FAILED connection_lost`).FindStringSubmatch(s)
			if failed == nil {
				t.Fatalf("no failed first attempt in:\n%s", s)
			}
			if !regexp.MustCompile(failed[1] + `\s+attempt 2\s+OK`).MatchString(s) {
				t.Errorf("%s's retry did not deliver:\n%s", failed[1], s)
			}
			if !strings.Contains(s, "All 3 recordings delivered.") || strings.Count(s, " OK ") != 3 {
				t.Errorf("not every recording delivered once:\n%s", s)
			}
		})
	}
}
