// Package piitest reads the personal data of a warehouse back in the clear,
// for tests of encryption at rest and of rekeying. It is for tests only.
package piitest

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver

	"github.com/grassroots-cn/grassroots/internal/piicrypt"
)

// Stored reads every personal value of pii_person and pii_person_history of
// the warehouse at path, decrypted with c, keyed by table, row and column
// ("now|<person_key>|name", "hist|<person_key>|<valid_from>|phone"); a NULL
// is "<NULL>". A value c cannot open is returned as an error wrapping
// piicrypt.ErrOpen (a test of a wrong key asserts it); any other failure
// fails tb.
func Stored(tb testing.TB, path string, c *piicrypt.Cipher) (map[string]string, error) {
	tb.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	for _, q := range []string{
		"SELECT 'now|' || person_key, name, id_number, phone FROM pii_person",
		"SELECT 'hist|' || person_key || '|' || valid_from, name, id_number, phone FROM pii_person_history",
	} {
		rows, err := db.Query(q)
		if err != nil {
			tb.Fatal(err)
		}
		for rows.Next() {
			var k string
			var v [3]sql.NullString
			if err := rows.Scan(&k, &v[0], &v[1], &v[2]); err != nil {
				tb.Fatal(err)
			}
			for i, col := range []string{"name", "id_number", "phone"} {
				if !v[i].Valid {
					out[k+"|"+col] = "<NULL>"
					continue
				}
				p, err := c.Open(v[i].String)
				if err != nil {
					rows.Close()
					return nil, fmt.Errorf("%s %s: %w", k, col, err)
				}
				out[k+"|"+col] = p
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			tb.Fatal(err)
		}
	}
	if len(out) == 0 {
		tb.Fatal("piitest: pii_person is empty")
	}
	return out, nil
}
