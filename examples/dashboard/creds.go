package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/riverpush"
)

// credStore keeps each account's saved SFTP credentials, one row per
// account, in a table of the dashboard's own in the SQLite file.
//
// The password is stored as typed: password authentication needs it in
// clear text at every push. The file is created readable by its owner
// only (see createPrivate); a real service would seal the column with a
// key kept elsewhere (a KMS). Nothing else holds the password: the queue's
// jobs name the account only, and log entries have no password field.
type credStore struct{ db *sql.DB }

const credSchema = `CREATE TABLE IF NOT EXISTS dashboard_sftp_credentials (
	account  TEXT PRIMARY KEY,
	host     TEXT NOT NULL,
	port     INTEGER NOT NULL,
	username TEXT NOT NULL,
	password TEXT NOT NULL,
	folder   TEXT NOT NULL,
	saved_ns INTEGER NOT NULL
)`

func newCredStore(ctx context.Context, db *sql.DB) (*credStore, error) {
	if _, err := db.ExecContext(ctx, credSchema); err != nil {
		return nil, fmt.Errorf("creating the credentials table: %w", err)
	}
	return &credStore{db: db}, nil
}

// get returns the account's saved credentials, and whether there are any.
func (s *credStore) get(ctx context.Context, account string) (sftppush.Credentials, bool, error) {
	var c sftppush.Credentials
	err := s.db.QueryRowContext(ctx,
		`SELECT host, port, username, password, folder FROM dashboard_sftp_credentials WHERE account = ?`, account).
		Scan(&c.Host, &c.Port, &c.Username, &c.Password, &c.Folder)
	if errors.Is(err, sql.ErrNoRows) {
		return sftppush.Credentials{}, false, nil
	}
	if err != nil {
		return sftppush.Credentials{}, false, fmt.Errorf("reading the credentials of %s: %w", account, err)
	}
	return c, true, nil
}

// put saves c as the account's credentials, replacing any saved before.
func (s *credStore) put(ctx context.Context, account string, c sftppush.Credentials) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO dashboard_sftp_credentials (account, host, port, username, password, folder, saved_ns)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account) DO UPDATE SET host = excluded.host, port = excluded.port, username = excluded.username,
			password = excluded.password, folder = excluded.folder, saved_ns = excluded.saved_ns`,
		account, c.Host, c.Port, c.Username, c.Password, c.Folder, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("saving the credentials of %s: %w", account, err)
	}
	return nil
}

// remove deletes the account's credentials, and reports whether there
// were any.
func (s *credStore) remove(ctx context.Context, account string) (bool, error) {
	r, err := s.db.ExecContext(ctx, `DELETE FROM dashboard_sftp_credentials WHERE account = ?`, account)
	if err != nil {
		return false, fmt.Errorf("removing the credentials of %s: %w", account, err)
	}
	n, err := r.RowsAffected()
	return n > 0, err
}

// lookup is the queue's Config.Credentials: a job's destination is its
// account, and credentials removed since the job was queued cancel it.
func (s *credStore) lookup(ctx context.Context, destination string) (sftppush.Credentials, error) {
	c, ok, err := s.get(ctx, destination)
	if err != nil {
		return sftppush.Credentials{}, err
	}
	if !ok {
		return sftppush.Credentials{}, fmt.Errorf("no credentials saved for %s: %w", destination, riverpush.ErrNotFound)
	}
	return c, nil
}
