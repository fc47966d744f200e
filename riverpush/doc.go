// Package riverpush makes each push of sftppush a durable job on River
// (github.com/riverqueue/river), in PostgreSQL or SQLite: a recording's
// push survives restarts, deploys and crashed workers, is retried on the
// product's schedule (13 attempts over about 74 hours), and is shared by
// every worker process of a service with a limit of connections per
// customer server.
//
// A job holds no secret: its Args are a destination ID, a recording ID,
// the account and the total size. The credentials and the files are looked
// up when the job runs, through Config.Credentials and Config.Group, so a
// corrected password is used at the next attempt, and a deleted one
// cancels the job without a push.
//
//	q, err := riverpush.NewPostgres(pool, riverpush.Config{
//		Credentials: lookupCredentials, // from the customer's saved form
//		Group:       lookupFiles,       // from the recording's files on disk
//		Push:        sftppush.Config{Sink: store},
//	})
//	q.Start(ctx)
//	defer q.Stop(context.Background())
//	q.InsertTx(ctx, tx, riverpush.Args{DestinationID: "dst_9", RecordingID: "rec_123", TotalBytes: size})
//
// Each attempt ends in one of three ways, decided by the attempt's Result
// and the schedule (sftppush.RetryPolicy): delivered (the job completes),
// retried later (what may fix itself: timeouts, lost connections, a full
// disk), or stopped (what the customer must fix: a rejected login, a wrong
// folder, permission denied, a changed host key, a destination the policy
// refuses). RetryDestination puts a destination's stopped jobs back at once
// with a fresh schedule, once the customer fixed it. Attempts are counted
// by riverpush itself: a crashed worker, a shutdown, a wait for a free
// connection slot and a failed lookup use no attempt of the schedule.
package riverpush
