// Package clerkform writes the county clerks' fill-in workbook (填报模板.xlsx):
// one sheet per county record type with the canonical Chinese headers, the
// required columns marked, drop-down lists with exactly the values the
// normaliser accepts (taken from package transform, never copied here),
// date, ID-number, year and amount validations, and, for one county, its
// own townships and villages on a protected list sheet feeding the
// drop-downs. A 填表说明 sheet explains it all in Chinese with an example row
// per sheet. The workbook loads as it is: docs/feeds.md, 填报模板.
package clerkform

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/transform"
)

// DefaultRows is how many data rows of each sheet carry the validations and formats.
const DefaultRows = 10000

// Options choose what the workbook holds.
type Options struct {
	// City is the city's name, shown on the instruction sheet.
	City string
	// County, when set, makes the workbook that county's: its name is the
	// only value of the county column, and its townships and villages (from
	// Townships and Villages) feed the township and village drop-downs.
	County *canon.County
	// Counties, Townships and Villages are the city's division lists (the
	// current ones); they may be empty for a workbook of the whole city.
	Counties  []canon.County
	Townships []canon.Township
	Villages  []canon.Village
	// Rows is how many data rows carry the validations (default DefaultRows).
	Rows int
}

// ErrNoDivisions is returned for a county the division lists do not hold.
var ErrNoDivisions = errors.New("clerkform: the county has no villages in the division lists")

// Write writes the workbook to w.
func Write(w io.Writer, opts Options) error {
	f, err := Build(opts)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("clerkform: write the workbook: %w", err)
	}
	return nil
}

// Build makes the workbook in memory (the caller closes it).
func Build(opts Options) (*excelize.File, error) {
	if opts.Rows <= 0 {
		opts.Rows = DefaultRows
	}
	b := &builder{f: excelize.NewFile(), opts: opts}
	if err := b.build(); err != nil {
		b.f.Close()
		return nil, err
	}
	return b.f, nil
}

type builder struct {
	f      *excelize.File
	opts   Options
	lists  *lists
	styles styles
}

func (b *builder) build() error {
	if err := b.f.SetSheetName("Sheet1", transform.InstructionSheet); err != nil {
		return fmt.Errorf("clerkform: %w", err)
	}
	var err error
	if b.styles, err = newStyles(b.f); err != nil {
		return err
	}
	// The data sheets come first, then the list sheet, in the tab order.
	for _, rt := range canon.CountyTypes {
		if _, err := b.f.NewSheet(rt.SheetName()); err != nil {
			return fmt.Errorf("clerkform: %w", err)
		}
	}
	if b.lists, err = newLists(b.f, b.opts); err != nil {
		return err
	}
	for _, rt := range canon.CountyTypes {
		if err := b.dataSheet(rt); err != nil {
			return fmt.Errorf("clerkform: sheet %s: %w", rt.SheetName(), err)
		}
	}
	if err := b.lists.finish(); err != nil {
		return err
	}
	if err := b.guide(); err != nil {
		return fmt.Errorf("clerkform: sheet %s: %w", transform.InstructionSheet, err)
	}
	b.f.SetActiveSheet(0)
	return nil
}

// styles are the workbook's cell styles.
type styles struct {
	header, required, date, text, whole, amount, title, bold, wrap int
}

func newStyles(f *excelize.File) (styles, error) {
	border := []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}
	dateFmt := "yyyy-mm-dd"
	defs := []*excelize.Style{
		{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, Border: border,
			Alignment: &excelize.Alignment{Horizontal: "center", WrapText: true}},
		{Font: &excelize.Font{Bold: true, Color: "C00000"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4D6"}}, Border: border,
			Alignment: &excelize.Alignment{Horizontal: "center", WrapText: true}},
		{CustomNumFmt: &dateFmt},
		{NumFmt: 49}, // @: text
		{NumFmt: 1},  // 0
		{NumFmt: 2},  // 0.00
		{Font: &excelize.Font{Bold: true, Size: 14}},
		{Font: &excelize.Font{Bold: true}},
		{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}},
	}
	ids := make([]int, len(defs))
	for i, d := range defs {
		id, err := f.NewStyle(d)
		if err != nil {
			return styles{}, fmt.Errorf("clerkform: style: %w", err)
		}
		ids[i] = id
	}
	return styles{ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7], ids[8]}, nil
}

// excelSerial is the Excel serial number of a day (the 1900 date system,
// which counts a 29 February 1900 that never was: days before 1 March 1900
// are one less).
func excelSerial(y int, m time.Month, d int) int {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	// Unix seconds, not a time.Duration: 300 years overflow a Duration.
	n := int((t.Unix() - time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Unix()) / 86400)
	if t.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) {
		n--
	}
	return n
}
