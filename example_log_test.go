package sftppush_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sftppush/sftppush"
	"github.com/sftppush/sftppush/sftptest"
)

// A push attempt's entry as the JSON sink writes it: one line per attempt.
func ExampleNewJSONSink() {
	sink := sftppush.NewJSONSink(os.Stdout)
	err := sink.Log(context.Background(), sftppush.LogEntry{
		RecordingID: "rec-42",
		Time:        time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		Host:        "sftp.example.com",
		Username:    "camera",
		Folder:      "/incoming",
		Port:        22,
		Files:       []string{"rec-42.mp4", "rec-42.jpg"},
		Status:      sftppush.StatusLoginFailed,
		Reason:      sftppush.ReasonAuthRejected,
		Error:       "ssh: unable to authenticate",
		Duration:    850 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"recording_id":"rec-42","time":"2024-05-06T07:08:09Z","host":"sftp.example.com","username":"camera","folder":"/incoming","port":22,"files":["rec-42.mp4","rec-42.jpg"],"status":"SFTP_LOGIN_FAILED","reason":"auth_rejected","error":"ssh: unable to authenticate","duration_ns":850000000,"bytes_sent":0}
}

// Send every entry to a file of JSON lines and keep it in memory too; a
// failing sink does not stop the others.
func ExampleMultiSink() {
	var mem sftptest.MemorySink
	sink := sftppush.MultiSink(
		sftppush.NewJSONSink(os.Stdout),
		&mem,
		sftppush.SinkFunc(func(ctx context.Context, e sftppush.LogEntry) error {
			return errors.New("audit store down")
		}),
	)
	err := sink.Log(context.Background(), sftppush.LogEntry{
		RecordingID: "rec-7",
		Time:        time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		Host:        "sftp.example.com",
		Username:    "camera",
		Folder:      "/incoming",
		Port:        2222,
		Files:       []string{"rec-7.mp4"},
		Status:      sftppush.StatusOK,
		Reason:      sftppush.ReasonNone,
		Duration:    2 * time.Second,
		BytesSent:   1 << 20,
	})
	fmt.Println("error:", err)
	fmt.Println("in memory:", mem.Len(), mem.Entries()[0].Status)
	// Output:
	// {"recording_id":"rec-7","time":"2024-05-06T07:08:09Z","host":"sftp.example.com","username":"camera","folder":"/incoming","port":2222,"files":["rec-7.mp4"],"status":"OK","reason":"none","duration_ns":2000000000,"bytes_sent":1048576}
	// error: audit store down
	// in memory: 1 OK
}
