package config

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads the configuration file at path, decodes it, applies the defaults and
// validates it. See Parse for the errors.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		cause := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			cause = pe.Err
		}
		return nil, &Error{File: path, Msg: "cannot read: " + cause.Error(), Err: err}
	}
	return Parse(data, path)
}

// Parse decodes a configuration file's content, applies the defaults and validates it.
// path names the file: relative paths in it resolve against its folder, and messages
// start with it ("" means a file in the current folder, named "config" in messages).
//
// A configuration with problems yields an Errors listing every one of them, in the order
// of their lines, each wrapping ErrConfig. Load yields a single *Error for a file it
// cannot read.
func Parse(data []byte, path string) (*Config, error) {
	return decode(data, path)
}

// decode decodes, defaults and validates a configuration.
func decode(data []byte, path string) (*Config, error) {
	name := displayName(path)
	abs, err := filepath.Abs(path) // "" yields the current folder
	if err != nil {
		return nil, &Error{File: name, Msg: "cannot resolve the path: " + err.Error(), Err: err}
	}
	dir := filepath.Dir(abs)
	if path == "" {
		dir, abs = abs, ""
	}

	d := &decoder{file: name, dir: dir}
	c := &Config{Path: abs, Dir: dir}
	if root := d.document(data); root != nil {
		d.root(root, c)
	}
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, func(a, b *Error) int { return a.Line - b.Line })
		return nil, d.errs
	}
	return c, nil
}

// displayName is how messages name the file at path.
func displayName(path string) string {
	if path == "" {
		return "config"
	}
	return path
}

// yamlLineRE matches the position yaml.v3 puts in its syntax errors.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data as exactly one YAML document and returns its root node, or nil
// after reporting why there is none.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.add(0, "", "the file is empty")
		} else {
			d.syntax(err, data)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.add(extra.Line, "", "a second YAML document starts here; want one document")
		return nil
	case !errors.Is(err, io.EOF):
		d.syntax(err, data)
		return nil
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = resolve(doc.Content[0])
	}
	if root.Kind == yaml.DocumentNode || isNull(root) {
		d.add(0, "", "the file is empty")
		return nil
	}
	return root
}

// parserProblems are the problems yaml.v3's parser (as against its scanner) reports.
// For these it gives a 0-based line (go-yaml/yaml issue 205), which syntax corrects.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// syntax reports a YAML syntax error at the line yaml.v3 gives, corrected for its
// parser's 0-based lines and kept within the file.
func (d *decoder) syntax(err error, data []byte) {
	msg := err.Error()
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		d.add(0, "", "YAML syntax: "+strings.TrimPrefix(msg, "yaml: "))
		return
	}
	line, _ := strconv.Atoi(m[1])
	if parserProblems[m[2]] {
		line++
	}
	lines := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		lines++
	}
	line = max(min(line, lines), 1)
	d.add(line, "", "YAML syntax: "+m[2])
}
