package logpattern

import (
	"os"
	"strconv"
)

func init() {
	if v, err := strconv.ParseFloat(os.Getenv("LOGPATTERN_ST"), 64); err == nil {
		simThreshold = v
	}
}
