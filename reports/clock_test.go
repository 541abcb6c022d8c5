package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReportSameUnderTwoClocks writes the sample report for 2022-07 with
// the clock at 2022-08-01 and at 2026-12-05: the HTML and the workbook are
// byte-identical, and so is the PDF once its two metadata dates are
// blanked, which carry the clock (and differ, which shows the clock was
// used).
func TestReportSameUnderTwoClocks(t *testing.T) {
	bin := browserOrSkip(t)
	pdftotext := toolOrSkip(t, "pdftotext")
	clocks := []func() time.Time{fixedClock(2022, 8, 1), fixedClock(2026, 12, 5)}
	var got [2]map[string][]byte
	for i, now := range clocks {
		out := t.TempDir()
		files, err := WriteWith(context.Background(), out, sampleReport(), []string{FormatHTML, FormatXLSX, FormatPDF}, Options{Now: now, Chromium: bin})
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 3 {
			t.Fatalf("clock %d: wrote %q, want three files", i, files)
		}
		got[i] = map[string][]byte{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got[i][filepath.Base(f)] = b
		}
	}
	for _, name := range []string{"report.html", "report.xlsx"} {
		if a, b := got[0][name], got[1][name]; len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the clocks (%d and %d bytes)", name, len(a), len(b))
		}
	}
	a, b := got[0][PDFFile], got[1][PDFFile]
	for i, want := range []string{"D:20220801000000", "D:20261205000000"} {
		if n := bytes.Count(got[i][PDFFile], []byte(want)); n != 2 {
			t.Errorf("PDF %d carries %s %d times, want twice (CreationDate and ModDate)", i, want, n)
		}
	}
	if bytes.Equal(a, b) {
		t.Error("the two PDFs are equal: the clock did not reach their metadata")
	}
	blank := regexp.MustCompile(`/(CreationDate|ModDate) \(D:[^)]*\)`)
	if !bytes.Equal(blank.ReplaceAll(a, nil), blank.ReplaceAll(b, nil)) {
		t.Error("the PDFs differ in more than their creation and modification dates")
	}
	var texts [2]string
	for i := range got {
		file := filepath.Join(t.TempDir(), "report.pdf")
		if err := os.WriteFile(file, got[i][PDFFile], 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		texts[i] = string(out)
	}
	if texts[0] != texts[1] || len(texts[0]) < 1000 {
		t.Errorf("the PDFs' texts differ (or are nearly empty: %d bytes)", len(texts[0]))
	}
}

// TestStampPDF sets the dates of a document information dictionary and
// keeps the length of each, so that the cross-reference offsets hold.
func TestStampPDF(t *testing.T) {
	in := []byte("1 0 obj\n<</Producer (Skia/PDF m156)\n/CreationDate (D:20261205051234+00'00')\n/ModDate (D:20261205051234Z)>>\nendobj\n")
	want := []byte("1 0 obj\n<</Producer (Skia/PDF m156)\n/CreationDate (D:20220801000000+00'00')\n/ModDate (D:20220801000000Z)>>\nendobj\n")
	// 08:00 in Beijing is midnight UTC.
	got := StampPDF(in, time.Date(2022, 8, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	if !bytes.Equal(got, want) {
		t.Errorf("StampPDF:\n got %s\nwant %s", got, want)
	}
	if len(got) != len(in) {
		t.Errorf("length %d, want %d", len(got), len(in))
	}
}

// TestWritePDFWithoutChromium asks for all three formats with a browser
// that does not exist: the HTML and the workbook are written, and the
// error names the packages to install.
func TestWritePDFWithoutChromium(t *testing.T) {
	t.Setenv(ChromiumEnv, filepath.Join(t.TempDir(), "no-chromium"))
	out := t.TempDir()
	files, err := WriteWith(context.Background(), out, sampleReport(), []string{FormatHTML, FormatXLSX, FormatPDF}, Options{})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("apt-get install chromium fonts-noto-cjk")) {
		t.Fatalf("error %v, want one naming apt-get install chromium fonts-noto-cjk", err)
	}
	want := []string{filepath.Join(out, "2022-07", "report.html"), filepath.Join(out, "2022-07", "report.xlsx")}
	if len(files) != 2 || files[0] != want[0] || files[1] != want[1] {
		t.Fatalf("files %q, want %q", files, want)
	}
	for _, f := range want {
		if st, err := os.Stat(f); err != nil || st.Size() < 1000 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "2022-07", PDFFile)); !os.IsNotExist(err) {
		t.Errorf("a PDF exists: %v", err)
	}
}

// TestStableNodeIDs renumbers the structure elements' identifiers by rank,
// each time the same for the same order, whatever the node numbers.
func TestStableNodeIDs(t *testing.T) {
	a := []byte("/ID (node00000402)>> /ID (node00000118)>> /Names [(node00000118) 485 0 R (node00000402) 487 0 R] (node1)")
	b := []byte("/ID (node00000403)>> /ID (node00000117)>> /Names [(node00000117) 485 0 R (node00000403) 487 0 R] (node1)")
	want := []byte("/ID (node00000002)>> /ID (node00000001)>> /Names [(node00000001) 485 0 R (node00000002) 487 0 R] (node1)")
	for _, in := range [][]byte{a, b} {
		if got := stableNodeIDs(in); !bytes.Equal(got, want) {
			t.Errorf("stableNodeIDs(%s) =\n%s\nwant\n%s", in, got, want)
		}
	}
}

// TestPDFOfEmptyReport prints a report without data (no charts drawn): the
// PDF is still written, with its title.
func TestPDFOfEmptyReport(t *testing.T) {
	bin := browserOrSkip(t)
	pdftotext := toolOrSkip(t, "pdftotext")
	d := &ReportData{Period: "2022-07", AsOf: "2022-07-31", PrevAsOf: "2022-06-30", YearAgoAsOf: "2021-07-31", CityName: "太原市", QuotaYear: 2022}
	files, err := WriteWith(context.Background(), t.TempDir(), d, []string{FormatPDF}, Options{Chromium: bin})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("files %q", files)
	}
	if text := pdfPlainText(t, pdftotext, files[0]); !strings.Contains(text, "太原市") || !strings.Contains(text, "暂无数据") {
		t.Errorf("the empty report's PDF reads:\n%s", text)
	}
}
