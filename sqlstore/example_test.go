package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sqlstore"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// Keep every push attempt in an SQLite file and read a customer's entries
// back, newest first, a page at a time.
func ExampleStore() {
	dir, _ := os.MkdirTemp("", "sqlstore-example-")
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "logs.sqlite")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	ctx := context.Background()
	store, err := sqlstore.New(ctx, db, sqlstore.Options{}) // creates its table
	if err != nil {
		fmt.Println(err)
		return
	}
	stop := store.StartPruner(time.Hour) // deletes entries older than 30 days, every hour
	defer stop()

	// A Pusher logs to it with sftppush.Config{Sink: store}; here two entries by hand.
	t := time.Now().Add(-time.Hour)
	store.Log(ctx, sftppush.LogEntry{RecordingID: "rec-1", Account: "acme", Time: t, Host: "sftp.example.com",
		Port: 22, Files: []string{"rec-1.mp4"}, Status: sftppush.StatusOK})
	store.Log(ctx, sftppush.LogEntry{RecordingID: "rec-2", Account: "acme", Time: t.Add(time.Minute), Host: "sftp.example.com",
		Port: 22, Files: []string{"rec-2.mp4"}, Status: sftppush.StatusIncorrectFolder, Reason: sftppush.ReasonFolderNotFound})

	page, err := store.Query(ctx, sqlstore.Query{Account: "acme", Limit: 1})
	for err == nil {
		for _, e := range page.Entries {
			fmt.Println(e.RecordingID, e.Status, e.Reason)
		}
		if page.Next == "" {
			break
		}
		page, err = store.Query(ctx, sqlstore.Query{Account: "acme", Limit: 1, Cursor: page.Next})
	}
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// rec-2 INCORRECT_SFTP_FOLDER folder_not_found
	// rec-1 OK none
}
