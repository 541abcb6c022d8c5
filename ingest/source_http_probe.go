package ingest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// ProbeResult is what Probe learnt of one URL (mode file) or record type
// (mode api).
type ProbeResult struct {
	URL         string // password redacted
	Status      int    // the last HTTP status; 0 when no response came
	ContentType string
	Length      int64  // the file's length in bytes; -1 when unknown
	Detail      string // file name, format and last modification, or what the first page held
	Err         error  // nil when a pull would get this far
}

// Probe reaches the source without loading anything, for `grassroots
// check`, with the normal headers, timeout and retries. Mode file: a HEAD of
// each URL (a GET of its first byte when HEAD is not allowed), reporting the
// name and format a pull would give the file. Mode api: the first page of
// each record type, checked as a pull checks it (and sent updated_since
// when a cursor is stored); a 404 is reported, not an error.
func (s *HTTPSource) Probe(ctx context.Context) []ProbeResult {
	var out []ProbeResult
	if s.opts.Mode == ModeAPI {
		for _, rt := range s.opts.RecordTypes {
			out = append(out, s.probePage(ctx, rt))
		}
		return out
	}
	for i := range s.urls {
		out = append(out, s.probeFile(ctx, i))
	}
	return out
}

func (s *HTTPSource) probeFile(ctx context.Context, i int) ProbeResult {
	u := s.urls[i]
	res := ProbeResult{URL: s.shown[i], Length: -1}
	var hdr http.Header
	keep := func(resp *http.Response, body io.Reader) error {
		hdr, res.Length = resp.Header, resp.ContentLength
		if resp.StatusCode == http.StatusPartialContent {
			res.Length = rangeTotal(resp.Header.Get("Content-Range"))
		}
		_, err := io.CopyN(io.Discard, body, 1)
		if err == io.EOF {
			err = nil
		}
		return err
	}
	r := request{
		method: http.MethodHead, url: u.String(), shown: s.shown[i], accept: acceptFile,
		ok: []int{http.StatusOK, http.StatusMethodNotAllowed, http.StatusNotImplemented}, handle: keep,
	}
	res.Status, res.Err = s.http.do(ctx, r)
	if res.Err == nil && (res.Status == http.StatusMethodNotAllowed || res.Status == http.StatusNotImplemented) {
		r.method, r.header = http.MethodGet, http.Header{"Range": {"bytes=0-0"}}
		r.ok = []int{http.StatusOK, http.StatusPartialContent}
		res.Status, res.Err = s.http.do(ctx, r)
	}
	if res.Err != nil {
		return res
	}
	res.ContentType = hdr.Get("Content-Type")
	name := fileName(hdr, u)
	format := FormatOf(name)
	details := []string{name, format.String()}
	if lm := hdr.Get("Last-Modified"); lm != "" {
		details = append(details, "last modified "+lm)
	}
	res.Detail = strings.Join(details, ", ")
	if format == FormatUnknown {
		res.Err = fmt.Errorf("ingest: %s: %w: not .xlsx, .csv, .json or .ndjson; a pull skips it", res.URL, ErrUnsupported)
	}
	return res
}

// rangeTotal is the complete length in a Content-Range "bytes 0-0/1234"; -1 if unknown.
func rangeTotal(cr string) int64 {
	_, total, ok := strings.Cut(cr, "/")
	if n, err := strconv.ParseInt(strings.TrimSpace(total), 10, 64); ok && err == nil {
		return n
	}
	return -1
}

func (s *HTTPSource) probePage(ctx context.Context, rt string) ProbeResult {
	u := s.pageURL(rt, "")
	res := ProbeResult{URL: u.Redacted(), Length: -1}
	var n int
	var next string
	res.Status, res.Err = s.http.do(ctx, request{
		method: http.MethodGet, url: u.String(), shown: res.URL, accept: "application/json",
		ok: []int{http.StatusOK, http.StatusNotFound},
		handle: func(resp *http.Response, body io.Reader) error {
			res.ContentType, res.Length = resp.Header.Get("Content-Type"), resp.ContentLength
			if resp.StatusCode == http.StatusNotFound {
				return nil
			}
			var err error
			if n, next, err = decodePage(body, rt, io.Discard); err != nil {
				return fmt.Errorf("page 1: %w", err)
			}
			return nil
		},
	})
	switch {
	case res.Err != nil:
	case res.Status == http.StatusNotFound:
		res.Detail = "the county offers no " + rt + " records (404)"
	case next != "":
		res.Detail = fmt.Sprintf("%d records on the first page, more pages follow", n)
	default:
		res.Detail = fmt.Sprintf("%d records, one page", n)
	}
	return res
}
