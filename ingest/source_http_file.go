package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// acceptFile is the Accept header of mode file: the supported formats first.
const acceptFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, text/csv, " +
	"application/json, application/x-ndjson, */*;q=0.1"

// listFiles fetches each URL of a mode-file source into dir.
func (s *HTTPSource) listFiles(ctx context.Context, dir string, now time.Time) ([]File, []Skipped, HTTPState, error) {
	var files []File
	var skipped []Skipped
	next := HTTPState{}
	for i := range s.urls {
		f, got, err := s.getFile(ctx, dir, i, now, next)
		switch {
		case err != nil:
			return nil, nil, nil, err
		case !got:
		case f.Format == FormatUnknown:
			skipped = append(skipped, Skipped{URI: f.URI, Reason: ReasonUnsupported})
		default:
			files = append(files, f)
		}
	}
	return files, skipped, next, nil
}

// getFile fetches URL i with the validators of the last pull and records
// the new ones in next. got is false for 304 Not Modified; a file of no
// supported format comes back with FormatUnknown, not downloaded.
func (s *HTTPSource) getFile(ctx context.Context, dir string, i int, now time.Time, next HTTPState) (f File, got bool, err error) {
	u, key := s.urls[i], s.shown[i]
	hdr := http.Header{}
	prevETag, prevLastMod := s.prev[stateETag+key], s.prev[stateLastModified+key]
	if prevETag != "" {
		hdr.Set("If-None-Match", prevETag)
	}
	if prevLastMod != "" {
		hdr.Set("If-Modified-Since", prevLastMod)
	}
	var etag, lastMod string // to keep in next
	var tmp *os.File
	defer func() {
		if tmp == nil {
			return
		}
		err = errors.Join(err, tmp.Close())
		if err != nil || !got || f.Format == FormatUnknown {
			err = errors.Join(err, os.Remove(tmp.Name()))
		}
		if err != nil {
			f, got = File{}, false
		}
	}()
	var status int
	status, err = s.http.do(ctx, request{
		method: http.MethodGet, url: u.String(), shown: key, accept: acceptFile, header: hdr,
		ok: []int{http.StatusOK, http.StatusNotModified},
		handle: func(resp *http.Response, body io.Reader) error {
			f, etag, lastMod = File{}, "", ""
			if resp.StatusCode == http.StatusNotModified {
				etag, lastMod = prevETag, prevLastMod
				return nil
			}
			f.URI, f.Name = key, fileName(resp.Header, u)
			if f.Format = FormatOf(f.Name); f.Format == FormatUnknown {
				return nil
			}
			if tmp == nil {
				var err error
				if tmp, err = os.CreateTemp(dir, "download-*"+strings.ToLower(path.Ext(f.Name))); err != nil {
					return err
				}
			} else if err := rewind(tmp); err != nil {
				return err
			}
			h := sha256.New()
			n, err := io.Copy(io.MultiWriter(tmp, h), body)
			if err != nil {
				return err
			}
			f.Path, f.Size, f.SHA256 = tmp.Name(), n, hex.EncodeToString(h.Sum(nil))
			f.ModTime = responseTime(resp.Header, now)
			etag, lastMod = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
			return nil
		},
	})
	if err != nil {
		return File{}, false, err
	}
	if status == http.StatusOK && f.Format == FormatUnknown {
		return f, true, nil // skipped: validators not kept, so it is reported again next time
	}
	if etag != "" {
		next[stateETag+key] = etag
	}
	if lastMod != "" {
		next[stateLastModified+key] = lastMod
	}
	return f, status == http.StatusOK, nil
}

// rewind empties a temporary file for another try.
func rewind(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// responseTime is the response's Last-Modified, else its Date, else now.
func responseTime(h http.Header, now time.Time) time.Time {
	for _, k := range []string{"Last-Modified", "Date"} {
		if t, err := http.ParseTime(h.Get(k)); err == nil {
			return t
		}
	}
	return now
}

// fileName names a downloaded file: Content-Disposition's filename (RFC
// 6266, filename* included), else the last segment of the URL's path; when
// that has no supported extension, one from the Content-Type is added.
func fileName(h http.Header, u *url.URL) string {
	name := dispositionName(h.Get("Content-Disposition"))
	if name == "" {
		name = baseName(u.Path)
	}
	if FormatOf(name) == FormatUnknown {
		if ext := typeExt(h.Get("Content-Type")); ext != "" {
			if name == "" {
				name = "download"
			}
			name += ext
		}
	}
	return name
}

// dispositionName returns the file name of a Content-Disposition header.
// Besides RFC 6266 it takes what servers commonly send instead: raw UTF-8
// in filename=, or a percent-encoded UTF-8 name there.
func dispositionName(cd string) string {
	if cd == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(cd)
	name := params["filename"]
	if err != nil {
		name = looseFilename(cd)
	}
	if name != "" && strings.Contains(name, "%") && !strings.Contains(strings.ToLower(cd), "filename*") {
		if d, err := url.PathUnescape(name); err == nil && utf8.ValidString(d) {
			name = d
		}
	}
	return baseName(name)
}

// looseFilename finds filename= in a header mime cannot parse.
func looseFilename(cd string) string {
	const key = "filename="
	i := 0 // found byte by byte: strings.ToLower may change lengths
	for i+len(key) <= len(cd) && !strings.EqualFold(cd[i:i+len(key)], key) {
		i++
	}
	if i+len(key) > len(cd) {
		return ""
	}
	v := strings.TrimSpace(cd[i+len(key):])
	if strings.HasPrefix(v, `"`) {
		v = v[1:]
		if end := strings.IndexByte(v, '"'); end >= 0 {
			v = v[:end]
		}
	} else if end := strings.IndexByte(v, ';'); end >= 0 {
		v = v[:end]
	}
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		return ""
	}
	return v
}

// baseName keeps the last segment of a slash- or backslash-separated path,
// so that a server cannot name a file outside; "" when nothing is left.
func baseName(p string) string {
	p = strings.ReplaceAll(p, `\`, "/")
	b := strings.TrimSpace(path.Base(p))
	if b == "." || b == ".." || b == "/" || strings.IndexFunc(b, unicode.IsControl) >= 0 {
		return ""
	}
	return b
}

// typeExt is the extension of a supported Content-Type, "" otherwise.
func typeExt(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	switch mt {
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		return ".xlsx"
	case "application/vnd.ms-excel":
		return ".xls"
	case "text/csv", "application/csv":
		return ".csv"
	case "text/tab-separated-values":
		return ".tsv"
	case "application/json":
		return ".json"
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines":
		return ".ndjson"
	}
	return ""
}
