package sqlfiles

import "testing"

// TestExitsTieOnLastDay: a person whose two last postings end on the same
// day leaves by the reason, and from the county, of the posting with the
// higher village code, whatever order the rows are stored in (before, the
// choice between them was arbitrary).
func TestExitsTieOnLastDay(t *testing.T) {
	for _, order := range []string{"low first", "high first"} {
		t.Run(order, func(t *testing.T) {
			db := openFixture(t)
			rows := []string{
				`('P20', '140105001001', '140105001', '140105', 'open_recruit', 'direct', 'township', DATE '2021-01-01', DATE '2022-05-31', 'resigned', NULL)`,
				`('P20', '140123200201', '140123200', '140123', 'open_recruit', 'direct', 'township', DATE '2021-06-01', DATE '2022-05-31', 'transferred', NULL)`,
			}
			if order == "high first" {
				rows[0], rows[1] = rows[1], rows[0]
			}
			for _, r := range rows {
				if _, err := db.Exec("INSERT INTO fact_posting VALUES " + r); err != nil {
					t.Fatal(err)
				}
			}
			// P20 is the fixture's only exit on 31 May 2022.
			expect(t, db, `SELECT level, code, end_reason, exits FROM exits_between('2022-05-01', '2022-06-30') ORDER BY ALL`, `
				city|1401|transferred|1
				county|140123|transferred|1
				region|remote|transferred|1`)
			// 小店区's one resignation is the fixture's P2, not P20.
			expect(t, db, `SELECT exits FROM exits(as_of := '2022-07-01') WHERE level = 'county' AND code = '140105' AND end_reason = 'resigned'`, "1")
			expect(t, db, `SELECT exits FROM exits(as_of := '2022-07-01') WHERE level = 'county' AND code = '140123' AND end_reason = 'transferred'`, "1")
		})
	}
}
