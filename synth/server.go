package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// apiPageSize is the number of records in a page of the FeedServer's API.
const apiPageSize = 200

// servedCounties are the counties a FeedServer serves over HTTP in
// `grassroots demo --serve`: the first county kept in one workbook (its
// file, mode: file) and the first kept as NDJSON (its feeds as the paged API
// of the README's Feeds section, mode: api). In the city they are 小店区 (140105) and
// 晋源区 (140110); with Options.CSVOnly there are none.
func servedCounties(a *area) (file, api string) {
	for _, u := range a.units {
		for _, c := range u.counties {
			sh := c.shape
			if file == "" && sh.layout == layoutWorkbook && len(sh.books) == 1 {
				file = c.code
			}
			if api == "" && sh.layout == layoutText && sh.format == fmtNDJSON {
				api = c.code
			}
		}
	}
	return file, api
}

// httpSources are the source blocks of the config for the served counties,
// or nil when nothing is served.
func httpSources(base string, feeds []CountyFeed, fileCounty, apiCounty string) map[string]string {
	if base == "" {
		return nil
	}
	base = strings.TrimRight(base, "/")
	out := map[string]string{}
	for _, f := range feeds {
		switch f.Code {
		case fileCounty:
			if len(f.Files) == 1 {
				out[f.Code] = fmt.Sprintf("      kind: http\n      mode: file\n      url: %s/files/%s/%s\n      timeout: 30s\n      retries: 2\n",
					base, f.Code, url.PathEscape(filepath.Base(f.Files[0])))
			}
		case apiCounty:
			out[f.Code] = fmt.Sprintf("      kind: http\n      mode: api\n      url: %s/api/%s\n      timeout: 30s\n      retries: 2\n", base, f.Code)
		}
	}
	return out
}

// FeedServer serves the feeds of a city generated into dir, as a county's
// file server and API would:
//
//	GET /files/<county>/<name>   one feed file, with ETag and Last-Modified (304 on a conditional request)
//	GET /api/<county>?record_type=T[&updated_since=RFC3339][&page_token=N]
//	                             pages of {"record_type", "records", "next_page_token"} built from the
//	                             county's <T>.ndjson file; every record counts as updated when the file
//	                             was written, so a pull with a later updated_since gets none; 404 when
//	                             the county has no such record type
func FeedServer(dir string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files/{county}/{name}", func(w http.ResponseWriter, r *http.Request) {
		path := filepath.Join(dir, feedsDir, filepath.Base(r.PathValue("county")), filepath.Base(r.PathValue("name")))
		f, err := os.Open(path)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, fi.ModTime().UnixNano(), fi.Size()))
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(fi.Name()))
		http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
	})
	mux.HandleFunc("GET /api/{county}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		rt := q.Get("record_type")
		path := filepath.Join(dir, feedsDir, filepath.Base(r.PathValue("county")), filepath.Base(rt)+".ndjson")
		fi, err := os.Stat(path)
		if rt == "" || err != nil {
			http.NotFound(w, r)
			return
		}
		var records []json.RawMessage
		if s := q.Get("updated_since"); s != "" {
			since, err := time.Parse(time.RFC3339, s)
			if err != nil {
				http.Error(w, "updated_since is not RFC 3339", http.StatusBadRequest)
				return
			}
			if !fi.ModTime().After(since) {
				writePage(w, rt, nil, "")
				return
			}
		}
		records, err = readRecords(path)
		if err != nil {
			http.Error(w, "cannot read the feed", http.StatusInternalServerError)
			return
		}
		from, _ := strconv.Atoi(q.Get("page_token"))
		if from < 0 || from > len(records) {
			http.Error(w, "bad page_token", http.StatusBadRequest)
			return
		}
		to, next := min(from+apiPageSize, len(records)), ""
		if to < len(records) {
			next = strconv.Itoa(to)
		}
		writePage(w, rt, records[from:to], next)
	})
	return mux
}

func readRecords(path string) ([]json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []json.RawMessage
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			out = append(out, json.RawMessage(line))
		}
	}
	return out, sc.Err()
}

func writePage(w http.ResponseWriter, rt string, records []json.RawMessage, next string) {
	if records == nil {
		records = []json.RawMessage{}
	}
	page := map[string]any{"record_type": rt, "records": records}
	if next != "" {
		page["next_page_token"] = next
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}
