package sqlstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sftppush/sftppush/internal/textcap"
)

// ErrBadCursor is returned (wrapped) by Store.Query for a cursor it did not
// make.
var ErrBadCursor = errors.New("sqlstore: bad log cursor")

// makeCursor returns the cursor of the page after the entry at (time_ns,
// id), the last of its page: "time_ns.id".
func makeCursor(ns, id int64) string {
	return strconv.FormatInt(ns, 10) + "." + strconv.FormatInt(id, 10)
}

// parseCursor returns the (time_ns, id) of a cursor of makeCursor.
func parseCursor(c string) (ns, id int64, err error) {
	a, b, ok := strings.Cut(c, ".")
	if ok {
		ns, err = strconv.ParseInt(a, 10, 64)
		if err == nil {
			id, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if !ok || err != nil || id <= 0 {
		return 0, 0, fmt.Errorf("%w %q", ErrBadCursor, textcap.Runes(c, 40))
	}
	return ns, id, nil
}
