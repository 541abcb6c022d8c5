package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// decoder walks a yaml.Node tree and collects every problem with its line.
type decoder struct {
	file string // the path as given, for messages
	dir  string // absolute folder of the file, for relative paths
	errs Errors
}

// add records a problem whose message is complete.
func (d *decoder) add(line int, key, msg string) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Key: key, Msg: msg})
}

// bad records a bad value of key: "key: msg".
func (d *decoder) bad(line int, key, format string, args ...any) {
	d.add(line, key, key+": "+fmt.Sprintf(format, args...))
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an explicit null (`key:`, `key: null`, `key: ~`).
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names the kind of n for "want …, got …" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "nothing"
		}
		return quote(n.Value)
	}
	return "something else"
}

// quote quotes a value for a message, shortened if long.
func quote(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// join appends a key to a key path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// in is the " in <path>" suffix of key messages; empty at the top level.
func in(path string) string {
	if path == "" {
		return ""
	}
	return " in " + path
}

// mapping is a decoded YAML mapping whose keys were checked against the allowed ones.
type mapping struct {
	d    *decoder
	node *yaml.Node
	path string
	keys map[string]*yaml.Node // key name -> key node
	vals map[string]*yaml.Node // key name -> value node, aliases resolved
}

// mapping checks that n is a mapping whose keys are all allowed and unique, reporting
// each offender. It returns nil when n is not a mapping.
func (d *decoder) mapping(n *yaml.Node, path string, allowed []string) *mapping {
	if n.Kind != yaml.MappingNode {
		if path == "" {
			d.add(n.Line, "", "want a mapping of keys at the top of the file, got "+describe(n))
		} else {
			d.bad(n.Line, path, "want a mapping, got %s", describe(n))
		}
		return nil
	}
	m := &mapping{d: d, node: n, path: path, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		switch {
		case k.Kind != yaml.ScalarNode || isNull(k):
			d.add(k.Line, path, fmt.Sprintf("keys must be plain names%s, got %s", in(path), describe(k)))
			continue
		case k.ShortTag() == "!!merge":
			d.add(k.Line, join(path, k.Value), "merge keys (<<) are not supported"+in(path))
			continue
		case !slices.Contains(allowed, k.Value):
			msg := fmt.Sprintf("unknown key %s%s", quote(k.Value), in(path))
			if s := suggest(k.Value, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.add(k.Line, join(path, k.Value), msg)
			continue
		}
		if first, dup := m.keys[k.Value]; dup {
			d.add(k.Line, join(path, k.Value), fmt.Sprintf("duplicate key %s%s (first at line %d)", quote(k.Value), in(path), first.Line))
			continue
		}
		m.keys[k.Value] = k
		m.vals[k.Value] = v
	}
	return m
}

// key returns the path of a key of m.
func (m *mapping) key(name string) string { return join(m.path, name) }

// has reports whether key is present, even with a null value.
func (m *mapping) has(key string) bool { return m.keys[key] != nil }

// line returns the line of key, or of the mapping when key is absent.
func (m *mapping) line(key string) int {
	if k := m.keys[key]; k != nil {
		return k.Line
	}
	return m.node.Line
}

// missing reports a required key that is absent, at the line of the mapping.
func (m *mapping) missing(key string) {
	m.d.add(m.node.Line, m.key(key), fmt.Sprintf("missing required key %q%s", key, in(m.path)))
}

// value returns the value of key, or nil when the key is absent or null. A required key
// that is absent or null is reported.
func (m *mapping) value(key string, required bool) *yaml.Node {
	v := m.vals[key]
	switch {
	case v == nil:
		if required {
			m.missing(key)
		}
		return nil
	case isNull(v):
		if required {
			m.d.bad(v.Line, m.key(key), "must not be empty")
		}
		return nil
	}
	return v
}

// scalar returns the text of key's value and its line. ok is false when the key is
// absent, null or not a scalar (the last is reported).
func (m *mapping) scalar(key string, required bool) (s string, line int, ok bool) {
	v := m.value(key, required)
	if v == nil {
		return "", m.line(key), false
	}
	if v.Kind != yaml.ScalarNode {
		m.d.bad(v.Line, m.key(key), "want a single value, got %s", describe(v))
		return "", v.Line, false
	}
	return v.Value, v.Line, true
}

// str returns the trimmed text of key's value, or def when absent. A required key that
// is absent or blank is reported.
func (m *mapping) str(key string, required bool, def string) (string, int) {
	s, line, ok := m.scalar(key, required)
	if !ok {
		return def, line
	}
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			m.d.bad(line, m.key(key), "must not be empty")
			return "", line
		}
		return def, line
	}
	return s, line
}

// enum returns key's value, which must be one of allowed, or def when absent.
func (m *mapping) enum(key string, required bool, def string, allowed ...string) string {
	s, line := m.str(key, required, "")
	if s == "" {
		return def
	}
	if slices.Contains(allowed, s) {
		return s
	}
	m.d.bad(line, m.key(key), "%s is not allowed; want %s", quote(s), orList(allowed))
	return ""
}

// filePath returns key's value resolved against the file's folder, absolute and clean.
func (m *mapping) filePath(key string, required bool, def string) string {
	s, _ := m.str(key, required, def)
	if s == "" {
		return ""
	}
	return m.d.abs(s)
}

// abs resolves a path from the file against the file's folder.
func (d *decoder) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(d.dir, p)
}

// boolean returns key's value, which must be true or false, or def when absent.
func (m *mapping) boolean(key string, def bool) bool {
	s, line, ok := m.scalar(key, false)
	if !ok {
		return def
	}
	var b bool
	if m.vals[key].ShortTag() != "!!bool" || m.vals[key].Decode(&b) != nil {
		m.d.bad(line, m.key(key), "want true or false, got %s", quote(s))
		return def
	}
	return b
}

// integer returns key's value, which must be an integer of at least least, or def when
// absent.
func (m *mapping) integer(key string, def, least int) int {
	s, line, ok := m.scalar(key, false)
	if !ok {
		return def
	}
	var i int
	if m.vals[key].ShortTag() != "!!int" || m.vals[key].Decode(&i) != nil {
		m.d.bad(line, m.key(key), "want a whole number, got %s", quote(s))
		return def
	}
	if i < least {
		m.d.bad(line, m.key(key), "%d is too small; want at least %d", i, least)
		return def
	}
	return i
}

// duration returns key's value, a Go duration, or def when absent. It must not be
// negative, and must be more than zero when positive is set.
func (m *mapping) duration(key string, def time.Duration, positive bool) time.Duration {
	s, line := m.str(key, false, "")
	if s == "" {
		return def
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		m.d.bad(line, m.key(key), "%s is not a duration; want a number with a unit such as 10s, 5m or 72h", quote(s))
	case v < 0:
		m.d.bad(line, m.key(key), "%s must not be negative", quote(s))
	case v == 0 && positive:
		m.d.bad(line, m.key(key), "%s must be more than 0s", quote(s))
	default:
		return v
	}
	return def
}

// list returns the scalar items of key's value, which must be a list, with their lines.
func (m *mapping) list(key string, required bool) (items []string, lines []int, present bool) {
	v := m.value(key, required)
	if v == nil {
		return nil, nil, false
	}
	if v.Kind != yaml.SequenceNode {
		m.d.bad(v.Line, m.key(key), "want a list, got %s", describe(v))
		return nil, nil, false
	}
	if len(v.Content) == 0 {
		m.d.bad(v.Line, m.key(key), "must not be an empty list")
		return nil, nil, false
	}
	for i, item := range v.Content {
		item = resolve(item)
		k := fmt.Sprintf("%s[%d]", m.key(key), i)
		switch {
		case item.Kind != yaml.ScalarNode:
			m.d.bad(item.Line, k, "want a single value, got %s", describe(item))
		case isNull(item) || strings.TrimSpace(item.Value) == "":
			m.d.bad(item.Line, k, "must not be empty")
		default:
			items = append(items, strings.TrimSpace(item.Value))
			lines = append(lines, item.Line)
		}
	}
	return items, lines, true
}

// orList renders allowed values as "a, b or c".
func orList(allowed []string) string {
	switch len(allowed) {
	case 0:
		return ""
	case 1:
		return allowed[0]
	}
	return strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
}

// suggest returns the allowed key closest to an unknown one, if it is a likely typo.
func suggest(key string, allowed []string) string {
	best, bestDist := "", 3
	for _, a := range allowed {
		if d := distance(key, a); d < bestDist {
			best, bestDist = a, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
