package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ledgerTable is the content every conformance fixture holds: a header and
// n data rows. It has a cell with a comma and quotes, an empty middle cell,
// an empty last cell (trimmed in positional formats), and an 18-digit ID
// number that must survive exactly.
func ledgerTable(n int) [][]string {
	rows := [][]string{{"姓名", "身份证号", "到岗时间", "备注"}}
	notes := []string{`小店区,"一村"`, "", "备注"}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("1401051990%08d", i)
		if i == 1 {
			id = "140105199001011234"
		}
		date := "2022-07-01"
		if i%3 == 2 {
			date = ""
		}
		rows = append(rows, []string{fmt.Sprintf("测试%d", i), id, date, notes[i%3]})
	}
	return rows
}

// positional is what a CSV or XLSX reader yields for rows written from A1.
func positional(sheet string, rows [][]string) []Row {
	var want []Row
	for i, r := range rows {
		want = append(want, Row{Sheet: sheet, Number: i + 1, Cells: trimTrailing(r), Serial: sheet != ""})
	}
	return want
}

// keyed is what a JSON or NDJSON reader yields for rows[1:] keyed by rows[0].
func keyed(rows [][]string) []Row {
	var want []Row
	for i, r := range rows[1:] {
		want = append(want, Row{Number: i + 1, Keys: rows[0], Cells: r})
	}
	return want
}

// readerFixture is one reader under the conformance suite: how to write a
// table in its format, what it must yield, and a damaged file with the error
// it must give.
type readerFixture struct {
	name   string
	opts   ReadOptions
	write  func(t *testing.T, dir string, rows [][]string) File
	want   func(rows [][]string) []Row
	broken func(t *testing.T, dir string, rows [][]string) (f File, want error, row int)
}

func readerFixtures() []readerFixture {
	csvFixture := func(name, file string, enc func(*testing.T, []byte) []byte, comma rune, opts ReadOptions) readerFixture {
		return readerFixture{
			name: name,
			opts: opts,
			write: func(t *testing.T, dir string, rows [][]string) File {
				return writeFile(t, dir, file, enc(t, csvBytes(t, rows, comma)))
			},
			want: func(rows [][]string) []Row { return positional("", rows) },
			broken: func(t *testing.T, dir string, rows [][]string) (File, error, int) {
				b := append(csvBytes(t, rows, comma), `测试,bare"quote`+"\n"...)
				return writeFile(t, dir, file, enc(t, b)), ErrSyntax, len(rows) + 1
			},
		}
	}
	plain := func(_ *testing.T, b []byte) []byte { return b }
	withBOM := func(_ *testing.T, b []byte) []byte { return append([]byte("\xEF\xBB\xBF"), b...) }
	toGB := func(t *testing.T, b []byte) []byte { return gb(t, string(b)) }

	return []readerFixture{
		csvFixture("csv utf-8", "人员台账.csv", plain, ',', ReadOptions{}),
		csvFixture("csv utf-8 bom", "ledger.csv", withBOM, ',', ReadOptions{}),
		csvFixture("csv gb18030 detected", "人员台账.csv", toGB, ',', ReadOptions{}),
		csvFixture("csv gb18030 declared", "人员台账.txt", toGB, ',', ReadOptions{Encoding: "gb18030"}),
		csvFixture("tsv", "人员台账.tsv", plain, '\t', ReadOptions{Encoding: "utf-8"}),
		{
			name: "xlsx",
			write: func(t *testing.T, dir string, rows [][]string) File {
				p := filepath.Join(dir, "人员台账.xlsx")
				xlsxFile(t, p, []string{"人员台账"}, map[string][][]string{"人员台账": rows})
				return fileAt(p, "人员台账.xlsx")
			},
			want: func(rows [][]string) []Row { return positional("人员台账", rows) },
			broken: func(t *testing.T, dir string, rows [][]string) (File, error, int) {
				p := filepath.Join(dir, "ledger.xlsx")
				xlsxFile(t, p, []string{"人员台账"}, map[string][][]string{"人员台账": rows})
				truncate(t, p)
				return fileAt(p, "ledger.xlsx"), ErrSyntax, 0
			},
		},
		{
			name: "json array",
			write: func(t *testing.T, dir string, rows [][]string) File {
				b := "[\n" + string(bytes.Join(jsonObjects(t, rows), []byte(",\n"))) + "\n]\n"
				return writeFile(t, dir, "人员台账.json", []byte(b))
			},
			want: keyed,
			broken: func(t *testing.T, dir string, rows [][]string) (File, error, int) {
				objs := jsonObjects(t, rows)
				b := "[" + string(bytes.Join(objs, []byte(","))) + `,{"姓名":"测试","身份证号":`
				return writeFile(t, dir, "人员台账.json", []byte(b)), ErrSyntax, len(objs) + 1
			},
		},
		{
			name: "json wrapped",
			write: func(t *testing.T, dir string, rows [][]string) File {
				b := `{"record_type":"ledger","meta":{"pages":[1,2]},"records":[` +
					string(bytes.Join(jsonObjects(t, rows), []byte(","))) + `],"next_page_token":null}`
				return writeFile(t, dir, "ledger.json", []byte(b))
			},
			want: keyed,
			broken: func(t *testing.T, dir string, rows [][]string) (File, error, int) {
				b := `{"record_type":"ledger","records":[` + string(bytes.Join(jsonObjects(t, rows), []byte(","))) + `]} []`
				return writeFile(t, dir, "ledger.json", []byte(b)), ErrSyntax, 0
			},
		},
		{
			name: "ndjson",
			write: func(t *testing.T, dir string, rows [][]string) File {
				b := string(bytes.Join(jsonObjects(t, rows), []byte("\n"))) + "\n"
				return writeFile(t, dir, "人员台账.ndjson", []byte(b))
			},
			want: keyed,
			broken: func(t *testing.T, dir string, rows [][]string) (File, error, int) {
				b := string(bytes.Join(jsonObjects(t, rows), []byte("\r\n"))) + "\r\n{\"姓名\":\r\n"
				return writeFile(t, dir, "人员台账.jsonl", []byte(b)), ErrSyntax, len(rows)
			},
		},
	}
}

// truncate cuts the file at p to half its size.
func truncate(t *testing.T, p string) {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, st.Size()/2); err != nil {
		t.Fatal(err)
	}
}

var errStop = errors.New("stop here")

// TestReaderConformance runs the same checks against every reader.
func TestReaderConformance(t *testing.T) {
	for _, fx := range readerFixtures() {
		t.Run(fx.name, func(t *testing.T) {
			t.Run("rows", func(t *testing.T) {
				rows := ledgerTable(5)
				f := fx.write(t, t.TempDir(), rows)
				got, err := collect(t, f, fx.opts)
				if err != nil {
					t.Fatal(err)
				}
				if want := fx.want(rows); !reflect.DeepEqual(got, want) {
					t.Errorf("rows:\n got %+v\nwant %+v", got, want)
				}
			})
			t.Run("callback error is returned as is", func(t *testing.T) {
				f := fx.write(t, t.TempDir(), ledgerTable(5))
				calls := 0
				err := Read(context.Background(), f, fx.opts, func(Row) error { calls++; return errStop })
				if err != errStop || calls != 1 {
					t.Errorf("got err %v after %d calls, want errStop after 1", err, calls)
				}
			})
			t.Run("canceled before", func(t *testing.T) {
				f := fx.write(t, t.TempDir(), ledgerTable(5))
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				calls := 0
				err := Read(ctx, f, fx.opts, func(Row) error { calls++; return nil })
				if !errors.Is(err, context.Canceled) || calls != 0 {
					t.Errorf("got err %v after %d calls, want context.Canceled after 0", err, calls)
				}
			})
			t.Run("canceled during", func(t *testing.T) {
				rows := ledgerTable(3 * ctxCheckEvery)
				f := fx.write(t, t.TempDir(), rows)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				calls := 0
				err := Read(ctx, f, fx.opts, func(Row) error { calls++; cancel(); return nil })
				if !errors.Is(err, context.Canceled) {
					t.Errorf("got err %v, want context.Canceled", err)
				}
				if calls > ctxCheckEvery+1 {
					t.Errorf("%d rows after cancel, want at most %d", calls, ctxCheckEvery+1)
				}
			})
			t.Run("damaged file", func(t *testing.T) {
				f, wantErr, wantRow := fx.broken(t, t.TempDir(), ledgerTable(5))
				_, err := collect(t, f, fx.opts)
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("got %v (%T), want *ParseError", err, err)
				}
				if !errors.Is(err, wantErr) || pe.File != f.URI || pe.Row != wantRow {
					t.Errorf("got %q (file %q, row %d), want %v in %q at row %d", err, pe.File, pe.Row, wantErr, f.URI, wantRow)
				}
				if strings.Contains(err.Error(), "测试") {
					t.Errorf("error %q quotes cell contents", err)
				}
			})
			t.Run("missing file", func(t *testing.T) {
				f := fx.write(t, t.TempDir(), ledgerTable(1))
				if err := os.Remove(f.Path); err != nil {
					t.Fatal(err)
				}
				_, err := collect(t, f, fx.opts)
				var pe *ParseError
				if !errors.Is(err, os.ErrNotExist) || errors.As(err, &pe) {
					t.Errorf("got %v, want a not-exist error that is no *ParseError", err)
				}
			})
		})
	}
}

func TestReadUnsupported(t *testing.T) {
	f := writeFile(t, t.TempDir(), "notes.docx", []byte("x"))
	if _, err := collect(t, f, ReadOptions{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("docx: got %v, want ErrUnsupported", err)
	}
	f = writeFile(t, t.TempDir(), "a.csv", []byte("x"))
	if _, err := collect(t, f, ReadOptions{Encoding: "latin1"}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("latin1: got %v, want ErrUnsupported", err)
	}
}

// TestReadFormatFromName: a File without Format is read by its name.
func TestReadFormatFromName(t *testing.T) {
	f := writeFile(t, t.TempDir(), "a.JSONL", []byte(`{"a":1}`))
	f.Format = FormatUnknown
	got, err := collect(t, f, ReadOptions{})
	want := []Row{{Number: 1, Keys: []string{"a"}, Cells: []string{"1"}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}
