// Package feedback writes the feedback workbook a county receives after a
// run that read its files: 问题清单_<county code>_<yyyymmdd>.xlsx, one row
// per rejected row, per finding and per file the run refused or could not
// read, each with its file, sheet, row and column, the value as masked in
// etl_reject, the reason in plain Chinese and what to do; and a summary
// sheet by reason. docs/feeds.md (问题清单（反馈）) describes it for the
// clerks.
//
// The catalogue (Explain) holds the Chinese text of every reject reason and
// finding code; a test holds it against the code tables of docs/feeds.md.
// The workbook never holds more personal data than etl_reject keeps: values
// come only from etl_reject.raw_masked, and of a finding only what names no
// person (the village, a posting's start date, a column's header).
//
// It reads the warehouse through the small Querier interface (a
// *warehouse.Reader is one), so that it does not link DuckDB itself.
package feedback
