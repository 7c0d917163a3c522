package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// ResolutionStep is one answered "why" of an issue's 5-Whys analysis.
type ResolutionStep struct {
	ID          string `json:"id"`
	IssueID     string `json:"issue_id"`
	StepOrder   int    `json:"step_order"` // 1-5: the why level
	WhyQuestion string `json:"why_question"`
	Answer      string `json:"answer"`
	Evidence    string `json:"evidence"`
	CreatedAt   string `json:"created_at"`
}

// maxWhyLevel is the depth of a 5-Whys analysis.
const maxWhyLevel = 5

// AddResolutionStep records the answer to why level stepOrder (1-5) and a
// why_level_advanced timeline event. A level may be answered again (a
// corrected answer); FindResolutionSteps returns both, oldest first.
func (db *DB) AddResolutionStep(ctx context.Context, issueID string, stepOrder int, why, answer, evidence string) (ResolutionStep, error) {
	if stepOrder < 1 || stepOrder > maxWhyLevel {
		return ResolutionStep{}, Errorf(EInvalid, "step_order must be 1 to %d (the why level), not %d", maxWhyLevel, stepOrder)
	}
	why, answer = strings.TrimSpace(why), strings.TrimSpace(answer)
	if why == "" && answer == "" {
		return ResolutionStep{}, Errorf(EInvalid, "a resolution step needs a why question or an answer")
	}
	for _, f := range []struct{ name, v string }{{"why_question", why}, {"answer", answer}, {"evidence", evidence}} {
		if err := checkLen(f.name, f.v, maxDescriptionLen); err != nil {
			return ResolutionStep{}, err
		}
	}
	st := ResolutionStep{ID: newID(), IssueID: issueID, StepOrder: stepOrder, WhyQuestion: why, Answer: answer, Evidence: evidence}
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := issueExistsTx(ctx, tx, issueID); err != nil {
			return err
		}
		st.CreatedAt = db.nowText()
		if _, err := tx.ExecContext(ctx, `INSERT INTO resolution_steps (id, issue_id, step_order, why_question, answer, evidence, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, st.ID, st.IssueID, st.StepOrder, st.WhyQuestion, st.Answer, st.Evidence, st.CreatedAt); err != nil {
			return fmt.Errorf("insert resolution step: %w", err)
		}
		_, err := db.addTimelineEventTx(ctx, tx, issueID, EventWhyLevelAdvanced, fmt.Sprintf("Why level %d: %s", stepOrder, why),
			map[string]any{"step_id": st.ID, "step_order": stepOrder})
		return err
	})
	if err != nil {
		return ResolutionStep{}, err
	}
	return st, nil
}

// FindResolutionSteps lists an issue's steps by why level.
func (db *DB) FindResolutionSteps(ctx context.Context, issueID string) ([]ResolutionStep, error) {
	var out []ResolutionStep
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := issueExistsTx(ctx, tx, issueID); err != nil {
			return err
		}
		var err error
		out, err = findResolutionStepsTx(ctx, tx, issueID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func findResolutionStepsTx(ctx context.Context, tx *sql.Tx, issueID string) ([]ResolutionStep, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, issue_id, step_order, why_question, answer, evidence, created_at
		FROM resolution_steps WHERE issue_id = ? ORDER BY step_order, created_at, id`, issueID)
	if err != nil {
		return nil, fmt.Errorf("find resolution steps: %w", err)
	}
	defer rows.Close()
	out := []ResolutionStep{}
	for rows.Next() {
		var s ResolutionStep
		if err := rows.Scan(&s.ID, &s.IssueID, &s.StepOrder, &s.WhyQuestion, &s.Answer, &s.Evidence, &s.CreatedAt); err != nil {
			return nil, fmt.Errorf("find resolution steps: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
