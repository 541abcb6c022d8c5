package sqlfiles

import (
	"strings"
	"testing"
)

// subsidyFixture adds persons and payments to seriesFixture's counties for
// subsidy_usage() by cohort (entry = first start_date; five years after
// entry the ceiling no longer counts a payment):
//
//	S1 140101 entry 2018-03-01, in post: 100,000 2018-06-01, 120,000
//	   2020-01-10, 100,000 2023-02-28 (within five years: 320,000, over the
//	   ceiling), 50,000 2023-03-01 (entry + 5 years: not within)
//	S2 140102 2018-09-01 – 2020-09-01, then 140101 from 2021-01-01:
//	   300,000 2019-03-01, 20,000 2023-10-01 (after year five)
//	S3 140102 entry 2019-05-01: 10,000 2019-06-01, 5,000 2024-03-01
//	S4 140103 2019-07-01 – 2021-07-01: 40,000 2020-01-01
//	S5 140103 entry 2019-12-31: nothing paid
//	S8 140103 entry 2021-03-01: nothing paid
//	S6 140101 entry 2024-02-01: 2,000 2024-06-01; 9,000 2024-07-01 (after as_of)
//	S7 140102 entry 2025-01-01: 1,000 2024-12-01 (posted after the day: no row)
//	SX never posted: 1,000 2020-01-01 (no row)
const subsidyFixture = `
DELETE FROM fact_posting;
INSERT INTO fact_posting (person_key, village_code, township_code, county_code, channel, quota_source, start_date, end_date, end_reason) VALUES
	('S1', '140101001001', '140101001', '140101', 'x', 'township', DATE '2018-03-01', NULL, NULL),
	('S2', '140102001001', '140102001', '140102', 'x', 'township', DATE '2018-09-01', DATE '2020-09-01', 'transferred'),
	('S2', '140101001002', '140101001', '140101', 'x', 'township', DATE '2021-01-01', NULL, NULL),
	('S3', '140102001002', '140102001', '140102', 'x', 'township', DATE '2019-05-01', NULL, NULL),
	('S4', '140103001001', '140103001', '140103', 'x', 'township', DATE '2019-07-01', DATE '2021-07-01', 'resigned'),
	('S5', '140103001002', '140103001', '140103', 'x', 'township', DATE '2019-12-31', NULL, NULL),
	('S8', '140103001003', '140103001', '140103', 'x', 'township', DATE '2021-03-01', NULL, NULL),
	('S6', '140101001003', '140101001', '140101', 'x', 'township', DATE '2024-02-01', NULL, NULL),
	('S7', '140102001003', '140102001', '140102', 'x', 'township', DATE '2025-01-01', NULL, NULL);
INSERT INTO fact_subsidy VALUES
	('S1', DATE '2018-06-01', 'housing', 100000.00), ('S1', DATE '2020-01-10', 'housing', 120000.00),
	('S1', DATE '2023-02-28', 'living', 100000.00), ('S1', DATE '2023-03-01', 'living', 50000.00),
	('S2', DATE '2019-03-01', 'housing', 300000.00), ('S2', DATE '2023-10-01', 'living', 20000.00),
	('S3', DATE '2019-06-01', 'living', 10000.00), ('S3', DATE '2024-03-01', 'living', 5000.00),
	('S4', DATE '2020-01-01', 'living', 40000.00),
	('S6', DATE '2024-06-01', 'living', 2000.00), ('S6', DATE '2024-07-01', 'living', 9000.00),
	('S7', DATE '2024-12-01', 'living', 1000.00), ('SX', DATE '2020-01-01', 'living', 1000.00);
`

// Columns: level, code, name, paid_this_year, paid_to_date, persons,
// per_person, at_or_over_ceiling, max_share_of_ceiling, share_of_ceiling.
// On 2024-06-30, per person: S1 to date 370,000, this year 0, within five
// years 320,000 (share 1.032258); S2 320,000, 0, 300,000 (0.967742); S3
// 15,000, 5,000, 15,000 (0.048387); S4 40,000, 0, 40,000 (0.129032); S6
// 2,000, 2,000, 2,000 (0.006452).
func TestSubsidyUsageByCohort(t *testing.T) {
	db := openSeries(t)
	if _, err := db.Exec(subsidyFixture); err != nil {
		t.Fatal(err)
	}
	// City: S1 S2 S3 S4 S6, 747,000 over 5 = 149,400; this year 7,000; S1
	// at the ceiling; 747,000 / (5 × 310,000) = 0.481935.
	// 2018 (S1 S2): 690,000 over 2 = 345,000; 690,000 / 620,000 = 1.112903.
	// 2019 (S3 S4; S5 unpaid): 55,000 over 2 = 27,500; this year 5,000;
	// largest 40,000 / 310,000; 55,000 / 620,000 = 0.088710.
	// 2021 (S8 unpaid): a row of zeros. 2024 (S6): 2,000; 2025 (S7) is
	// after the day.
	expect(t, db, "SELECT * FROM subsidy_usage('2024-06-30', by := 'cohort')", `
		city|1401|太原市|7000.000000|747000.000000|5|149400.000000|1|1.032258|0.481935
		cohort|2018|2018年|0.000000|690000.000000|2|345000.000000|1|1.032258|1.112903
		cohort|2019|2019年|5000.000000|55000.000000|2|27500.000000|0|0.129032|0.088710
		cohort|2021|2021年|0.000000|0.000000|0|NULL|0|NULL|NULL
		cohort|2024|2024年|2000.000000|2000.000000|1|2000.000000|0|0.006452|0.006452`)
	// By county (the default): S2 counts in 140101, where it is in post.
	// 140101 S1 S2 S6: 692,000 over 3 = 230,666.67; 692,000 / 930,000 =
	// 0.744086. 140102 S3. 140103 S4 (S5, S8 unpaid).
	want := `
		city|1401|太原市|7000.000000|747000.000000|5|149400.000000|1|1.032258|0.481935
		county|140101|甲县|2000.000000|692000.000000|3|230666.666667|1|1.032258|0.744086
		county|140102|乙县|5000.000000|15000.000000|1|15000.000000|0|0.048387|0.048387
		county|140103|丙县|0.000000|40000.000000|1|40000.000000|0|0.129032|0.129032`
	expect(t, db, "SELECT * FROM subsidy_usage('2024-06-30')", want)
	expect(t, db, "SELECT * FROM subsidy_usage(DATE '2024-06-30', by := 'county')", want)
	// 2023-09-30: S1's 50,000 of 2023-03-01 counts to date, not against the
	// ceiling; S2 has 300,000 within five years, below it; S3 10,000, S4
	// 40,000. The 2024 cohort has not entered yet. This year: S1's
	// 150,000.
	expect(t, db, "SELECT * FROM subsidy_usage('2023-09-30', by := 'cohort')", `
		city|1401|太原市|150000.000000|720000.000000|4|180000.000000|1|1.032258|0.580645
		cohort|2018|2018年|150000.000000|670000.000000|2|335000.000000|1|1.032258|1.080645
		cohort|2019|2019年|0.000000|50000.000000|2|25000.000000|0|0.129032|0.080645
		cohort|2021|2021年|0.000000|0.000000|0|NULL|0|NULL|NULL`)
	for _, by := range []string{"'region'", "'Cohort'", "NULL"} {
		_, err := db.Exec("SELECT * FROM subsidy_usage('2024-06-30', by := " + by + ")")
		if err == nil || !strings.Contains(err.Error(), "by must be county or cohort") {
			t.Errorf("by := %s: error %v, want one naming the allowed values", by, err)
		}
	}
}
