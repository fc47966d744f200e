package riverpush

import (
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river/rivertype"
)

// decodeArgs reads a job row's Args.
func decodeArgs(j *rivertype.JobRow, a *Args) error {
	if err := json.Unmarshal(j.EncodedArgs, a); err != nil {
		return fmt.Errorf("riverpush: job %d has unreadable args: %w", j.ID, err)
	}
	return nil
}
