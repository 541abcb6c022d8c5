package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// checkFuzzRows checks what holds for the rows of any reader: positions
// increase, cells are valid UTF-8, keyed rows have a key per cell; and that
// any error is a *ParseError wrapping one of the sentinels.
func checkFuzzRows(t *testing.T, rows []Row, err error, keyed bool) {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
		if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrEncoding) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("error %v wraps no sentinel", err)
		}
	}
	last := 0
	for _, r := range rows {
		if r.Number <= last {
			t.Fatalf("row number %d after %d", r.Number, last)
		}
		last = r.Number
		if keyed != (r.Keys != nil) || (keyed && len(r.Keys) != len(r.Cells)) {
			t.Fatalf("row %d: %d keys for %d cells", r.Number, len(r.Keys), len(r.Cells))
		}
		for _, c := range append(r.Keys, r.Cells...) {
			if !utf8.ValidString(c) {
				t.Fatalf("row %d: invalid UTF-8 %q", r.Number, c)
			}
		}
	}
}

// gather runs read and keeps copies of the rows.
func gather(read func(fn func(Row) error) error) ([]Row, error) {
	var rows []Row
	err := read(func(r Row) error {
		if r.Keys != nil {
			r.Keys = append([]string{}, r.Keys...)
		}
		r.Cells = append([]string(nil), r.Cells...)
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"姓名,身份证号\n测试,140105199001011234\n",
		"a\tb\n\"x\ny\"\tz\r\n,,\n",
		"\xEF\xBB\xBFa,\"b\"\"c\",d,,\n",
		"a,\"b\nc",
		"a,b\"c\n",
		"\xff\xfe",
		"\x84\x31\x95\x33\xd0\xd5",
	} {
		f.Add([]byte(s), false)
	}
	gbSeed, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("姓名\t性别\n测试\t男\n"))
	f.Add(gbSeed, true)
	f.Fuzz(func(t *testing.T, data []byte, tsv bool) {
		for _, enc := range []textEncoding{encAuto, encUTF8, encGB18030} {
			for _, max := range []int{16, 1 << 20} {
				cfg := csvConfig{name: "f.csv", tsv: tsv, enc: enc, maxRow: max}
				rows, err := gather(func(fn func(Row) error) error {
					return readCSV(context.Background(), bytes.NewReader(data), cfg, fn)
				})
				checkFuzzRows(t, rows, err, false)
				for _, r := range rows {
					if len(r.Cells) == 0 || r.Cells[len(r.Cells)-1] == "" {
						t.Fatalf("row %d: empty or untrimmed %q", r.Number, r.Cells)
					}
				}
				if enc == encUTF8 && max == 1<<20 && utf8.Valid(data) && !bytes.HasPrefix(data, bomUTF8) {
					compareWithCSV(t, data, tsv, rows, err)
				}
			}
		}
	})
}

// compareWithCSV checks the rows of valid UTF-8 input against encoding/csv
// itself, less the empty rows and trailing empty cells.
func compareWithCSV(t *testing.T, data []byte, tsv bool, rows []Row, err error) {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = detectDelimiter(data[:min(len(data), sniffSize)], tsv)
	cr.FieldsPerRecord = -1
	var want [][]string
	var wantErr error
	for {
		rec, rerr := cr.Read()
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			wantErr = rerr
			break
		}
		if cells := trimTrailing(rec); len(cells) > 0 {
			want = append(want, cells)
		}
	}
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("error %v, encoding/csv says %v", err, wantErr)
	}
	if err != nil {
		return
	}
	var got [][]string
	for _, r := range rows {
		got = append(got, r.Cells)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %q, encoding/csv gives %q", got, want)
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`[{"姓名":"测试","身份证号":140105199001011234,"党员":true,"备注":null}]`,
		`{"record_type":"ledger","records":[{"a":"1"}],"next_page_token":"x"}`,
		`[{"a":[1]}]`,
		`[{"a":1},2]`,
		"\xEF\xBB\xBF[]",
		`[{"a":"\u00e9\ud83d\ude00"}]`,
		`[{"a":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, max := range []int{16, len(data) + 1} {
			rows, err := gather(func(fn func(Row) error) error {
				key, err := arrayKey(context.Background(), bytes.NewReader(data), "f.json", max)
				if err != nil {
					return err
				}
				return readJSON(context.Background(), bytes.NewReader(data), "f.json", key, max, fn)
			})
			checkFuzzRows(t, rows, err, true)
			for i, r := range rows {
				if r.Number != i+1 {
					t.Fatalf("row %d numbered %d", i+1, r.Number)
				}
			}
			if max > len(data) {
				compareWithUnmarshal(t, data, rows, err)
			}
		}
	})
}

// compareWithUnmarshal checks a valid top-level array against
// encoding/json: it is read without error exactly when every element is an
// object of scalars, and then yields one row per element.
func compareWithUnmarshal(t *testing.T, data []byte, rows []Row, err error) {
	t.Helper()
	if !utf8.Valid(data) || !json.Valid(data) {
		return
	}
	var arr []any
	if json.Unmarshal(data, &arr) != nil {
		return // not an array
	}
	flat := true
	for _, el := range arr {
		obj, ok := el.(map[string]any)
		if !ok {
			flat = false
			break
		}
		for _, v := range obj {
			switch v.(type) {
			case map[string]any, []any:
				flat = false
			}
		}
	}
	if flat != (err == nil) {
		t.Fatalf("flat array %v, but error %v", flat, err)
	}
	if flat && len(rows) != len(arr) {
		t.Fatalf("%d rows for %d elements", len(rows), len(arr))
	}
}

func FuzzNDJSON(f *testing.F) {
	for _, s := range []string{
		"{\"姓名\":\"测试\",\"身份证号\":140105199001011234}\n\n{\"a\":null}\r\n",
		"{\"a\":1} {\"b\":2}\n",
		"{\"a\":{}}\n",
		"[1]\n",
		"\xEF\xBB\xBF{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, max := range []int{16, 1 << 20} {
			rows, err := gather(func(fn func(Row) error) error {
				return readNDJSON(context.Background(), bytes.NewReader(data), "f.ndjson", max, fn)
			})
			checkFuzzRows(t, rows, err, true)
			if err != nil {
				continue
			}
			// Every line that is not blank is a row, numbered by its line.
			lines := strings.Split(string(bytes.TrimPrefix(data, bomUTF8)), "\n")
			var want []int
			for i, l := range lines {
				if strings.Trim(l, " \t\r") != "" {
					want = append(want, i+1)
				}
			}
			var got []int
			for _, r := range rows {
				got = append(got, r.Number)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("rows on lines %v, want %v", got, want)
			}
		}
	})
}
