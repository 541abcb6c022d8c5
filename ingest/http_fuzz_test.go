package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// FuzzDecodePage: any page either fails with ErrSyntax or ErrEncoding, or
// yields one line per record, each a compact JSON object with the record's
// keys and values, which the NDJSON reader then reads without a syntax
// error unless a value is nested.
func FuzzDecodePage(f *testing.F) {
	f.Add(page("ledger", "t1", `{"姓名":"张三","n":1.50}`, `{}`))
	f.Add(page("ledger", ""))
	f.Add(`{"records":[{"a":[1,{"b":null}]}],"record_type":"ledger","next_page_token":null}`)
	f.Add(`{"record_type":"ledger","records":[{"a":"\u2028\n"}]} `)
	f.Add(`{"record_type":"roles","records":[]}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		n, next, err := decodePage(strings.NewReader(in), "ledger", &out)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrEncoding) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if !json.Valid([]byte(in)) {
			t.Fatalf("accepted invalid JSON (%d records, next %q)", n, next)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if n == 0 {
			if out.Len() != 0 {
				t.Fatalf("no records but output %q", out.String())
			}
			return
		}
		if len(lines) != n {
			t.Fatalf("%d records, %d lines", n, len(lines))
		}
		var page struct{ Records []json.RawMessage }
		if err := json.Unmarshal([]byte(in), &page); err != nil || len(page.Records) != n {
			t.Fatalf("page holds %d records (%v), decoded %d", len(page.Records), err, n)
		}
		for i, l := range lines {
			var want bytes.Buffer
			if err := json.Compact(&want, page.Records[i]); err != nil || l != want.String() || l[0] != '{' {
				t.Fatalf("line %d %q, want %q", i+1, l, want.String())
			}
		}
	})
}

// FuzzFileName: whatever the headers and URL, a file name is one plain
// path segment.
func FuzzFileName(f *testing.F) {
	f.Add(`attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%8F%B0%E8%B4%A6.csv`, "text/csv", "/a/b")
	f.Add(`attachment; filename="..\\..\\x.csv"`, "", "/")
	f.Add(`attachment; filename=%2e%2e%2fx.csv`, "", "/%2F..%2Fy")
	f.Add("", "application/json", "/x/..")
	f.Fuzz(func(t *testing.T, cd, ct, p string) {
		u, err := url.Parse("https://x.example" + p)
		if err != nil {
			return
		}
		h := http.Header{"Content-Disposition": {cd}, "Content-Type": {ct}}
		name := fileName(h, u)
		if strings.ContainsAny(name, `/\`) || name == "." || name == ".." || strings.IndexFunc(name, unicode.IsControl) >= 0 {
			t.Fatalf("fileName(%q, %q, %q) = %q", cd, ct, p, name)
		}
	})
}
