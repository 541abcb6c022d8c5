package ingest

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReadCSV(t *testing.T) {
	r := func(n int, cells ...string) Row { return Row{Number: n, Cells: cells} }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	// cut puts "测" (3 bytes) across the end of the 64 KiB sniff window.
	cutPrefix := "h\n" + strings.Repeat("x", sniffSize-1-2) + "\n"
	// late puts an invalid byte after the sniff window of an ASCII file.
	late := "h\n" + strings.Repeat("x\n", sniffSize/2)

	tests := []struct {
		name    string
		file    string
		data    []byte
		enc     string
		max     int
		want    []Row
		wantErr error
		row     int
		col     int
	}{
		{name: "utf-8 bom stripped", file: "a.csv", data: []byte("\xEF\xBB\xBF姓名,身份证号\n测试,1\n"),
			want: []Row{r(1, "姓名", "身份证号"), r(2, "测试", "1")}},
		{name: "bom wins over declared gb18030", file: "a.csv", enc: "gb18030", data: []byte("\xEF\xBB\xBF姓名\n"),
			want: []Row{r(1, "姓名")}},
		{name: "gb18030 bom", file: "a.csv", data: cat([]byte{0x84, 0x31, 0x95, 0x33}, gb(t, "姓名,性别\n测试,男\n")),
			want: []Row{r(1, "姓名", "性别"), r(2, "测试", "男")}},
		{name: "gb18030 detected", file: "人员台账.csv", data: gb(t, "姓名,身份证号\n测试,140105199001011234\n"),
			want: []Row{r(1, "姓名", "身份证号"), r(2, "测试", "140105199001011234")}},
		{name: "crlf", file: "a.csv", data: []byte("a,b\r\n1,2\r\n"),
			want: []Row{r(1, "a", "b"), r(2, "1", "2")}},
		{name: "tab detected in .csv", file: "a.csv", data: []byte("姓名\t备注\n测试\t太原,小店\n"),
			want: []Row{r(1, "姓名", "备注"), r(2, "测试", "太原,小店")}},
		{name: "comma wins a tie in .csv", file: "a.csv", data: []byte("a,b\tc\n"),
			want: []Row{r(1, "a", "b\tc")}},
		{name: "tab wins a tie in .tsv", file: "a.tsv", data: []byte("a,b\tc\n"),
			want: []Row{r(1, "a,b", "c")}},
		{name: "comma when more commas in .tsv", file: "a.tsv", data: []byte("a,b,c\td\n"),
			want: []Row{r(1, "a", "b", "c\td")}},
		{name: "a first line without delimiters is passed over", file: "a.csv", data: []byte("\n某县人员台账\n姓名\t备注\n测试\t太原,小店\n"),
			want: []Row{r(2, "某县人员台账"), r(3, "姓名", "备注"), r(4, "测试", "太原,小店")}},
		{name: "quoted commas do not count", file: "a.csv", data: []byte("\"a,b,c\"\td\n"),
			want: []Row{r(1, "a,b,c", "d")}},
		{name: "multi-line quoted fields", file: "a.csv",
			data: []byte("姓名,备注\n测试1,\"第一行\n第二行\"\n测试2,x\r\n\"多\r\n行\",y\n"),
			want: []Row{r(1, "姓名", "备注"), r(2, "测试1", "第一行\n第二行"), r(4, "测试2", "x"), r(5, "多\n行", "y")}},
		{name: "empty lines and empty-cell lines skipped", file: "a.csv", data: []byte("a,b\n,,\n\n\"\",\n1,2\n"),
			want: []Row{r(1, "a", "b"), r(5, "1", "2")}},
		{name: "trailing empty cells trimmed, middle kept", file: "a.csv", data: []byte("a,,b,,\n"),
			want: []Row{r(1, "a", "", "b")}},
		{name: "variable field counts", file: "a.csv", data: []byte("a,b,c\n1\n1,2,3,4\n"),
			want: []Row{r(1, "a", "b", "c"), r(2, "1"), r(3, "1", "2", "3", "4")}},
		{name: "sequence cut by the sniff window is still utf-8", file: "a.csv", data: []byte(cutPrefix + "测,y\n"),
			want: []Row{r(1, "h"), r(2, strings.Repeat("x", sniffSize-3)), r(3, "测", "y")}},
		{name: "empty file", file: "a.csv", data: nil, wantErr: ErrEmpty},

		{name: "invalid utf-8 declared", file: "人员台账.csv", enc: "utf-8",
			data: []byte("姓名,身份证号\n测试,1\n测试,\xff\xfe\n"), wantErr: ErrEncoding, row: 3, col: 2},
		{name: "invalid utf-8 after the sniff window", file: "a.csv",
			data: []byte(late + "ok,\"multi\nline\"\n测试,x\xC3\n"), wantErr: ErrEncoding, row: 2 + sniffSize/2 + 2, col: 2},
		{name: "gb18030 declared utf-8", file: "a.csv", enc: "utf-8",
			data: gb(t, "姓名,身份证号\n测试,1\n"), wantErr: ErrEncoding, row: 1, col: 1},
		{name: "invalid gb18030", file: "a.csv", enc: "gb18030",
			data: cat(gb(t, "姓名,备注\n测试,"), []byte{0xFF}, []byte("\n")), wantErr: ErrEncoding, row: 2, col: 2},
		{name: "utf-16 refused", file: "a.txt", data: []byte{0xFF, 0xFE, 'a', 0, '\n', 0}, wantErr: ErrEncoding, row: 1},
		{name: "bare quote", file: "a.csv", data: []byte("a,b\nx,y\"z\n"), wantErr: ErrSyntax, row: 2, col: 4},
		{name: "extraneous quote", file: "a.csv", data: []byte("a\n\"x\"y,z\n"), wantErr: ErrSyntax, row: 2, col: 3},
		{name: "unclosed quote", file: "a.csv", data: []byte("a\n\"x\ny\n"), wantErr: ErrSyntax, row: 3, col: 3},
		{name: "record at the limit", file: "a.csv", max: 5, data: []byte("abcd\nefgh\n"),
			want: []Row{r(1, "abcd"), r(2, "efgh")}},
		{name: "record over the limit", file: "a.csv", max: 5, data: []byte("abcd\n\nabcde\n"),
			wantErr: ErrTooLarge, row: 2},
		{name: "unclosed quote over the limit", file: "a.csv", max: 64,
			data: []byte("a,b\n1,\"" + strings.Repeat("x\n", 100)), wantErr: ErrTooLarge, row: 2},
		{name: "multi-line record then one over the limit", file: "a.csv", max: 16,
			data: []byte("\"a\nb\",c\n" + strings.Repeat("y", 20) + "\n"), wantErr: ErrTooLarge, row: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), tt.file, tt.data)
			got, err := collect(t, f, ReadOptions{Encoding: tt.enc, MaxRowBytes: tt.max})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %+v\nwant %+v", got, tt.want)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want *ParseError wrapping %v", err, tt.wantErr)
			}
			if pe.File != tt.file || pe.Row != tt.row || pe.Column != tt.col {
				t.Errorf("got %s at %q row %d column %d, want %q row %d column %d", err, pe.File, pe.Row, pe.Column, tt.file, tt.row, tt.col)
			}
		})
	}
}

// TestReadCSVErrorMessage: the position is in the message, the content not.
func TestReadCSVErrorMessage(t *testing.T) {
	tests := []struct{ data, want string }{
		{"姓名,身份证号\n测试,1\n测试,\xff\n", "人员台账.csv: row 3, column 2: ingest: invalid text encoding: invalid UTF-8"},
		{"a\n\"测试\n测试\n", `人员台账.csv: row 3, column 8: ingest: syntax error: extraneous or missing " in quoted-field (in the record starting on line 2)`},
		{"a\n测\"试\n", `人员台账.csv: row 2, column 4: ingest: syntax error: bare " in non-quoted-field`},
	}
	for _, tt := range tests {
		f := writeFile(t, t.TempDir(), "人员台账.csv", []byte(tt.data))
		_, err := collect(t, f, ReadOptions{Encoding: "utf-8"})
		if err == nil || err.Error() != tt.want {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
}

func TestLooksUTF8(t *testing.T) {
	tests := []struct {
		in   string
		cut  bool
		want bool
	}{
		{"abc", false, true},
		{"测试", false, true},
		{"测\xe8\xaf", true, true},   // 试 cut after two of its three bytes
		{"测\xe8\xaf", false, false}, // the same at the end of the file
		{"测\xe8", true, true},
		{"测\xf0\x9f\x98", true, true}, // a 4-byte sequence cut after three
		{"\xb2\xe2\xca\xd4", true, false},
		{"测\xff", true, false},
		{"ab\xe8\x41", true, false}, // a lead byte followed by ASCII is not a cut sequence
	}
	for _, tt := range tests {
		if got := looksUTF8([]byte(tt.in), tt.cut); got != tt.want {
			t.Errorf("looksUTF8(%q, %v) = %v, want %v", tt.in, tt.cut, got, tt.want)
		}
	}
}
