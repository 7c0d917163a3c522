package mcpserver_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

const loghub = "../../shared/corpus/loghub"

// corpusTime reads the time of one row of a loghub structured CSV, by
// dataset; yearless formats get year 0 (the test compares the rest).
var corpusTime = map[string]func(row map[string]string) (time.Time, error){
	"Android": func(r map[string]string) (time.Time, error) {
		return time.Parse("01-02 15:04:05.000", r["Date"]+" "+r["Time"])
	},
	"Apache": func(r map[string]string) (time.Time, error) { return time.Parse("Mon Jan 02 15:04:05 2006", r["Time"]) },
	"HDFS": func(r map[string]string) (time.Time, error) {
		return time.Parse("060102 150405", r["Date"]+" "+r["Time"])
	},
	"Hadoop": func(r map[string]string) (time.Time, error) {
		return time.Parse("2006-01-02 15:04:05,000", r["Date"]+" "+r["Time"])
	},
	"Linux": func(r map[string]string) (time.Time, error) {
		return time.Parse("Jan 2 15:04:05", r["Month"]+" "+r["Date"]+" "+r["Time"])
	},
	"OpenSSH": func(r map[string]string) (time.Time, error) {
		return time.Parse("Jan 2 15:04:05", r["Date"]+" "+r["Day"]+" "+r["Time"])
	},
	"Spark": func(r map[string]string) (time.Time, error) {
		return time.Parse("06/01/02 15:04:05", r["Date"]+" "+r["Time"])
	},
	"Zookeeper": func(r map[string]string) (time.Time, error) {
		return time.Parse("2006-01-02 15:04:05,000", r["Date"]+" "+r["Time"])
	},
}

// corpusLevel normalises a CSV Level as the server names levels; "" for
// datasets whose Level column is not a level (Linux's is the host) or that
// have none (OpenSSH).
func corpusLevel(dataset, l string) string {
	if dataset == "Linux" || l == "" {
		return ""
	}
	switch strings.ToUpper(l) {
	case "V":
		return "TRACE"
	case "D":
		return "DEBUG"
	case "I":
		return "INFO"
	case "W", "WARNING":
		return "WARN"
	case "E":
		return "ERROR"
	case "F":
		return "FATAL"
	}
	return strings.ToUpper(l)
}

// corpusTruth is the level counts and time span the structured CSV gives.
type corpusTruth struct {
	levels     map[string]int64
	noLevel    int64
	start, end time.Time
	rows       int64
}

func readTruth(t *testing.T, dataset string) corpusTruth {
	t.Helper()
	f, err := os.Open(filepath.Join(loghub, dataset+"_2k.log_structured.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tr := corpusTruth{levels: map[string]int64{}}
	head := recs[0]
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range head {
			row[h] = rec[i]
		}
		tr.rows++
		if l := corpusLevel(dataset, row["Level"]); l != "" {
			tr.levels[l]++
		} else {
			tr.noLevel++
		}
		ts, err := corpusTime[dataset](row)
		if err != nil {
			t.Fatalf("%s line %s: %v", dataset, row["LineId"], err)
		}
		if tr.rows == 1 || ts.Before(tr.start) {
			tr.start = ts
		}
		if tr.rows == 1 || ts.After(tr.end) {
			tr.end = ts
		}
	}
	return tr
}

// The overview's levels and time span agree with the loghub ground truth
// (the structured CSVs' Level, Date and Time) on the eight datasets.
func TestGetLogOverview_Corpus(t *testing.T) {
	if _, err := os.Stat(loghub); err != nil {
		t.Skipf("no loghub corpus in %s", loghub)
	}
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("corpus overview")
	for _, ds := range []string{"Android", "Apache", "HDFS", "Hadoop", "Linux", "OpenSSH", "Spark", "Zookeeper"} {
		t.Run(ds, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(loghub, ds+"_2k.log"))
			if err != nil {
				t.Fatal(err)
			}
			want := readTruth(t, ds)
			lf := e.log(issue, ds+".log", string(raw))
			var ov mcpserver.OverviewOut
			res := e.ok("get_log_overview", map[string]any{"log_file_id": lf.ID}, &ov)
			if !ov.Indexed || ov.Lines != want.rows {
				t.Fatalf("indexed %v, %d lines; want indexed, %d lines", ov.Indexed, ov.Lines, want.rows)
			}
			for l, n := range want.levels {
				if ov.Levels[l] != n {
					t.Errorf("level %s: %d lines, the CSV says %d", l, ov.Levels[l], n)
				}
			}
			for l, n := range ov.Levels {
				if _, ok := want.levels[l]; !ok {
					t.Errorf("level %s: %d lines, the CSV has none", l, n)
				}
			}
			if ov.NoLevel != want.noLevel {
				t.Errorf("no level: %d lines, the CSV says %d", ov.NoLevel, want.noLevel)
			}
			start, err1 := time.Parse(time.RFC3339Nano, ov.TimeStart)
			end, err2 := time.Parse(time.RFC3339Nano, ov.TimeEnd)
			if err1 != nil || err2 != nil {
				t.Fatalf("time_start %q, time_end %q: not RFC 3339", ov.TimeStart, ov.TimeEnd)
			}
			ws, we := want.start, want.end
			if ws.Year() == 0 {
				// A yearless format: the store picks the year from the
				// ingest time; it must be this year or last.
				if y := time.Now().Year(); start.Year() < y-1 || start.Year() > y {
					t.Errorf("yearless log read as year %d", start.Year())
				}
				ws, we = ws.AddDate(start.Year(), 0, 0), we.AddDate(start.Year(), 0, 0)
			}
			if !start.Equal(ws) || !end.Equal(we) {
				t.Errorf("span %s..%s, the CSV says %s..%s", ov.TimeStart, ov.TimeEnd, ws.Format(time.RFC3339Nano), we.Format(time.RFC3339Nano))
			}
			if ov.Histogram == nil || len(ov.Histogram.Lines) == 0 || len(ov.Histogram.Lines) > 48 {
				t.Errorf("histogram: %+v", ov.Histogram)
			} else {
				var sum int64
				for _, n := range ov.Histogram.Lines {
					sum += n
				}
				if sum != want.rows {
					t.Errorf("histogram holds %d lines, want %d", sum, want.rows)
				}
			}
			t.Logf("%s: %d patterns, levels %v, %s..%s; %d text bytes", ds, ov.PatternCount, ov.Levels, ov.TimeStart, ov.TimeEnd, len(text(res)))
		})
	}
}
