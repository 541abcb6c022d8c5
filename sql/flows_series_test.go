package sqlfiles

import (
	"database/sql"
	"strings"
	"testing"
)

// seriesFixture is a small city for flows() as a series and for
// subsidy_usage() by cohort: three counties, 甲县 140101, 乙县 140102 and
// 丙县 140103. Postings (end_date is the first day no longer in post):
//
//	a1 140101 2021-01-01 –
//	a2 140101 2021-06-01 – 2021-12-01 resigned
//	a3 140101 2021-11-20 – 2022-03-31 transferred (ends on the last day of a quarter)
//	a4 140101 2022-04-01 –
//	b1 140102 2020-09-01 – 2021-11-10 other (before the window)
//	b2 140102 2021-11-01 – 2022-02-01 blank reason
//	b3 140102 2021-11-15 – (starts on the window's first day)
//	b4 140102 2022-02-01 – 2022-04-20 civil_service (ends on the window's last day)
//	b5 140102 2022-04-21 – (after the window)
//	c1 140103 2021-03-01 – 2021-11-14 promoted (not in post on 11-14)
//	c2 140103 2021-12-31 – 2022-01-01 no reason (one day, across a year end)
//	c3 140103 2021-05-01 – 2021-11-15 resigned (ends on the window's first day)
const seriesFixture = `
INSERT INTO etl_setting VALUES ('city_code', '1401'), ('city_name', '太原市');
INSERT INTO dim_county VALUES ('140101', '甲县', 'remote'), ('140102', '乙县', 'developed'), ('140103', '丙县', 'remote');
INSERT INTO fact_posting (person_key, village_code, township_code, county_code, channel, quota_source, start_date, end_date, end_reason) VALUES
	('a1', '140101001001', '140101001', '140101', 'x', 'township', DATE '2021-01-01', NULL, NULL),
	('a2', '140101001002', '140101001', '140101', 'x', 'township', DATE '2021-06-01', DATE '2021-12-01', 'resigned'),
	('a3', '140101001003', '140101001', '140101', 'x', 'township', DATE '2021-11-20', DATE '2022-03-31', 'transferred'),
	('a4', '140101001004', '140101001', '140101', 'x', 'township', DATE '2022-04-01', NULL, NULL),
	('b1', '140102001001', '140102001', '140102', 'x', 'township', DATE '2020-09-01', DATE '2021-11-10', 'other'),
	('b2', '140102001002', '140102001', '140102', 'x', 'township', DATE '2021-11-01', DATE '2022-02-01', '  '),
	('b3', '140102001003', '140102001', '140102', 'x', 'township', DATE '2021-11-15', NULL, NULL),
	('b4', '140102001004', '140102001', '140102', 'x', 'township', DATE '2022-02-01', DATE '2022-04-20', 'civil_service'),
	('b5', '140102001005', '140102001', '140102', 'x', 'township', DATE '2022-04-21', NULL, NULL),
	('c1', '140103001001', '140103001', '140103', 'x', 'township', DATE '2021-03-01', DATE '2021-11-14', 'promoted'),
	('c2', '140103001002', '140103001', '140103', 'x', 'township', DATE '2021-12-31', DATE '2022-01-01', NULL),
	('c3', '140103001003', '140103001', '140103', 'x', 'township', DATE '2021-05-01', DATE '2021-11-15', 'resigned');
`

// openSeries is a fresh in-memory warehouse with seriesFixture.
func openSeries(t *testing.T) *sql.DB {
	t.Helper()
	db := openFresh(t)
	if _, err := db.Exec(seriesFixture); err != nil {
		t.Fatal(err)
	}
	return db
}

// seriesCols are flows()' columns but level and name, for the series tests.
const seriesCols = `SELECT code, first_day, last_day, in_post_start, started, ended, ended_resigned, ended_transferred,
	ended_civil_service, ended_promoted, ended_other, ended_unspecified, net_change, in_post_end FROM flows`

// The window of the series tests starts mid-month and ends mid-month:
// 2021-11-15 – 2022-04-20. In post on 11-14: 140101 a1 a2; 140102 b2 (b1
// left 11-10, b3 starts 11-15); 140103 c3 (c1's end 11-14 is the first day
// out). Columns: code, first, last, start, started, ended, resigned,
// transferred, civil_service, promoted, other, unspecified, net, end.
func TestFlowsByMonth(t *testing.T) {
	db := openSeries(t)
	// Nov (partial): a3 and b3 start, c3 ends (resigned). Dec: c2 starts,
	// a2 ends (resigned). Jan: c2 ends (no reason: unspecified). Feb: b4
	// starts, b2 ends (blank: unspecified). Mar: a3 ends on 03-31
	// (transferred), not in post on the 31st. Apr (to the 20th): a4
	// starts, b4 ends (civil_service); b5 starts after the window.
	expect(t, db, seriesCols+"('2021-11-15', '2022-04-20')", `
		1401|2021-11-15|2021-11-30|4|2|1|1|0|0|0|0|0|1|5
		140101|2021-11-15|2021-11-30|2|1|0|0|0|0|0|0|0|1|3
		140102|2021-11-15|2021-11-30|1|1|0|0|0|0|0|0|0|1|2
		140103|2021-11-15|2021-11-30|1|0|1|1|0|0|0|0|0|-1|0
		1401|2021-12-01|2021-12-31|5|1|1|1|0|0|0|0|0|0|5
		140101|2021-12-01|2021-12-31|3|0|1|1|0|0|0|0|0|-1|2
		140102|2021-12-01|2021-12-31|2|0|0|0|0|0|0|0|0|0|2
		140103|2021-12-01|2021-12-31|0|1|0|0|0|0|0|0|0|1|1
		1401|2022-01-01|2022-01-31|5|0|1|0|0|0|0|0|1|-1|4
		140101|2022-01-01|2022-01-31|2|0|0|0|0|0|0|0|0|0|2
		140102|2022-01-01|2022-01-31|2|0|0|0|0|0|0|0|0|0|2
		140103|2022-01-01|2022-01-31|1|0|1|0|0|0|0|0|1|-1|0
		1401|2022-02-01|2022-02-28|4|1|1|0|0|0|0|0|1|0|4
		140101|2022-02-01|2022-02-28|2|0|0|0|0|0|0|0|0|0|2
		140102|2022-02-01|2022-02-28|2|1|1|0|0|0|0|0|1|0|2
		140103|2022-02-01|2022-02-28|0|0|0|0|0|0|0|0|0|0|0
		1401|2022-03-01|2022-03-31|4|0|1|0|1|0|0|0|0|-1|3
		140101|2022-03-01|2022-03-31|2|0|1|0|1|0|0|0|0|-1|1
		140102|2022-03-01|2022-03-31|2|0|0|0|0|0|0|0|0|0|2
		140103|2022-03-01|2022-03-31|0|0|0|0|0|0|0|0|0|0|0
		1401|2022-04-01|2022-04-20|3|1|1|0|0|1|0|0|0|0|3
		140101|2022-04-01|2022-04-20|1|1|0|0|0|0|0|0|0|1|2
		140102|2022-04-01|2022-04-20|2|0|1|0|0|1|0|0|0|-1|1
		140103|2022-04-01|2022-04-20|0|0|0|0|0|0|0|0|0|0|0`)
	// by := 'month' is the default.
	a := table(t, db, "SELECT * FROM flows('2021-11-15', '2022-04-20')")
	if b := table(t, db, "SELECT * FROM flows('2021-11-15', '2022-04-20', by := 'month')"); a != b {
		t.Errorf("by := 'month' differs from the default:\n%s\n%s", b, a)
	}
	// Level and name as in the one-period form.
	expect(t, db, "SELECT DISTINCT level, code, name FROM flows('2021-11-15', '2022-04-20') ORDER BY code", `
		city|1401|太原市
		county|140101|甲县
		county|140102|乙县
		county|140103|丙县`)
}

func TestFlowsByQuarter(t *testing.T) {
	db := openSeries(t)
	// Q4 2021 from 11-15: a3 b3 c2 start; c3 and a2 end (resigned). Q1
	// 2022: b4 starts; c2 and b2 end unspecified, a3 transferred on 03-31.
	// Q2 to 04-20: April above.
	expect(t, db, seriesCols+"('2021-11-15', '2022-04-20', by := 'quarter')", `
		1401|2021-11-15|2021-12-31|4|3|2|2|0|0|0|0|0|1|5
		140101|2021-11-15|2021-12-31|2|1|1|1|0|0|0|0|0|0|2
		140102|2021-11-15|2021-12-31|1|1|0|0|0|0|0|0|0|1|2
		140103|2021-11-15|2021-12-31|1|1|1|1|0|0|0|0|0|0|1
		1401|2022-01-01|2022-03-31|5|1|3|0|1|0|0|0|2|-2|3
		140101|2022-01-01|2022-03-31|2|0|1|0|1|0|0|0|0|-1|1
		140102|2022-01-01|2022-03-31|2|1|1|0|0|0|0|0|1|0|2
		140103|2022-01-01|2022-03-31|1|0|1|0|0|0|0|0|1|-1|0
		1401|2022-04-01|2022-04-20|3|1|1|0|0|1|0|0|0|0|3
		140101|2022-04-01|2022-04-20|1|1|0|0|0|0|0|0|0|1|2
		140102|2022-04-01|2022-04-20|2|0|1|0|0|1|0|0|0|-1|1
		140103|2022-04-01|2022-04-20|0|0|0|0|0|0|0|0|0|0|0`)
}

func TestFlowsByYear(t *testing.T) {
	db := openSeries(t)
	// 2021 from 11-15: the fourth quarter above. 2022 to 04-20: a4 and b4
	// start; c2 and b2 end unspecified, a3 transferred, b4 civil_service.
	expect(t, db, seriesCols+"('2021-11-15', '2022-04-20', by := 'year')", `
		1401|2021-11-15|2021-12-31|4|3|2|2|0|0|0|0|0|1|5
		140101|2021-11-15|2021-12-31|2|1|1|1|0|0|0|0|0|0|2
		140102|2021-11-15|2021-12-31|1|1|0|0|0|0|0|0|0|1|2
		140103|2021-11-15|2021-12-31|1|1|1|1|0|0|0|0|0|0|1
		1401|2022-01-01|2022-04-20|5|2|4|0|1|1|0|0|2|-2|3
		140101|2022-01-01|2022-04-20|2|1|1|0|1|0|0|0|0|0|2
		140102|2022-01-01|2022-04-20|2|1|2|0|0|1|0|0|1|-1|1
		140103|2022-01-01|2022-04-20|1|0|1|0|0|0|0|0|1|-1|0`)
}

func TestFlowsByAll(t *testing.T) {
	db := openSeries(t)
	// The whole window: a3 b3 c2 b4 a4 start; c3 a2 (resigned), c2 b2
	// (unspecified), a3 (transferred), b4 (civil_service) end. In post on
	// 04-20: a1 a4; b3.
	expect(t, db, seriesCols+"('2021-11-15', '2022-04-20', by := 'all')", `
		1401|2021-11-15|2022-04-20|4|5|6|2|1|1|0|0|2|-1|3
		140101|2021-11-15|2022-04-20|2|2|2|1|1|0|0|0|0|0|2
		140102|2021-11-15|2022-04-20|1|2|2|0|0|1|0|0|1|0|1
		140103|2021-11-15|2022-04-20|1|1|2|1|0|0|0|0|1|-1|0`)
	// Within one calendar month, whole or in part, every by gives one
	// period, the default's.
	for _, w := range []string{"'2022-02-01', '2022-02-28'", "DATE '2022-02-10', DATE '2022-02-20'", "'2021-12-31', '2021-12-31'"} {
		want := table(t, db, "SELECT * FROM flows("+w+")")
		if n := strings.Count(want, "\n") + 1; n != 4 {
			t.Errorf("flows(%s): %d rows, want 4", w, n)
		}
		for _, by := range []string{"month", "quarter", "year", "all"} {
			if got := table(t, db, "SELECT * FROM flows("+w+", by := '"+by+"')"); got != want {
				t.Errorf("flows(%s, by := '%s'):\n%s\nthe default:\n%s", w, by, got, want)
			}
		}
	}
	// 02-10 – 02-20: b2 ended 02-01 and b4 started 02-01, before the
	// period; nobody starts or ends.
	expect(t, db, seriesCols+"('2022-02-10', '2022-02-20') WHERE code = '1401'", `
		1401|2022-02-10|2022-02-20|4|0|0|0|0|0|0|0|0|0|4`)
}

func TestFlowsByOther(t *testing.T) {
	db := openSeries(t)
	for _, by := range []string{"'week'", "'Month'", "NULL"} {
		_, err := db.Exec("SELECT * FROM flows('2021-11-15', '2022-04-20', by := " + by + ")")
		if err == nil || !strings.Contains(err.Error(), "by must be month, quarter, year or all") {
			t.Errorf("by := %s: error %v, want one naming the allowed values", by, err)
		}
	}
}
