// Package ingest offers the files of a county's source and reads them as raw
// rows with their positions.
//
// A Source (source.go) offers a county's files. A FolderSource lists a drop
// folder: settled files only, each with its SHA-256, refusing symbolic links;
// when archiving, loaded files move to archive/ and failed ones to failed/
// with the reason beside them. An HTTPSource pulls a county over HTTP (the
// feeds over HTTP are described in docs/feeds.md): files with ETag /
// Last-Modified, or a paged API with an updated_since cursor, with retries,
// backoff and Retry-After; a pull that fails half-way offers nothing, and the
// state to remember (NewState) is the caller's to store once its load
// commits. Read streams the rows of a file (CSV in UTF-8 or GB18030, XLSX,
// XLS through package ingest/xls, a JSON array, NDJSON) to a callback, one
// row at a time, so memory stays bounded by one row whatever the file's size
// (an .xls, a format of at most 65,536 rows, is read into memory whole).
// Date cells of a workbook arrive as ISO dates. Problems with a file's
// content are *ParseError values naming the file, sheet, row and column,
// never the content itself; a file of no bytes is ErrEmpty. ResendAdvice
// tells a clerk how to send again a file of a format not read.
//
// The package knows nothing of canonical columns or of the warehouse: which
// row is the header and what a cell means is for the caller to decide.
package ingest
