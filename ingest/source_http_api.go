package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"
)

// maxPages bounds the pages of one record type, against a server that loops.
const maxPages = 100000

// apiPull is the state of one List in mode api.
type apiPull struct {
	dir  string
	now  time.Time
	date time.Time // the Date of the pull's first response (now if it had none)
	seen bool      // a response came
}

// observe remembers the Date of the first response of the pull.
func (p *apiPull) observe(resp *http.Response) {
	if p.seen {
		return
	}
	p.seen, p.date = true, p.now
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		p.date = t
	}
}

// listAPI fetches every record type of a mode-api source into dir, one
// NDJSON file each.
func (s *HTTPSource) listAPI(ctx context.Context, dir string, now time.Time) ([]File, HTTPState, error) {
	p := &apiPull{dir: dir, now: now}
	var files []File
	for _, rt := range s.opts.RecordTypes {
		f, ok, err := s.pullType(ctx, p, rt)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			files = append(files, f)
		}
	}
	if !p.seen {
		p.date = now
	}
	return files, HTTPState{stateCursor: p.date.UTC().Format(time.RFC3339)}, nil
}

// pullType fetches every page of one record type into <dir>/<type>.ndjson.
// ok is false when the server offers none (404) or no record.
func (s *HTTPSource) pullType(ctx context.Context, p *apiPull, rt string) (f File, ok bool, err error) {
	path := filepath.Join(p.dir, rt+".ndjson")
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, false, fmt.Errorf("ingest: http source: %w", err)
	}
	defer func() {
		if cerr := fh.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("ingest: http source: %w", cerr))
		}
		if err != nil || !ok {
			_ = os.Remove(path) // List removes the whole folder on error anyway
		}
	}()
	w := bufio.NewWriterSize(fh, 64<<10)
	var size int64 // bytes of the pages done
	records := 0
	token := ""
	tokens := map[string]bool{}
	for page := 1; ; page++ {
		u := s.pageURL(rt, token)
		okStatus := []int{http.StatusOK}
		if page == 1 {
			okStatus = append(okStatus, http.StatusNotFound)
		}
		var n int
		var next string
		status, err := s.http.do(ctx, request{
			method: http.MethodGet, url: u.String(), shown: u.Redacted(), accept: "application/json",
			ok: okStatus, observe: p.observe,
			handle: func(resp *http.Response, body io.Reader) error {
				n, next = 0, ""
				if resp.StatusCode == http.StatusNotFound {
					return nil
				}
				w.Reset(fh) // start this page afresh: drop what a failed try wrote
				if err := fh.Truncate(size); err != nil {
					return err
				}
				if _, err := fh.Seek(size, io.SeekStart); err != nil {
					return err
				}
				var err error
				if n, next, err = decodePage(body, rt, w); err != nil {
					return fmt.Errorf("page %d: %w", page, err)
				}
				return w.Flush()
			},
		})
		if err != nil {
			return File{}, false, err
		}
		if status == http.StatusNotFound {
			return File{}, false, nil
		}
		if size, err = fh.Seek(0, io.SeekCurrent); err != nil {
			return File{}, false, fmt.Errorf("ingest: http source: %w", err)
		}
		records += n
		if next == "" {
			break
		}
		if tokens[next] {
			return File{}, false, fmt.Errorf("ingest: GET %s: page %d: %w: next_page_token repeats an earlier one", s.typeURI(rt), page, ErrSyntax)
		}
		if page >= maxPages {
			return File{}, false, fmt.Errorf("ingest: GET %s: %w: more than %d pages", s.typeURI(rt), ErrTooLarge, maxPages)
		}
		tokens[next], token = true, next
	}
	if records == 0 {
		return File{}, false, nil
	}
	sum, err := hashPath(ctx, path)
	if err != nil {
		return File{}, false, err
	}
	f = File{Path: path, URI: s.typeURI(rt), Name: rt + ".ndjson", Size: size, ModTime: p.date, SHA256: sum, Format: FormatNDJSON}
	return f, true, nil
}

// pageURL is the base URL with record_type, updated_since (when a cursor
// is stored) and page_token (after the first page) added to its query.
func (s *HTTPSource) pageURL(rt, token string) *url.URL {
	u := *s.urls[0]
	q := u.Query()
	q.Set("record_type", rt)
	if s.cursor != "" {
		q.Set("updated_since", s.cursor)
	}
	if token != "" {
		q.Set("page_token", token)
	}
	u.RawQuery = q.Encode()
	return &u
}

// typeURI is the URI of a record type's file: the base URL with its
// record_type, password redacted.
func (s *HTTPSource) typeURI(rt string) string {
	u := *s.urls[0]
	q := u.Query()
	q.Set("record_type", rt)
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// Errors of a page's structure, wrapped in ErrSyntax.
var (
	errPageNotObject = errors.New(`a page must be an object {"record_type", "records", "next_page_token"}`)
	errPageKey       = errors.New(`a page holds a key other than "record_type", "records" and "next_page_token"`)
	errPageDupKey    = errors.New("a page holds a key twice")
	errPageType      = errors.New("record_type does not match the one asked for")
	errPageMissing   = errors.New(`a page must hold "record_type" and "records"`)
	errPageRecords   = errors.New("records is not an array")
	errPageRecord    = errors.New("a record is not an object")
	errPageToken     = errors.New("next_page_token is not a string or null")
)

// decodePage reads one page of record type rt from r and writes each of
// its records to w as one line of JSON, keys and values as received
// (white space aside). It returns how many records there were and the next
// page token ("" on the last page). Errors never quote the content.
func decodePage(r io.Reader, rt string, w io.Writer) (records int, next string, err error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	fail := func(err error) (int, string, error) { return records, "", pageError(dec, err) }
	if tok, err := dec.Token(); err != nil {
		return fail(err)
	} else if tok != json.Delim('{') {
		return fail(errPageNotObject)
	}
	seen := map[string]bool{}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		key, _ := kt.(string)
		if seen[key] {
			return fail(errPageDupKey)
		}
		seen[key] = true
		switch key {
		case "record_type":
			tok, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			if v, ok := tok.(string); !ok || v != rt {
				return fail(errPageType)
			}
		case "records":
			if err := copyRecords(dec, w, &records); err != nil {
				return records, "", err
			}
		case "next_page_token":
			tok, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			switch v := tok.(type) {
			case string:
				next = v
			case nil:
			default:
				return fail(errPageToken)
			}
		default:
			return fail(errPageKey)
		}
	}
	if _, err := dec.Token(); err != nil { // '}'
		return fail(err)
	}
	if !seen["record_type"] || !seen["records"] {
		return fail(errPageMissing)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errTrailing
		}
		return fail(err)
	}
	return records, next, nil
}

// copyRecords copies the records array of a page, the decoder at its
// value, to w: each record, an object, as one line of compact JSON. It
// counts them in records.
func copyRecords(dec *json.Decoder, w io.Writer, records *int) error {
	if tok, err := dec.Token(); err != nil {
		return pageError(dec, err)
	} else if tok != json.Delim('[') {
		return pageError(dec, errPageRecords)
	}
	var line bytes.Buffer
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return pageError(dec, err)
		}
		*records++
		if len(raw) == 0 || raw[0] != '{' {
			return pageError(dec, fmt.Errorf("record %d: %w", *records, errPageRecord))
		}
		if !utf8.Valid(raw) {
			return fmt.Errorf("record %d: %w: invalid UTF-8", *records, ErrEncoding)
		}
		line.Reset()
		if err := json.Compact(&line, raw); err != nil {
			return pageError(dec, err)
		}
		line.WriteByte('\n')
		if _, err := w.Write(line.Bytes()); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return pageError(dec, err)
	}
	return nil
}

// pageError turns an error met while decoding a page into one wrapping
// ErrSyntax where it is about the content. The decoder's own messages may
// quote the input, so only a position is kept: where the token or record
// being read starts (the decoder's offset is unreliable once Token and
// Decode are mixed). Errors of reading the body pass as they are.
func pageError(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%w: invalid JSON at or after byte %d", ErrSyntax, dec.InputOffset())
	case err == io.EOF, err == io.ErrUnexpectedEOF:
		return fmt.Errorf("%w: unexpected end of JSON at byte %d", ErrSyntax, dec.InputOffset())
	case errors.Is(err, errPageNotObject), errors.Is(err, errPageKey), errors.Is(err, errPageDupKey),
		errors.Is(err, errPageType), errors.Is(err, errPageMissing), errors.Is(err, errPageRecords),
		errors.Is(err, errPageRecord), errors.Is(err, errPageToken), errors.Is(err, errTrailing):
		return fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	return err
}
