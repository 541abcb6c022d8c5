package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ManifestFile is the name of the manifest in a release folder.
const ManifestFile = "manifest.json"

// ReadmeFile is the name of the data dictionary in a release folder.
const ReadmeFile = "README.md"

// researchIDRule says in the manifest how research_id is made.
const researchIDRule = "lowercase hex of HMAC-SHA256(export secret, person_key), 64 characters"

// Manifest is manifest.json: what a release holds and how to check it.
type Manifest struct {
	Release         string           `json:"release"`
	AsOf            string           `json:"as_of"`           // YYYY-MM-DD
	CreatedAt       string           `json:"created_at"`      // RFC 3339, UTC
	ProgramVersion  string           `json:"program_version"` // as `grassroots version` prints it (git describe, set at build)
	ConfigSHA256    string           `json:"config_sha256"`
	ResearchID      string           `json:"research_id"`
	K               int              `json:"k"`
	QuasiIDs        []string         `json:"quasi_identifiers"` // the k-anonymity group key
	Persons         int64            `json:"persons"`
	SuppressedCells map[string]int64 `json:"suppressed_cells"` // column -> values set to null
	Risk            *Risk            `json:"risk"`             // the residual risk, see docs/privacy.md
	Files           []FileEntry      `json:"files"`
	Tables          []TableEntry     `json:"tables"`
}

// FileEntry is one data file of a release.
type FileEntry struct {
	Path   string `json:"path"` // relative to the release folder, slash-separated
	Table  string `json:"table"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // lowercase hex
}

// TableEntry describes one table of a release.
type TableEntry struct {
	Name        string        `json:"name"`
	Title       Text          `json:"title"`
	Description Text          `json:"description"`
	Path        string        `json:"path"` // the file, or a glob over the partitions
	PartitionBy []string      `json:"partition_by,omitempty"`
	Rows        int64         `json:"rows"`
	Columns     []ColumnEntry `json:"columns"`
}

// ColumnEntry is one column: its DuckDB type as read_parquet returns it and
// its definition.
type ColumnEntry struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description Text   `json:"description"`
}

// ReadManifest reads dir/manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("export: %s: %w", ManifestFile, err)
	}
	return &m, nil
}

// tableEntries documents the tables written. They must be exactly the
// dictionary's: the same tables in the same order, each with the same
// columns in the same order and of the same types; any difference is an
// error (errDictionary).
func tableEntries(tables []table) ([]TableEntry, error) {
	if len(tables) != len(dictionary) {
		return nil, fmt.Errorf("%w: %d tables written, the dictionary has %d", errDictionary, len(tables), len(dictionary))
	}
	var out []TableEntry
	for i, t := range tables {
		doc := dictionary[i]
		if t.name != doc.Name {
			return nil, fmt.Errorf("%w: table %s written where the dictionary has %s", errDictionary, t.name, doc.Name)
		}
		if err := sameColumns(t, doc); err != nil {
			return nil, err
		}
		e := TableEntry{Name: t.name, Title: doc.Title, Description: doc.About, Path: t.name + ".parquet", Rows: t.rows}
		if t.partitionBy != "" {
			e.Path = t.name + "/*/*.parquet"
			e.PartitionBy = []string{t.partitionBy}
		}
		for j, c := range t.columns {
			e.Columns = append(e.Columns, ColumnEntry{Name: c.name, Type: c.typ, Description: doc.Columns[j].Text})
		}
		out = append(out, e)
	}
	return out, nil
}

// sameColumns says how a table's columns, as read back from its files,
// differ from its dictionary entry, if they do.
func sameColumns(t table, doc tableDoc) error {
	for j, c := range t.columns {
		if j >= len(doc.Columns) {
			return fmt.Errorf("%w: column %s.%s", errDictionary, t.name, c.name)
		}
		d := doc.Columns[j]
		if c.name != d.Name || c.typ != d.Type {
			return fmt.Errorf("%w: column %d of %s is %s %s, the dictionary says %s %s", errDictionary, j+1, t.name, c.name, c.typ, d.Name, d.Type)
		}
	}
	if len(t.columns) < len(doc.Columns) {
		return fmt.Errorf("%w: %s has no column %s", errDictionary, t.name, doc.Columns[len(t.columns)].Name)
	}
	return nil
}

// fileEntries measures and hashes the files written into dir.
func fileEntries(dir string, files []file) ([]FileEntry, error) {
	out := make([]FileEntry, 0, len(files))
	for _, f := range files {
		size, sum, err := hashFile(filepath.Join(dir, filepath.FromSlash(f.path)))
		if err != nil {
			return nil, err
		}
		out = append(out, FileEntry{Path: f.path, Table: f.table, Rows: f.rows, Bytes: size, SHA256: sum})
	}
	return out, nil
}

// hashFile returns a file's size and hex SHA-256.
func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// encode renders the manifest as indented JSON with a final newline.
func (m *Manifest) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
