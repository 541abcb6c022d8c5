package synth

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// divisionsHeader is the header of the list of villages and communities.
var divisionsHeader = []string{"村社区代码", "村社区名称", "乡镇代码", "乡镇名称", "县区代码", "县区名称", "城乡分类代码", "成立日期", "撤销日期"}

// writeDivisions writes the divisions file as UTF-8 CSV: its header, then
// the rows fill writes, as they come.
func writeDivisions(path string, fill func(*csv.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("synth: write %s: %w", path, cerr)
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(divisionsHeader); err != nil {
		return fmt.Errorf("synth: write %s: %w", path, err)
	}
	if err := fill(cw); err != nil {
		return err
	}
	cw.Flush()
	if err := cmp.Or(cw.Error(), bw.Flush()); err != nil {
		return fmt.Errorf("synth: write %s: %w", path, err)
	}
	return nil
}

// divisionRows renders every division of a city as rows of the divisions file.
func divisionRows(c *city) [][]string {
	opt := func(d date) string {
		if d == 0 {
			return ""
		}
		return formISO.formatDate(d)
	}
	var out [][]string
	for _, ct := range c.counties {
		for _, v := range ct.divs {
			t := v.township
			out = append(out, []string{v.code, v.name, t.code, t.name, ct.code, ct.name, v.urbanRural, opt(v.established), opt(v.dissolved)})
		}
	}
	return out
}

// writeCSV writes a table as comma- or tab-separated text in the county's
// encoding, with or without a byte-order mark and CRLF line ends.
func writeCSV(path string, sh *shape, t *table) error {
	return writeFile(path, func(w io.Writer) (err error) {
		if sh.gb18030 {
			tw := transform.NewWriter(w, simplifiedchinese.GB18030.NewEncoder())
			defer func() { err = errors.Join(err, tw.Close()) }()
			w = tw
		}
		if sh.bom {
			if _, err := io.WriteString(w, "\ufeff"); err != nil {
				return err
			}
		}
		cw := csv.NewWriter(w)
		cw.Comma = sh.comma
		cw.UseCRLF = sh.crlf
		rec := make([]string, len(t.cols))
		for i, c := range t.cols {
			rec[i] = c.header
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		for n, row := range t.rows {
			for i, c := range row {
				rec[i] = sh.text(c, t.original(n))
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// writeFile creates path and hands fill a buffered writer to it.
func writeFile(path string, fill func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	err = fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("synth: write %s: %w", path, err)
	}
	return nil
}
