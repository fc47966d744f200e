// Package sftppush pushes the files of a video recording to a customer's
// own server over SFTP, and says in one of six statuses how the attempt
// ended.
//
// One Push is one attempt: it checks the group and opens its local files,
// validates the credentials, opens one SSH connection with password
// authentication, uploads the main file and then the extras one after
// another, each verified by its remote size, closes the connection and
// writes one LogEntry to the configured Sink. The main file decides the
// Status; the Reason says more finely what to fix.
//
//	p := sftppush.New(sftppush.Config{Sink: sftppush.NewJSONSink(os.Stdout)})
//	res := p.Push(ctx, creds, sftppush.Group{RecordingID: "rec_123", Main: sftppush.File{Path: "/data/rec_123.mp4"}})
//	if res.Err != nil { // exactly when res.Status is not OK
//		log.Print(res.Status, res.Reason, res.Err)
//	}
//
// The zero Config is ready to use. It reaches only public IPv4 addresses
// (see Config.AllowNetworks), accepts any host key (see package hostkey),
// writes each file under a hidden temporary name and renames it into place,
// and never hangs: opening the connection is bounded by 10 seconds, and
// keepalives and a progress watchdog end a push to a server that stops
// answering. The password never appears in any output.
//
// Optional parts are packages of their own: hostkey (trust on first use,
// known_hosts), sqlstore (a SQL log store with retention, for a log page),
// and sftptest (an embedded SFTP server with faults, for tests).
package sftppush
