package sqlfiles

import (
	"database/sql"
	"fmt"
	"math"
	"testing"
)

// orderedRows runs q and returns its rows in order, each value as the
// driver scans it.
func orderedRows(t *testing.T, db *sql.DB, q string) [][]any {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameOrderedRows fails unless queries got and want return the same rows in
// the same order: floats within tol of each other, every other value (NULL
// included) equal, reporting the first five rows that differ. It returns the number of rows.
func sameOrderedRows(t *testing.T, db *sql.DB, got, want string, tol float64) int {
	t.Helper()
	a, b := orderedRows(t, db, got), orderedRows(t, db, want)
	if len(a) != len(b) {
		t.Errorf("%s: %d rows, %s: %d rows", got, len(a), want, len(b))
		return len(a)
	}
	bad := 0
	for i := range a {
		if bad == 5 {
			t.Errorf("%s: more rows differ", got)
			break
		}
		if len(a[i]) != len(b[i]) {
			t.Fatalf("%s: %d columns, %s: %d", got, len(a[i]), want, len(b[i]))
		}
		for j := range a[i] {
			x, xf := a[i][j].(float64)
			y, yf := b[i][j].(float64)
			same := fmt.Sprint(a[i][j]) == fmt.Sprint(b[i][j])
			if xf && yf {
				same = math.Abs(x-y) <= tol
			}
			if !same {
				t.Errorf("%s, row %d: %v; %s: %v", got, i+1, a[i], want, b[i])
				bad++
				break
			}
		}
	}
	return len(a)
}
