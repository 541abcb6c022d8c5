package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RecordKeys are the keys under which a top-level JSON object may hold its
// array of records beside other arrays (docs/feeds.md).
var RecordKeys = []string{"records", "rows", "data", "items"}

// errSeveralArrays is the error of a top-level object holding several
// arrays, none of them picked by the rule of arrayKey.
var errSeveralArrays = errors.New("JSON object holds several arrays")

// arrayKey reads a JSON file's structure to find where its records are. A
// file that is an array gives "" (the whole file). A top-level object's
// records are the array under one of RecordKeys when exactly one of those
// keys holds an array; otherwise its only array-valued field; otherwise it
// is an error naming the array keys, so that rows are never dropped
// silently because another array was picked. Values are skipped token by
// token, each within maxRow bytes, so memory stays bounded.
func arrayKey(ctx context.Context, r io.Reader, name string, maxRow int) (string, error) {
	p := newJSONParser(r, name, maxRow)
	dec := p.dec
	p.mark()
	tok, err := dec.Token()
	if err == io.EOF {
		return "", p.fail(0, 0, errEmpty)
	}
	if err != nil {
		return "", p.fail(0, 0, err)
	}
	if tok != json.Delim('{') {
		return "", nil // an array, or an error readJSON reports
	}
	var arrays, preferred []string
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return "", err
			}
		}
		p.mark()
		if !dec.More() {
			break
		}
		kt, err := dec.Token()
		if err != nil {
			return "", p.fail(0, 0, err)
		}
		key, _ := kt.(string)
		p.mark()
		tok, err := dec.Token()
		if err != nil {
			return "", p.fail(0, 0, err)
		}
		if tok == json.Delim('[') {
			arrays = append(arrays, key)
			if isRecordKey(key) {
				preferred = append(preferred, key)
			}
		}
		if err := p.skip(tok); err != nil {
			return "", err
		}
	}
	switch {
	case len(preferred) == 1:
		return preferred[0], nil
	case len(arrays) == 1:
		return arrays[0], nil
	case len(arrays) == 0:
		return "", p.fail(0, 0, errNoArray)
	}
	return "", &ParseError{File: name, Err: fmt.Errorf("%w: %w (%s): send one array, or put the rows under %q",
		ErrSyntax, errSeveralArrays, quoteKeys(arrays), RecordKeys[0])}
}

// skip reads the rest of a value whose first token is tok, opening a new
// window of maxRow bytes at each token so that a long array of small values
// is not over the limit while one huge string still is.
func (p *jsonParser) skip(tok json.Token) error {
	depth := 0
	for {
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
		p.mark()
		var err error
		if tok, err = p.dec.Token(); err != nil {
			return p.fail(0, 0, err)
		}
	}
}

func isRecordKey(k string) bool {
	for _, r := range RecordKeys {
		if k == r {
			return true
		}
	}
	return false
}

// quoteKeys lists keys for an error: at most 8, each cut to 32 characters.
func quoteKeys(keys []string) string {
	var b strings.Builder
	for i, k := range keys {
		if i == 8 {
			fmt.Fprintf(&b, ", … %d more", len(keys)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if utf8.RuneCountInString(k) > 32 {
			k = string([]rune(k)[:32]) + "…"
		}
		if strings.ContainsAny(k, " ,()\"\\") || k == "" {
			k = strconv.Quote(k)
		}
		b.WriteString(k)
	}
	return b.String()
}

// fileArrayKey is arrayKey over the file at path: a first pass over a JSON
// file, before the one that reads (and hashes) its rows.
func fileArrayKey(ctx context.Context, path, name string, maxRow int) (string, error) {
	fh, err := openRegular(path)
	if err != nil {
		return "", err
	}
	key, err := arrayKey(ctx, bufio.NewReaderSize(fh, 64<<10), name, maxRow)
	return key, errors.Join(err, fh.Close())
}
