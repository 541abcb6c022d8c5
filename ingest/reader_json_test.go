package ingest

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

type jsonCase struct {
	name    string
	data    string
	max     int
	want    []Row
	wantErr error
	row     int
	col     int
}

func kr(n int, kv ...string) Row {
	r := Row{Number: n, Keys: []string{}, Cells: []string{}}
	for i := 0; i < len(kv); i += 2 {
		r.Keys = append(r.Keys, kv[i])
		r.Cells = append(r.Cells, kv[i+1])
	}
	return r
}

func runJSONCases(t *testing.T, file string, tests []jsonCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), file, []byte(tt.data))
			got, err := collect(t, f, ReadOptions{MaxRowBytes: tt.max})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got  %+v\nwant %+v", got, tt.want)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want *ParseError wrapping %v", err, tt.wantErr)
			}
			if pe.File != file || pe.Row != tt.row || pe.Column != tt.col {
				t.Errorf("got %s at row %d column %d, want row %d column %d", err, pe.Row, pe.Column, tt.row, tt.col)
			}
			if strings.Contains(err.Error(), "张") {
				t.Errorf("error %q quotes the content", err)
			}
		})
	}
}

func TestReadJSON(t *testing.T) {
	many := "[" + strings.Repeat(`{"姓名":"测试","身份证号":"140105199001011234"},`, 2000)
	runJSONCases(t, "人员台账.json", []jsonCase{
		{name: "numbers verbatim", data: `[{"身份证号":140105199001011234,"金额":3.10,"大":1e400,"负":-0}]`,
			want: []Row{kr(1, "身份证号", "140105199001011234", "金额", "3.10", "大", "1e400", "负", "-0")}},
		{name: "value kinds", data: "\n[ {\"s\":\"\\u5f20\\n\",\"t\":true,\"f\":false,\"n\":null,\"e\":\"\"} ,\n{} ]\n",
			want: []Row{kr(1, "s", "张\n", "t", "true", "f", "false", "n", "", "e", ""), kr(2)}},
		{name: "key order and duplicates kept", data: `[{"b":"1","a":"2","b":"3"}]`,
			want: []Row{kr(1, "b", "1", "a", "2", "b", "3")}},
		{name: "empty array", data: `[]`},
		{name: "bom", data: "\xEF\xBB\xBF[{\"a\":\"1\"}]", want: []Row{kr(1, "a", "1")}},
		{name: "wrapped", data: `{"record_type":"ledger","records":[{"a":"1"},{"a":"2"}],"next_page_token":"x"}`,
			want: []Row{kr(1, "a", "1"), kr(2, "a", "2")}},
		{name: "wrapped: the record key among several arrays", data: `{"meta":{"x":[1,{"y":[]}]},"n":null,"data":[{"a":"1"}],"more":[{"b":2}]}`,
			want: []Row{kr(1, "a", "1")}},
		{name: "wrapped: rows beside meta and an empty warnings array", data: `{"meta":{"county":"140181","pages":[1]},"warnings":[],"rows":[{"姓名":"甲"},{"姓名":"乙"}]}`,
			want: []Row{kr(1, "姓名", "甲"), kr(2, "姓名", "乙")}},
		{name: "wrapped: the only array under any key", data: `{"meta":{"a":[]},"page":[{"a":"1"}],"n":1}`,
			want: []Row{kr(1, "a", "1")}},
		{name: "wrapped: records after a long skipped array", max: 16, data: `{"records":[{"a":"1"}],"notes":[` + strings.Repeat(`"abcdefgh",`, 100) + `"x"]}`,
			want: []Row{kr(1, "a", "1")}},
		{name: "objects at the limit", max: 12, data: "[{\"a\":\"1\"},\n{\"a\":\"2\"}]", want: []Row{kr(1, "a", "1"), kr(2, "a", "2")}},

		{name: "nested array", data: `[{"a":1},{"a":1,"b":[1,2]}]`, wantErr: ErrSyntax, row: 2, col: 2},
		{name: "nested object", data: `[{"a":{"b":1}}]`, wantErr: ErrSyntax, row: 1, col: 1},
		{name: "deep nesting fails fast", data: `[{"a":` + strings.Repeat("[", 1<<20), wantErr: ErrSyntax, row: 1, col: 1},
		{name: "element not an object", data: `[{"a":1}, 2]`, wantErr: ErrSyntax, row: 2},
		{name: "array of arrays", data: `[[1]]`, wantErr: ErrSyntax, row: 1},
		{name: "top-level string", data: `"张三"`, wantErr: ErrSyntax},
		{name: "object without an array", data: `{"a":{"b":[1]},"c":1}`, wantErr: ErrSyntax},
		{name: "data after the end", data: `[{"a":1}] {}`, wantErr: ErrSyntax},
		{name: "unexpected end", data: `[{"a":1}`, wantErr: ErrSyntax, row: 2},
		{name: "empty file", data: ``, wantErr: ErrEmpty},
		{name: "syntax error hides the content", data: `[{"a":1},{"姓名":张三}]`, wantErr: ErrSyntax, row: 2, col: 1},
		{name: "invalid utf-8", data: "[{\"a\":\"ok\"},{\"a\":\"\xff\"}]", wantErr: ErrEncoding, row: 2, col: 1},
		{name: "invalid utf-8 far into the file", data: many + "{\"a\":\"\xe5\xbc\"}]", wantErr: ErrEncoding, row: 2001, col: 1},
		{name: "object over the limit", max: 32, data: `[{"a":"1"},{"a":"` + strings.Repeat("x", 40) + `"}]`, wantErr: ErrTooLarge, row: 2, col: 1},
		{name: "endless string", max: 1 << 10, data: `[{"a":"` + strings.Repeat("张", 1<<12), wantErr: ErrTooLarge, row: 1, col: 1},
		{name: "several arrays", data: `{"page1":[{"a":"1"}],"page2":[{"a":"2"}]}`, wantErr: ErrSyntax},
		{name: "two record keys", data: `{"rows":[{"a":"1"}],"data":[{"a":"2"}],"x":[]}`, wantErr: ErrSyntax},
		{name: "wrapper field over the limit", max: 32, data: `{"note":"` + strings.Repeat("x", 40) + `","records":[]}`, wantErr: ErrTooLarge},
	})
}

// TestReadJSONSeveralArrays: the error for an object holding several arrays
// names them and tells how to send the rows, and no row is yielded.
func TestReadJSONSeveralArrays(t *testing.T) {
	f := writeFile(t, t.TempDir(), "人员台账.json", []byte(`{"page1":[{"a":"1"}],"meta":{"p":[]},"page2":[{"a":"2"}]}`))
	rows, err := collect(t, f, ReadOptions{})
	want := `人员台账.json: ingest: syntax error: JSON object holds several arrays (page1, page2): send one array, or put the rows under "records"`
	if err == nil || err.Error() != want || len(rows) != 0 {
		t.Fatalf("%d rows, error %v; want none and %q", len(rows), err, want)
	}
	if !errors.Is(err, ErrSyntax) {
		t.Fatalf("error %v is not ErrSyntax", err)
	}
}

func TestReadNDJSON(t *testing.T) {
	runJSONCases(t, "人员台账.ndjson", []jsonCase{
		{name: "blank lines, crlf, no final newline",
			data: "\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \t\n{\"a\":\"x\",\"b\":null,\"c\":140105199001011234}",
			want: []Row{kr(1, "a", "1"), kr(4, "a", "x", "b", "", "c", "140105199001011234")}},
		{name: "line at the limit", max: 9, data: "{\"a\":\"1\"}\r\n{\"a\":\"2\"}\n", want: []Row{kr(1, "a", "1"), kr(2, "a", "2")}},
		{name: "bad line", data: "{\"a\":1}\n{\"a\":\n{\"a\":3}\n", wantErr: ErrSyntax, row: 2, col: 1},
		{name: "two objects on a line", data: "{\"a\":1}\n{\"a\":1} {\"a\":2}\n", wantErr: ErrSyntax, row: 2},
		{name: "not an object", data: "{\"a\":1}\n\n[1]\n", wantErr: ErrSyntax, row: 3},
		{name: "nested", data: "{\"a\":1,\"b\":{}}\n", wantErr: ErrSyntax, row: 1, col: 2},
		{name: "syntax error hides the content", data: "{\"姓名\":张三}\n", wantErr: ErrSyntax, row: 1, col: 1},
		{name: "invalid utf-8", data: "{\"a\":1}\n{\"a\":\"\xc3\"}\n", wantErr: ErrEncoding, row: 2},
		{name: "line over the limit", max: 16, data: "{\"a\":1}\n{\"a\":\"" + strings.Repeat("x", 40) + "\"}\n", wantErr: ErrTooLarge, row: 2},
	})
}

func TestUTF8Reader(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        error
	}{
		{name: "ascii", in: "abc", want: "abc"},
		{name: "chinese", in: "人员台账", want: "人员台账"},
		{name: "bom dropped", in: "\xEF\xBB\xBF测试", want: "测试"},
		{name: "inner bom kept", in: "a\xEF\xBB\xBF", want: "a\xEF\xBB\xBF"},
		{name: "invalid byte", in: "测试\xffabc", want: "测试", wantErr: errInvalidUTF8},
		{name: "truncated sequence at eof", in: "测试\xe8\xaf", want: "测试", wantErr: errInvalidUTF8},
		{name: "long", in: strings.Repeat("测试ab", 40000), want: strings.Repeat("测试ab", 40000)},
	}
	wrappers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	}
	for _, tt := range tests {
		for wn, wrap := range wrappers {
			got, err := io.ReadAll(&utf8Reader{r: wrap(strings.NewReader(tt.in))})
			if string(got) != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("%s, %s: got %q, %v; want %q, %v", tt.name, wn, shorten(got), err, shorten([]byte(tt.want)), tt.wantErr)
			}
		}
	}
}

func shorten(b []byte) []byte {
	if len(b) > 40 {
		return append(bytes.Clone(b[:40]), "..."...)
	}
	return b
}
