package logpattern

import (
	"os"
	"strconv"
)

// LOGPATTERN_ST=0.6 go test -count=1 -run Accuracy -v re-runs the accuracy
// table at another similarity threshold, to see how flat the plateau
// around the chosen one is. Only tests read it.
func init() {
	if v, err := strconv.ParseFloat(os.Getenv("LOGPATTERN_ST"), 64); err == nil {
		simThreshold = v
	}
}
