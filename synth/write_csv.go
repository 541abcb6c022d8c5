package synth

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// divisionsHeader is the header of the city's village list.
var divisionsHeader = []string{"村社区代码", "村社区名称", "乡镇代码", "乡镇名称", "县区代码", "县区名称", "城乡分类代码", "成立日期", "撤销日期"}

// writeDivisions writes every division of the city as UTF-8 CSV.
func writeDivisions(path string, c *city) error {
	return writeFile(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(divisionsHeader); err != nil {
			return err
		}
		opt := func(d date) string {
			if d == 0 {
				return ""
			}
			return formISO.formatDate(d)
		}
		for _, ct := range c.counties {
			for _, v := range ct.divs {
				t := v.township
				rec := []string{v.code, v.name, t.code, t.name, ct.code, ct.name, v.urbanRural, opt(v.established), opt(v.dissolved)}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
		cw.Flush()
		return cw.Error()
	})
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
				rec[i] = sh.text(c, n)
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
