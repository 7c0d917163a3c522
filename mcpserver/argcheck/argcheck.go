// Package argcheck checks a tool call's arguments against the tool's JSON
// Schema and words each problem as one sentence a model can act on: the
// argument, what it allows, what it got, and for an unknown argument the
// closest known name.
//
// It knows the subset of JSON Schema the tools use (type, enum, minimum,
// maximum, minLength, maxLength, items, minItems, maxItems, properties,
// required, additionalProperties). Compile refuses a schema with any other
// validating keyword, so a new keyword cannot be silently left unchecked.
package argcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Checker checks the arguments of one tool.
type Checker struct {
	tool   string
	root   *schema
	order  []string // property names, in the order the tool declares them
	strict bool     // additionalProperties false: unknown names are errors
}

// schema is one (sub)schema. Pointers distinguish absent from zero.
type schema struct {
	Type                 string             `json:"type"`
	Enum                 []any              `json:"enum"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	MinItems             *int               `json:"minItems"`
	MaxItems             *int               `json:"maxItems"`
	Items                *schema            `json:"items"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	AdditionalProperties any                `json:"additionalProperties"`
	Description          string             `json:"description"`
}

// known are the keywords a schema may hold: the checked ones and the
// annotations that check nothing.
var known = map[string]bool{
	"type": true, "enum": true, "minimum": true, "maximum": true, "minLength": true, "maxLength": true,
	"minItems": true, "maxItems": true, "items": true, "properties": true, "required": true,
	"additionalProperties": true, "description": true, "title": true, "default": true, "examples": true, "$schema": true,
}

// Compile parses a tool's input schema. order lists the top-level
// properties as the tool declares them (JSON objects lose it); names it
// does not list follow in sorted order.
func Compile(tool string, schemaJSON []byte, order []string) (*Checker, error) {
	if err := checkKeywords(schemaJSON, ""); err != nil {
		return nil, fmt.Errorf("tool %s input schema: %w", tool, err)
	}
	var root schema
	if err := json.Unmarshal(schemaJSON, &root); err != nil {
		return nil, fmt.Errorf("tool %s input schema: %w", tool, err)
	}
	if root.Type != "object" {
		return nil, fmt.Errorf("tool %s input schema: type %q, want object", tool, root.Type)
	}
	c := &Checker{tool: tool, root: &root, strict: root.AdditionalProperties == false}
	for _, n := range order {
		if _, ok := root.Properties[n]; ok && !slices.Contains(c.order, n) {
			c.order = append(c.order, n)
		}
	}
	var rest []string
	for n := range root.Properties {
		if !slices.Contains(c.order, n) {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	c.order = append(c.order, rest...)
	return c, nil
}

// checkKeywords walks a schema and refuses keywords Check does not know.
func checkKeywords(b []byte, at string) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: %w", orRoot(at), err)
	}
	for k, v := range m {
		if !known[k] {
			return fmt.Errorf("%s: keyword %q is not checked by argcheck", orRoot(at), k)
		}
		switch k {
		case "items":
			if err := checkKeywords(v, at+"/items"); err != nil {
				return err
			}
		case "properties":
			var props map[string]json.RawMessage
			if err := json.Unmarshal(v, &props); err != nil {
				return fmt.Errorf("%s/properties: %w", at, err)
			}
			for name, p := range props {
				if err := checkKeywords(p, at+"/"+name); err != nil {
					return err
				}
			}
		case "additionalProperties":
			if string(v) != "false" && string(v) != "true" {
				return fmt.Errorf("%s: additionalProperties must be true or false", orRoot(at))
			}
		}
	}
	return nil
}

func orRoot(at string) string {
	if at == "" {
		return "schema"
	}
	return at
}

// Names lists the tool's arguments in declared order.
func (c *Checker) Names() []string { return slices.Clone(c.order) }

// Check returns nil when args satisfy the schema, else an error whose text
// is one sentence per problem. A null value counts as absent: some
// clients send null for every optional argument they leave unset.
func (c *Checker) Check(args map[string]any) error {
	var out []string
	suggested := map[string]bool{}
	var unknown []string
	for name := range args {
		if _, ok := c.root.Properties[name]; !ok && c.strict {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		s := fmt.Sprintf("%s is not an argument of %s", name, c.tool)
		if best := Closest(name, c.order); best != "" {
			s += fmt.Sprintf(": did you mean %s?", best)
			// Renaming fixes the missing argument too: one sentence, not two.
			suggested[best] = true
		} else {
			s += fmt.Sprintf("; its arguments are %s.", strings.Join(c.order, ", "))
		}
		out = append(out, s)
	}
	for _, name := range c.order {
		v, ok := args[name]
		if !ok || v == nil {
			continue
		}
		if msg := c.root.Properties[name].check(name, v); msg != "" {
			out = append(out, msg)
		}
	}
	for _, name := range c.root.Required {
		if v, ok := args[name]; (ok && v != nil) || suggested[name] {
			continue
		}
		p := c.root.Properties[name]
		s := fmt.Sprintf("%s is required: %s", name, p.allowed())
		if p != nil && p.Description != "" {
			s += " (" + strings.TrimSuffix(p.Description, ".") + ")"
		}
		out = append(out, s+".")
	}
	if len(out) == 0 {
		return nil
	}
	return errors.New(strings.Join(out, " "))
}

// check returns the sentence for a value that breaks p, or "".
func (p *schema) check(name string, v any) string {
	if p == nil {
		return ""
	}
	bad := func() string {
		got := describe(v)
		if _, isNum := number(v); isNum && p.Type != "integer" && p.Type != "number" {
			got = "the number " + got
		}
		return fmt.Sprintf("%s must be %s, not %s.", name, p.allowed(), got)
	}
	switch p.Type {
	case "string":
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		n := utf8.RuneCountInString(s)
		if (p.MinLength != nil && n < *p.MinLength) || (p.MaxLength != nil && n > *p.MaxLength) {
			got := plural(n, "character")
			if n == 0 {
				got = "empty text"
			}
			return fmt.Sprintf("%s must be %s, not %s.", name, p.allowed(), got)
		}
	case "integer", "number":
		f, ok := number(v)
		if !ok || (p.Type == "integer" && f != math.Trunc(f)) ||
			(p.Minimum != nil && f < *p.Minimum) || (p.Maximum != nil && f > *p.Maximum) {
			return bad()
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			return bad()
		}
		if (p.MinItems != nil && len(list) < *p.MinItems) || (p.MaxItems != nil && len(list) > *p.MaxItems) {
			return fmt.Sprintf("%s must be %s, not %s.", name, p.allowed(), plural(len(list), "item"))
		}
		for i, it := range list {
			if msg := p.Items.check(fmt.Sprintf("%s item %d", name, i+1), it); msg != "" {
				return msg
			}
		}
	case "object":
		if _, ok := v.(map[string]any); !ok {
			return bad()
		}
	}
	if len(p.Enum) > 0 && !slices.ContainsFunc(p.Enum, func(e any) bool { return e == v }) {
		return bad()
	}
	return ""
}

// allowed says what p accepts, as a noun phrase: "a whole number from 1
// to 2000", "one of "high", "low"".
func (p *schema) allowed() string {
	if p == nil {
		return "a value"
	}
	if len(p.Enum) > 0 {
		vals := make([]string, len(p.Enum))
		for i, e := range p.Enum {
			vals[i] = literal(e)
		}
		return "one of " + strings.Join(vals, ", ")
	}
	switch p.Type {
	case "string":
		return "text" + bounds(p.MinLength, p.MaxLength, "character", " of ")
	case "integer", "number":
		noun := "a whole number"
		if p.Type == "number" {
			noun = "a number"
		}
		switch lo, hi := p.Minimum, p.Maximum; {
		case lo != nil && hi != nil:
			return fmt.Sprintf("%s from %s to %s", noun, num(*lo), num(*hi))
		case lo != nil:
			return fmt.Sprintf("%s of at least %s", noun, num(*lo))
		case hi != nil:
			return fmt.Sprintf("%s of at most %s", noun, num(*hi))
		}
		return noun
	case "boolean":
		return "true or false"
	case "array":
		s := "a list" + bounds(p.MinItems, p.MaxItems, "item", " of ")
		if p.Items != nil {
			s += " (each " + p.Items.allowed() + ")"
		}
		return s
	case "object":
		return "an object"
	}
	return "a value"
}

// bounds renders a count range: " of 1 to 500 characters".
func bounds(lo, hi *int, unit, pre string) string {
	switch {
	case lo != nil && hi != nil:
		return fmt.Sprintf("%s%d to %s", pre, *lo, plural(*hi, unit))
	case hi != nil:
		return pre + "at most " + plural(*hi, unit)
	case lo != nil && *lo > 0:
		return pre + "at least " + plural(*lo, unit)
	}
	return ""
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// describe names a value a client sent: "the text "5000"", "5000", "a list".
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return "empty text"
		}
		return "the text " + literal(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	if f, ok := number(v); ok {
		return num(f)
	}
	return fmt.Sprintf("%v", v)
}

// literal quotes a value, shortening long text.
func literal(v any) string {
	s, ok := v.(string)
	if !ok {
		return describe(v)
	}
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = string(r[:37]) + "..."
	}
	return strconv.Quote(s)
}

// Closest returns the name in names most like name, or "" when none is
// close: the same once case and separators are ignored (logFileId,
// log-file-id), one's words all in the other's (log_id, file_id for
// log_file_id), a prefix, or a small edit distance.
func Closest(name string, names []string) string {
	norm := func(s string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	}
	n := norm(name)
	best, bestScore := "", math.MaxInt
	for _, cand := range names {
		cn := norm(cand)
		score := math.MaxInt
		d := distance(n, cn)
		switch {
		case n == cn:
			score = 0
		case wordsWithin(name, cand) || wordsWithin(cand, name):
			score = 1 + d
		case len(n) >= 3 && (strings.HasPrefix(cn, n) || strings.HasPrefix(n, cn)):
			score = 1 + d
		case d <= max(1, min(len(n), len(cn))/3):
			score = 1 + d
		}
		if score < bestScore {
			best, bestScore = cand, score
		}
	}
	return best
}

// wordsWithin reports whether every word of a (split at _ and -) is a
// word of b, a having at least two.
func wordsWithin(a, b string) bool {
	split := func(s string) []string {
		return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == '_' || r == '-' })
	}
	aw, bw := split(a), split(b)
	if len(aw) < 2 {
		return false
	}
	for _, w := range aw {
		if !slices.Contains(bw, w) {
			return false
		}
	}
	return true
}

// distance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost 1.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range rb {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
