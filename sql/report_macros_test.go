package sqlfiles

import (
	"testing"
	"time"
)

// The macros of the monthly report's sections, on the fixture city of
// metrics_test.go. Every expected figure was worked out by hand from the
// fixture's rows (listed at the top of metrics_test.go); the comments show
// the arithmetic. A = 小店区 140105 (developed), B = 娄烦县 140123 (remote).

func TestQuotaUsageOn(t *testing.T) {
	db := openFixture(t)
	// In post on 2022-04-01: A P1 P9 (township quota) and P3 (pool); B P4
	// (杜交曲乡, township quota); P6 left on 2022-03-31, P7 starts on
	// 2022-04-15. Quota 2022: A 3 + pool 1, B 2 + 3 + pool 1.
	expect(t, db, "SELECT * FROM quota_usage_on(2022, '2022-04-01')", `
		city|1401|太原市|8|2|10|3|1|4|6
		county|140105|小店区|3|1|4|2|1|3|1
		county|140123|娄烦县|5|1|6|1|0|1|5
		township|140105001|坞城街道|3|NULL|3|2|1|3|1
		township|140123100|静游镇|3|NULL|3|0|0|0|3
		township|140123200|杜交曲乡|2|NULL|2|1|0|1|1`)
	// A null year is as_of's; a null as_of is 31 December (the year is past).
	same := [][2]string{
		{"quota_usage_on(NULL, DATE '2021-12-31')", "quota_usage(2021)"},
		{"quota_usage_on(2022, NULL)", "quota_usage(2022)"},
		{"quota_usage_on(NULL, '2022-04-01')", "quota_usage_on(2022, DATE '2022-04-01')"},
	}
	for _, s := range same {
		a, b := table(t, db, "SELECT * FROM "+s[0]), table(t, db, "SELECT * FROM "+s[1])
		if a != b || a == "" {
			t.Errorf("%s:\n%s\n%s:\n%s", s[0], a, s[1], b)
		}
	}
}

// runsFixture adds three pulls and a run that never finished around the end
// of 2022-07-31 in Shanghai (2022-07-31 16:00 UTC), with their files,
// rejects and findings.
const runsFixture = `
INSERT INTO etl_run VALUES
	(1, 'ingest', '140123', TIMESTAMPTZ '2022-07-31 14:50:00+00', TIMESTAMPTZ '2022-07-31 15:00:00+00', 'succeeded', 5, 3, 0, 0, 2, NULL),
	(2, 'ingest', '140105', TIMESTAMPTZ '2022-07-31 16:20:00+00', TIMESTAMPTZ '2022-07-31 16:30:00+00', 'no_new_data', 0, 0, 0, 0, 1, NULL),
	(3, 'ingest', '140105', TIMESTAMPTZ '2022-07-25 01:50:00+00', TIMESTAMPTZ '2022-07-25 02:00:00+00', 'succeeded', 4, 4, 0, 0, 0, NULL),
	(4, 'ingest', '140123', TIMESTAMPTZ '2022-07-20 00:00:00+00', NULL, 'failed', 0, 0, 0, 0, 1, 'killed');
INSERT INTO etl_file VALUES
	('a', '140123', 'x.csv', ['ledger'], 1, TIMESTAMPTZ '2022-07-31 15:00:00+00'),
	('b', '140105', 'y.csv', ['ledger'], 3, TIMESTAMPTZ '2022-07-25 02:00:00+00'),
	('c', '140105', 'z.csv', ['ledger'], 2, TIMESTAMPTZ '2022-07-31 16:30:00+00');
INSERT INTO etl_reject (run_id, county_code, source_uri, reason) VALUES
	(1, '140123', 'x.csv', 'missing_id'), (1, '140123', 'x.csv', 'missing_id'),
	(2, '140105', 'z.csv', 'bad_date'), (4, '140123', 'w.csv', 'missing_id');
INSERT INTO etl_finding (run_id, county_code, code, severity) VALUES (3, '140105', 'overlapping_postings', 'error');
`

func TestSourceFreshnessOn(t *testing.T) {
	db := openFixture(t)
	if _, err := db.Exec(runsFixture); err != nil {
		t.Fatal(err)
	}
	q := func(day string) string {
		return `SELECT county_code,
			strftime(timezone('Asia/Shanghai', last_success), '%Y-%m-%d %H:%M'),
			strftime(timezone('Asia/Shanghai', last_new_file), '%Y-%m-%d %H:%M'),
			last_record, round(hours_since_success, 1), stale
		FROM source_freshness_on('` + day + `')`
	}
	// By the end of 2022-07-31 in Shanghai: A's last success is run 3 on
	// 07-25 10:00, 6 days 14 hours = 158 hours before, stale after 72 (run 2
	// ends at 00:30 on 08-01); B's is run 1 at 23:00, 1 hour before. Last
	// records: A's latest posting date is P9's start 2021-11-01 (its
	// vacancy at V3 was reported 2021-06-30); B's is P10's start 2022-06-01.
	expect(t, db, q("2022-07-31"), `
		140105|2022-07-25 10:00|2022-07-25 10:00|2021-11-01|158.000000|true
		140123|2022-07-31 23:00|2022-07-31 23:00|2022-06-01|1.000000|false`)
	// A day later: A's run 2 (no new data, but a success) finished at
	// 2022-07-31 16:30 UTC, 23.5 hours before the end of 08-01 (2022-08-01
	// 16:00 UTC); B's run 1, 25 hours before.
	expect(t, db, q("2022-08-01"), `
		140105|2022-08-01 00:30|2022-08-01 00:30|2021-11-01|23.500000|false
		140123|2022-07-31 23:00|2022-07-31 23:00|2022-06-01|25.000000|false`)
	// Before any pull: nothing, stale. B's last record on 2021-12-31 is the
	// vacancy reported at V8 on 2021-12-01 (P8 left on 2021-09-01, P5 leaves
	// on 2022-02-28).
	expect(t, db, q("2021-12-31"), `
		140105|NULL|NULL|2021-11-01|NULL|true
		140123|NULL|NULL|2021-12-01|NULL|true`)
	// A day not over yet (a month still running): measured at now, so a
	// pull an hour ago is fresh, not 72 hours old by the day's end.
	if _, err := db.Exec(`INSERT INTO etl_run VALUES (9, 'ingest', '140123', now() - INTERVAL 70 MINUTE, now() - INTERVAL 60 MINUTE,
		'no_new_data', 0, 0, 0, 0, 0, NULL)`); err != nil {
		t.Fatal(err)
	}
	tomorrow := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	expect(t, db, `SELECT county_code, round(hours_since_success, 1), stale FROM source_freshness_on('`+tomorrow+`') WHERE county_code = '140123'`, `
		140123|1.000000|false`)
}

func TestDataQualityOn(t *testing.T) {
	db := openFixture(t)
	if _, err := db.Exec(runsFixture); err != nil {
		t.Fatal(err)
	}
	// By the end of 2022-07-31 in Shanghai runs 1 and 3 have finished; run
	// 2 finishes half an hour later; run 4 never finished.
	expect(t, db, "SELECT * FROM data_quality_on('2022-07-31')", `
		140105|小店区|finding|overlapping_postings|error|1
		140123|娄烦县|reject|missing_id|NULL|2`)
	expect(t, db, "SELECT * FROM data_quality_on(DATE '2022-08-01')", `
		140105|小店区|reject|bad_date|NULL|1
		140105|小店区|finding|overlapping_postings|error|1
		140123|娄烦县|reject|missing_id|NULL|2`)
	expect(t, db, "SELECT count(*) FROM data_quality_on('2022-07-24')", `0`)
	// data_quality() counts every run, the unfinished one too.
	expect(t, db, "SELECT sum(count) FROM data_quality()", `5`)
}

func TestFlows(t *testing.T) {
	db := openFixture(t)
	cols := `SELECT level, code, name, in_post_start, started, ended, ended_resigned, ended_transferred,
		ended_civil_service, ended_promoted, ended_other, ended_unspecified, net_change, in_post_end FROM flows`
	// 2021-06-01 – 2021-09-30. In post on 05-31: A P1 P2; B P4 (V4), P5, P6,
	// P8. Started: P3 (A, 09-01). Ended: P2 (A, 06-30, resigned), P8 (B,
	// 09-01, civil_service). In post on 09-30: A P1 P3; B P4 P5 P6.
	expect(t, db, cols+"('2021-06-01', '2021-09-30', by := 'all')", `
		city|1401|太原市|6|1|2|1|0|1|0|0|0|-1|5
		county|140105|小店区|2|1|1|1|0|0|0|0|0|0|2
		county|140123|娄烦县|4|0|1|0|0|1|0|0|0|-1|3`)
	// March 2022. In post on 02-28: A P1 P3 P9; B P4 P6 (P5 left on 02-28).
	// Ended: P6 (B, 03-31, promoted). In post on 03-31: A 3, B P4.
	expect(t, db, cols+"(DATE '2022-03-01', DATE '2022-03-31')", `
		city|1401|太原市|5|0|1|0|0|0|1|0|0|-1|4
		county|140105|小店区|3|0|0|0|0|0|0|0|0|0|3
		county|140123|娄烦县|2|0|1|0|0|0|1|0|0|-1|1`)
	// The second quarter: P7 (04-15) and P10 (06-01) start in B; nobody leaves.
	expect(t, db, cols+"('2022-04-01', '2022-06-30', by := 'all')", `
		city|1401|太原市|4|2|0|0|0|0|0|0|0|2|6
		county|140105|小店区|3|0|0|0|0|0|0|0|0|0|3
		county|140123|娄烦县|1|2|0|0|0|0|0|0|0|2|3`)
	// The period is in the columns.
	expect(t, db, "SELECT DISTINCT first_day, last_day FROM flows('2022-03-01', '2022-03-31')", `2022-03-01|2022-03-31`)
}

func TestExitsBetween(t *testing.T) {
	db := openFixture(t)
	// 2021-06-01 – 2021-09-30: P2 (A, resigned 06-30) and P8 (B, civil
	// service 09-01) leave; P4 had moved to B in April and stays.
	expect(t, db, "SELECT * FROM exits_between('2021-06-01', '2021-09-30')", `
		city|1401|太原市|civil_service|1
		city|1401|太原市|resigned|1
		region|developed|发达地区|resigned|1
		region|remote|偏远地区|civil_service|1
		county|140105|小店区|resigned|1
		county|140123|娄烦县|civil_service|1`)
	// The first quarter of 2022: P5 (other, 02-28) and P6 (promoted, 03-31),
	// both in B.
	expect(t, db, "SELECT * FROM exits_between(DATE '2022-01-01', DATE '2022-03-31')", `
		city|1401|太原市|other|1
		city|1401|太原市|promoted|1
		region|remote|偏远地区|other|1
		region|remote|偏远地区|promoted|1
		county|140123|娄烦县|other|1
		county|140123|娄烦县|promoted|1`)
	expect(t, db, "SELECT count(*) FROM exits_between('2022-04-01', '2022-07-01')", `0`)
}

func TestCoverageRanking(t *testing.T) {
	db := openFixture(t)
	// 2022-04-01: universe A V1 V2 V3, B V4 V6 V8 (V5 dissolved, V7 not
	// yet); in post A P1 P9 (V1) P3 (V2): 2/3, 3 graduates; B P4 (V4): 1/3, 1
	// graduate. On 2022-01-01 (TestCoverage): A 2/3 with 3, B 3/4 with 3.
	// B: (1/3 − 3/4) × 100 = −41.666667 points, 1 − 3 = −2 graduates.
	expect(t, db, "SELECT * FROM coverage_ranking('2022-04-01', '2022-01-01')", `
		1|140105|小店区|developed|0.666667|0.666667|0.000000|3|0
		2|140123|娄烦县|remote|0.333333|0.750000|-41.666667|1|-2`)
	// 2022-04-20: P7 has started at V6, so B is 2/3 like A: a tie, both
	// rank 1. B: (2/3 − 1/3) × 100 = 33.333333 points, 2 − 1 = +1.
	expect(t, db, "SELECT * FROM coverage_ranking(DATE '2022-04-20', DATE '2022-04-01')", `
		1|140105|小店区|developed|0.666667|0.666667|0.000000|3|0
		1|140123|娄烦县|remote|0.666667|0.333333|33.333333|2|1`)
}

func TestCoverageProgress(t *testing.T) {
	db := openFixture(t)
	// 2022-07-01: universe A V1 V2 V3, B V4 V6 V7 V8; uncovered V3 (457
	// days, TestUncoveredVillages) and V8 (303). Vacancies reported in 2022:
	// V6 on 04-01, filled 04-15. Entered in 2022 and in post: P7, P10 (B).
	expect(t, db, "SELECT * FROM coverage_progress('2022-07-01')", `
		city|1401|太原市|7|2|457|2|1|1|2
		county|140105|小店区|3|1|457|1|0|0|0
		county|140123|娄烦县|4|1|303|1|1|1|2`)
	// 2022-04-10: universe A V1 V2 V3, B V4 V6 V8. Uncovered: V3 since
	// 2021-03-31 (365 + 10 = 375 days), V6 since 2022-03-31 (10 days, not
	// over 90), V8 since 2021-09-01 (212 days to 04-01, + 9 = 221). V6's
	// vacancy is registered but not filled until 04-15. P7 starts 04-15.
	expect(t, db, "SELECT * FROM coverage_progress(DATE '2022-04-10')", `
		city|1401|太原市|6|3|375|2|1|0|0
		county|140105|小店区|3|1|375|1|0|0|0
		county|140123|娄烦县|3|2|221|1|1|0|0`)
}

func TestSelection(t *testing.T) {
	db := openFixture(t)
	// 2022-01-01: A P1 P3 P9 direct; B P4 direct, P5 county_round, P6
	// city_round.
	expect(t, db, "SELECT * FROM selection('2022-01-01')", `
		city|1401|太原市|4|1|1|0|6
		county|140105|小店区|3|0|0|0|3
		county|140123|娄烦县|1|1|1|0|3`)
	// A round not recorded (P9) is unknown; a graduate in post in two
	// villages (P1 also at V8 in B from 2021-12-01) is counted once, at the
	// lower village code (V1, in A).
	if _, err := db.Exec(`UPDATE fact_posting SET selection_round = NULL WHERE person_key = 'P9';
		INSERT INTO fact_posting VALUES ('P1', '140123100202', '140123100', '140123', 'special_intro', 'city_round', 'township',
			DATE '2021-12-01', NULL, NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	expect(t, db, "SELECT * FROM selection(DATE '2022-01-01')", `
		city|1401|太原市|3|1|1|1|6
		county|140105|小店区|2|0|0|1|3
		county|140123|娄烦县|1|1|1|0|3`)
}

func TestSubsidyUsage(t *testing.T) {
	db := openFixture(t)
	// P1 (A, entry 2019-09-01): 100,000 in 2019, 200,000 in 2022 and 50,000
	// on 2024-09-01, which is not within five years of entry. P2 (A, left
	// 2021): 5,000.50. P4 (entry 2019-09-01 in A, in B from 2021-04-01):
	// 1,000 in 2020. P5 (B, left 2022-02-28): 310,000, exactly the ceiling.
	// PX never had a posting: in no row.
	if _, err := db.Exec(`INSERT INTO fact_subsidy VALUES
		('P1', DATE '2019-10-01', 'housing', 100000.00), ('P1', DATE '2022-03-01', 'housing', 200000.00),
		('P1', DATE '2024-09-01', 'living', 50000.00), ('P2', DATE '2021-01-15', 'living', 5000.50),
		('P4', DATE '2020-01-01', 'living', 1000.00), ('P5', DATE '2020-07-01', 'housing', 310000.00),
		('PX', DATE '2022-01-01', 'living', 1000.00)`); err != nil {
		t.Fatal(err)
	}
	// 2020-12-31: A P1 100,000 (2019) and P4 1,000 (2020, P4 still in A):
	// this year 1,000, to date 101,000, 2 persons, 50,500 each, largest
	// share 100,000 / 310,000 = 0.322581. B P5 310,000 in 2020, at the
	// ceiling.
	expect(t, db, "SELECT * EXCLUDE (share_of_ceiling) FROM subsidy_usage('2020-12-31')", `
		city|1401|太原市|311000.000000|411000.000000|3|137000.000000|1|1.000000
		county|140105|小店区|1000.000000|101000.000000|2|50500.000000|0|0.322581
		county|140123|娄烦县|310000.000000|310000.000000|1|310000.000000|1|1.000000`)
	// 2022-06-30: P4 now counts in B. A P1 300,000 (200,000 this year) and
	// P2 5,000.50: 305,000.50 over 2 = 152,500.25; P1's share 300,000 /
	// 310,000 = 0.967742. B P5 and P4: 311,000 over 2 = 155,500. City:
	// 616,000.50 over 4 = 154,000.125.
	expect(t, db, "SELECT * EXCLUDE (share_of_ceiling) FROM subsidy_usage(DATE '2022-06-30')", `
		city|1401|太原市|200000.000000|616000.500000|4|154000.125000|1|1.000000
		county|140105|小店区|200000.000000|305000.500000|2|152500.250000|0|0.967742
		county|140123|娄烦县|0.000000|311000.000000|2|155500.000000|1|1.000000`)
	// 2024-12-31: P1's 50,000 of 2024-09-01 counts to date and this year,
	// not against the ceiling (entry + 5 years is 2024-09-01 itself).
	expect(t, db, "SELECT * EXCLUDE (share_of_ceiling) FROM subsidy_usage('2024-12-31')", `
		city|1401|太原市|50000.000000|666000.500000|4|166500.125000|1|1.000000
		county|140105|小店区|50000.000000|355000.500000|2|177500.250000|0|0.967742
		county|140123|娄烦县|0.000000|311000.000000|2|155500.000000|1|1.000000`)
	// Before any payment: zeros, no per-person figure.
	expect(t, db, "SELECT * EXCLUDE (share_of_ceiling) FROM subsidy_usage('2019-01-01') WHERE level = 'city'", `city|1401|太原市|0.000000|0.000000|0|NULL|0|NULL`)
}

// TestOpenVacancies: the fixture's vacancies are V3 reported 2021-06-30
// (open), V8 reported 2021-12-01 (open) and V6 reported 2022-04-01, filled
// 2022-04-15. On 2022-04-10 all three are open; on 2022-04-15 V6's is filled;
// on 2021-07-01 only V3's was reported.
func TestOpenVacancies(t *testing.T) {
	db := openFixture(t)
	expect(t, db, `SELECT * FROM open_vacancies('2022-04-10')`, `
		140105001201|2021-06-30|1
		140123100201|2022-04-01|1
		140123100202|2021-12-01|1`)
	expect(t, db, `SELECT * FROM open_vacancies('2022-04-15')`, `
		140105001201|2021-06-30|1
		140123100202|2021-12-01|1`)
	expect(t, db, `SELECT * FROM open_vacancies('2021-07-01')`, `
		140105001201|2021-06-30|1`)
	// A second vacancy at V3, reported later: still one row, its earliest day.
	if _, err := db.Exec(`INSERT INTO fact_vacancy VALUES ('140105001201', DATE '2022-01-05', 'other', NULL)`); err != nil {
		t.Fatal(err)
	}
	expect(t, db, `SELECT * FROM open_vacancies('2022-04-15') WHERE village_code = '140105001201'`, `
		140105001201|2021-06-30|2`)
}
