package sqlfiles

import (
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

// The fixture city of the metric tests. Two counties, three townships, eight
// villages (V5 dissolved on 2022-03-01, V7 established on 2022-05-01), ten
// graduates. Every expected figure below was worked out by hand from these
// rows; the comments show the arithmetic.
//
//	A 140105 小店区 developed, township 140105001 坞城街道
//	  V1 140105001001 坞城社区 community 111
//	  V2 140105001002 东关社区 community 112
//	  V3 140105001201 北格村   village   121
//	B 140123 娄烦县 remote
//	  township 140123200 杜交曲乡: V4 140123200201 王家村 220, V5 140123200202 李家村 210 (dissolved 2022-03-01)
//	  township 140123100 静游镇:   V6 140123100201 静游村 220, V7 140123100001 新城社区 111 (established 2022-05-01),
//	                               V8 140123100202 河口村 220
//
//	P1  V1 special_intro township  2019-09-01 –            secretary 2021-06-01
//	P2  V2 open_recruit  township  2020-03-01 – 2021-06-30 resigned
//	P3  V2 open_recruit  pool      2021-09-01 –            committee 2022-03-01
//	P4  V3 special_intro township  2019-09-01 – 2021-03-31 transferred, then
//	    V4 special_intro township  2021-04-01 –            committee 2021-07-01
//	P5  V5 replenish     pool      2020-06-01 – 2022-02-28 other (village merged)
//	P6  V6 special_intro township  2019-09-01 – 2022-03-31 promoted; committee 2020-01-01 – 2022-03-31, 副镇长 2022-04-01
//	P7  V6 open_recruit  township  2022-04-15 –
//	P8  V8 special_intro township  2020-09-01 – 2021-09-01 civil_service
//	P9  V1 replenish     township  2021-11-01 –
//	P10 V7 open_recruit  township  2022-06-01 –
const fixture = `
INSERT INTO etl_setting VALUES ('city_code', '1401'), ('city_name', '太原市'), ('timezone', 'Asia/Shanghai'), ('stale_after_hours', '72');
INSERT INTO dim_county VALUES ('140105', '小店区', 'developed'), ('140123', '娄烦县', 'remote');
INSERT INTO dim_township VALUES ('140105001', '坞城街道', 'street', '140105'), ('140123200', '杜交曲乡', 'township', '140123'),
	('140123100', '静游镇', 'town', '140123');
INSERT INTO dim_village VALUES
	('140105001001', '坞城社区', 'community', '111', '140105001', '140105', NULL, NULL),
	('140105001002', '东关社区', 'community', '112', '140105001', '140105', NULL, NULL),
	('140105001201', '北格村', 'village', '121', '140105001', '140105', NULL, NULL),
	('140123200201', '王家村', 'village', '220', '140123200', '140123', NULL, NULL),
	('140123200202', '李家村', 'village', '210', '140123200', '140123', NULL, DATE '2022-03-01'),
	('140123100201', '静游村', 'village', '220', '140123100', '140123', NULL, NULL),
	('140123100001', '新城社区', 'community', '111', '140123100', '140123', DATE '2022-05-01', NULL),
	('140123100202', '河口村', 'village', '220', '140123100', '140123', NULL, NULL);
INSERT INTO fact_posting VALUES
	('P1', '140105001001', '140105001', '140105', 'special_intro', 'direct', 'township', DATE '2019-09-01', NULL, NULL, NULL),
	('P2', '140105001002', '140105001', '140105', 'open_recruit', 'direct', 'township', DATE '2020-03-01', DATE '2021-06-30', 'resigned', NULL),
	('P3', '140105001002', '140105001', '140105', 'open_recruit', 'direct', 'county_pool', DATE '2021-09-01', NULL, NULL, NULL),
	('P4', '140105001201', '140105001', '140105', 'special_intro', 'direct', 'township', DATE '2019-09-01', DATE '2021-03-31', 'transferred', NULL),
	('P4', '140123200201', '140123200', '140123', 'special_intro', 'direct', 'township', DATE '2021-04-01', NULL, NULL, NULL),
	('P5', '140123200202', '140123200', '140123', 'replenish', 'county_round', 'county_pool', DATE '2020-06-01', DATE '2022-02-28', 'other', NULL),
	('P6', '140123100201', '140123100', '140123', 'special_intro', 'city_round', 'township', DATE '2019-09-01', DATE '2022-03-31', 'promoted', NULL),
	('P7', '140123100201', '140123100', '140123', 'open_recruit', 'direct', 'township', DATE '2022-04-15', NULL, NULL, NULL),
	('P8', '140123100202', '140123100', '140123', 'special_intro', 'direct', 'township', DATE '2020-09-01', DATE '2021-09-01', 'civil_service', NULL),
	('P9', '140105001001', '140105001', '140105', 'replenish', 'direct', 'township', DATE '2021-11-01', NULL, NULL, NULL),
	('P10', '140123100001', '140123100', '140123', 'open_recruit', 'direct', 'township', DATE '2022-06-01', NULL, NULL, NULL);
INSERT INTO fact_role VALUES
	('P1', '党支部书记', 'secretary', '140105001001', DATE '2021-06-01', NULL),
	('P4', '委员', 'committee', '140123200201', DATE '2021-07-01', NULL),
	('P6', '委员', 'committee', '140123100201', DATE '2020-01-01', DATE '2022-03-31'),
	('P6', '副镇长', 'township_leadership', NULL, DATE '2022-04-01', NULL),
	('P3', '居委会主任', 'committee', '140105001002', DATE '2022-03-01', NULL);
INSERT INTO fact_quota VALUES
	('140105', '140105001', 2021, 3, NULL), ('140105', NULL, 2021, NULL, 1),
	('140123', '140123200', 2021, 2, NULL), ('140123', '140123100', 2021, 2, NULL), ('140123', NULL, 2021, NULL, 1),
	('140105', '140105001', 2022, 3, NULL), ('140105', NULL, 2022, NULL, 1),
	('140123', '140123200', 2022, 2, NULL), ('140123', '140123100', 2022, 3, NULL), ('140123', NULL, 2022, NULL, 1);
INSERT INTO fact_vacancy VALUES
	('140105001201', DATE '2021-06-30', 'turnover', NULL),
	('140123100202', DATE '2021-12-01', 'turnover', NULL),
	('140123100201', DATE '2022-04-01', 'other', DATE '2022-04-15');
`

// openFixture applies the migrations and then the macros to an in-memory
// DuckDB, as a fresh warehouse gets them, and loads the fixture city.
func openFixture(t *testing.T) *sql.DB {
	t.Helper()
	db := openFresh(t)
	if _, err := db.Exec(fixture); err != nil {
		t.Fatal(err)
	}
	return db
}

// table runs q and renders each row as values joined by |: floats with six
// decimals, NULL for null, dates as 2006-01-02, booleans as true/false.
func table(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case float64:
				parts[i] = fmt.Sprintf("%.6f", x)
			case float32:
				parts[i] = fmt.Sprintf("%.6f", x)
			case time.Time:
				parts[i] = x.Format("2006-01-02")
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

// expect compares a macro's rows with the lines of want (leading tabs and
// blank lines ignored).
func expect(t *testing.T, db *sql.DB, q, want string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(want, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if got := table(t, db, q); got != strings.Join(lines, "\n") {
		t.Errorf("%s\n got:\n%s\nwant:\n%s", q, got, strings.Join(lines, "\n"))
	}
}

func TestCoverage(t *testing.T) {
	db := openFixture(t)
	// 2022-01-01: universe V1 V2 V3 V4 V5 V6 V8 (V7 not yet); in post P1 P9
	// (V1), P3 (V2), P4 (V4), P5 (V5), P6 (V6): 5 villages, 6 graduates.
	expect(t, db, "SELECT * FROM coverage(DATE '2022-01-01')", `
		city|1401|太原市|NULL|7|5|0.714286|6
		region|developed|发达地区|developed|3|2|0.666667|3
		region|remote|偏远地区|remote|4|3|0.750000|3
		county|140105|小店区|developed|3|2|0.666667|3
		county|140123|娄烦县|remote|4|3|0.750000|3
		township|140105001|坞城街道|developed|3|2|0.666667|3
		township|140123100|静游镇|remote|2|1|0.500000|1
		township|140123200|杜交曲乡|remote|2|2|1.000000|2
		village_kind|community|社区（居委会）|NULL|2|2|1.000000|3
		village_kind|village|村（村委会）|NULL|5|3|0.600000|3
		urban_rural|rural|乡村|NULL|4|3|0.750000|3
		urban_rural|urban|城镇|NULL|3|2|0.666667|3`)
	// 2022-07-01: universe V1 V2 V3 V4 V6 V7 V8 (V5 dissolved); in post P1 P9
	// (V1), P3 (V2), P4 (V4), P7 (V6), P10 (V7): 5 villages, 6 graduates.
	expect(t, db, "SELECT * FROM coverage('2022-07-01')", `
		city|1401|太原市|NULL|7|5|0.714286|6
		region|developed|发达地区|developed|3|2|0.666667|3
		region|remote|偏远地区|remote|4|3|0.750000|3
		county|140105|小店区|developed|3|2|0.666667|3
		county|140123|娄烦县|remote|4|3|0.750000|3
		township|140105001|坞城街道|developed|3|2|0.666667|3
		township|140123100|静游镇|remote|3|2|0.666667|2
		township|140123200|杜交曲乡|remote|1|1|1.000000|1
		village_kind|community|社区（居委会）|NULL|3|3|1.000000|4
		village_kind|village|村（村委会）|NULL|4|2|0.500000|2
		urban_rural|rural|乡村|NULL|3|2|0.666667|2
		urban_rural|urban|城镇|NULL|4|3|0.750000|4`)
	// as_of defaults to today in the city's time zone: nobody leaves after
	// 2022-07-01 in the fixture, so today's figures are the same.
	if a, b := table(t, db, "SELECT * FROM coverage()"), table(t, db, "SELECT * FROM coverage('2022-07-01')"); a != b {
		t.Errorf("coverage() differs from coverage('2022-07-01'):\n%s\n%s", a, b)
	}
}

func TestUncoveredVillages(t *testing.T) {
	db := openFixture(t)
	// V3: P4 left 2021-03-31, 276 days before 2022-01-01; vacancy reported
	// 2021-06-30, not filled. V8: P8 left 2021-09-01, 122 days before.
	expect(t, db, "SELECT * FROM uncovered_villages('2022-01-01')", `
		140105001201|北格村|坞城街道|小店区|developed|276|true
		140123100202|河口村|静游镇|娄烦县|remote|122|true`)
	// Six months (181 days) later.
	expect(t, db, "SELECT * FROM uncovered_villages('2022-07-01')", `
		140105001201|北格村|坞城街道|小店区|developed|457|true
		140123100202|河口村|静游镇|娄烦县|remote|303|true`)
	// On 2022-04-14 (103 days after 2022-01-01) V6 is empty (P6 left
	// 2022-03-31, P7 not yet there: 14 days) with its vacancy reported 2022-04-01 and filled 2022-04-15.
	expect(t, db, "SELECT village_code, uncovered_days, vacancy_reported FROM uncovered_villages('2022-04-14') ORDER BY 1", `
		140105001201|379|true
		140123100201|14|true
		140123100202|225|true`)
}

func TestRetention(t *testing.T) {
	db := openFixture(t)
	// 12 months, as of 2022-01-01: cohort = entry <= 2021-01-01: P1 P2 P4 P5
	// P6 P8. On entry + 12 months all are in post but P8 (left on the very day
	// 2021-09-01, so not in post that day).
	expect(t, db, "SELECT * FROM retention('2022-01-01')", `
		city|1401|太原市|6|5|0.833333
		region|developed|发达地区|3|3|1.000000
		region|remote|偏远地区|3|2|0.666667
		county|140105|小店区|3|3|1.000000
		county|140123|娄烦县|3|2|0.666667
		channel|open_recruit|公开招聘|1|1|1.000000
		channel|replenish|动态增补|1|1|1.000000
		channel|special_intro|专项引进|4|3|0.750000
		entry_year|2019|2019年|3|3|1.000000
		entry_year|2020|2020年|3|2|0.666667`)
	// 24 months, as of 2022-07-01: cohort = entry <= 2020-07-01: P1 P2 P4 P5
	// P6. On entry + 24 months: P1 (2021-09-01) in post, P2 (2022-03-01) gone,
	// P4 (2021-09-01) in post after the transfer, P5 (2022-06-01) gone, P6
	// (2021-09-01) in post.
	expect(t, db, "SELECT * FROM retention('2022-07-01', 24)", `
		city|1401|太原市|5|3|0.600000
		region|developed|发达地区|3|2|0.666667
		region|remote|偏远地区|2|1|0.500000
		county|140105|小店区|3|2|0.666667
		county|140123|娄烦县|2|1|0.500000
		channel|open_recruit|公开招聘|1|0|0.000000
		channel|replenish|动态增补|1|0|0.000000
		channel|special_intro|专项引进|3|3|1.000000
		entry_year|2019|2019年|3|3|1.000000
		entry_year|2020|2020年|2|0|0.000000`)
}

func TestSurvivalFixture(t *testing.T) {
	db := openFixture(t)
	// As of 2022-01-01 (entry <= then: all but P7, P10). Days from entry:
	// P9 61 and P3 122 censored; P8 365 exit (2020-09-01 – 2021-09-01); P2 486
	// exit (2020-03-01 – 2021-06-30); P5 579 censored; P1 P4 P6 853 censored.
	// S(365) = 5/6; Greenwood 1/(6·5); S(486) = 5/6·4/5 = 2/3, + 1/(5·4).
	expect(t, db, "SELECT stratum, day, at_risk, exits, censored, survival, std_err FROM survival('2022-01-01')", `
		all|61|8|0|1|1.000000|0.000000
		all|122|7|0|1|1.000000|0.000000
		all|365|6|1|0|0.833333|0.152145
		all|486|5|1|0|0.666667|0.192450
		all|579|4|0|1|0.666667|0.192450
		all|853|3|0|3|0.666667|0.192450
		developed|61|5|0|1|1.000000|0.000000
		developed|122|4|0|1|1.000000|0.000000
		developed|486|3|1|0|0.666667|0.272166
		developed|853|2|0|2|0.666667|0.272166
		remote|365|3|1|0|0.666667|0.272166
		remote|579|2|0|1|0.666667|0.272166
		remote|853|1|0|1|0.666667|0.272166`)
	// As of 2022-07-01 (everyone): P10 30, P7 77, P9 242, P3 303 censored;
	// P8 365, P2 486, P5 637 (2020-06-01 – 2022-02-28), P6 942 (2019-09-01 –
	// 2022-03-31) exits; P1 P4 1034 censored. In the remote stratum the last
	// person at risk leaves on day 942: S = 0 and the standard error is null.
	expect(t, db, "SELECT stratum, day, at_risk, exits, censored, survival, std_err FROM survival('2022-07-01')", `
		all|30|10|0|1|1.000000|0.000000
		all|77|9|0|1|1.000000|0.000000
		all|242|8|0|1|1.000000|0.000000
		all|303|7|0|1|1.000000|0.000000
		all|365|6|1|0|0.833333|0.152145
		all|486|5|1|0|0.666667|0.192450
		all|637|4|1|0|0.500000|0.204124
		all|942|3|1|0|0.333333|0.192450
		all|1034|2|0|2|0.333333|0.192450
		developed|242|5|0|1|1.000000|0.000000
		developed|303|4|0|1|1.000000|0.000000
		developed|486|3|1|0|0.666667|0.272166
		developed|1034|2|0|2|0.666667|0.272166
		remote|30|5|0|1|1.000000|0.000000
		remote|77|4|0|1|1.000000|0.000000
		remote|365|3|1|0|0.666667|0.272166
		remote|637|2|1|0|0.333333|0.272166
		remote|942|1|1|0|0.000000|NULL`)
}

// TestSurvivalTextbook reproduces the Kaplan–Meier table of the 6-MP arm of
// the Freireich et al. (1963) leukaemia trial as given in Kleinbaum & Klein,
// Survival Analysis: remission times in weeks 6,6,6,6*,7,9*,10,10*,11*,13,16,
// 17*,19*,20*,22,23,25*,32*,32*,34*,35* (* censored). Each week becomes a day
// in post: a censored person is still in post on as_of, entry that many days
// before; an exit left after that many days.
func TestSurvivalTextbook(t *testing.T) {
	db := openFixture(t)
	if _, err := db.Exec("DELETE FROM fact_posting; DELETE FROM dim_village; DELETE FROM dim_township; DELETE FROM dim_county"); err != nil {
		t.Fatal(err)
	}
	db.Exec("INSERT INTO dim_county VALUES ('140105', '小店区', 'developed')")
	asOf := time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC)
	entry := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	times := []string{"6", "6", "6", "6*", "7", "9*", "10", "10*", "11*", "13", "16", "17*", "19*", "20*", "22", "23", "25*", "32*", "32*", "34*", "35*"}
	for i, s := range times {
		weeks := 0
		fmt.Sscanf(strings.TrimSuffix(s, "*"), "%d", &weeks)
		var start, end any
		if strings.HasSuffix(s, "*") {
			start, end = asOf.AddDate(0, 0, -weeks), nil
		} else {
			start, end = entry, entry.AddDate(0, 0, weeks)
		}
		if _, err := db.Exec("INSERT INTO fact_posting VALUES (?, ?, '140105001', '140105', 'open_recruit', 'direct', 'township', ?, ?, ?, NULL)",
			fmt.Sprintf("K%02d", i), fmt.Sprintf("140105001%03d", i+1), start, end, map[bool]any{true: nil, false: "resigned"}[end == nil]); err != nil {
			t.Fatal(err)
		}
	}
	want := map[int][2]float64{6: {0.857, 0.076}, 7: {0.807, 0.087}, 10: {0.753, 0.096}, 13: {0.690, 0.107},
		16: {0.627, 0.114}, 22: {0.538, 0.128}, 23: {0.448, 0.135}}
	rows, err := db.Query("SELECT day, survival, std_err FROM survival(?) WHERE stratum = 'all' AND exits > 0", asOf)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var day int
		var s, se float64
		if err := rows.Scan(&day, &s, &se); err != nil {
			t.Fatal(err)
		}
		w, ok := want[day]
		if !ok {
			t.Errorf("an exit on day %d, which the table does not have", day)
			continue
		}
		seen++
		if math.Abs(s-w[0]) > 0.0005 || math.Abs(se-w[1]) > 0.0005 {
			t.Errorf("t=%d: S=%.4f SE=%.4f, want %.3f and %.3f", day, s, se, w[0], w[1])
		}
	}
	if seen != len(want) {
		t.Errorf("%d exit days, want %d", seen, len(want))
	}
}

func TestExits(t *testing.T) {
	db := openFixture(t)
	// By 2022-01-01: P2 resigned (小店区), P8 civil_service (娄烦县). P4's
	// transfer is no exit: P4 is in post in 娄烦县.
	expect(t, db, "SELECT * FROM exits('2022-01-01')", `
		city|1401|太原市|civil_service|1
		city|1401|太原市|resigned|1
		region|developed|发达地区|resigned|1
		region|remote|偏远地区|civil_service|1
		county|140105|小店区|resigned|1
		county|140123|娄烦县|civil_service|1`)
	// By 2022-07-01 also P5 (other) and P6 (promoted), both 娄烦县.
	expect(t, db, "SELECT * FROM exits('2022-07-01')", `
		city|1401|太原市|civil_service|1
		city|1401|太原市|other|1
		city|1401|太原市|promoted|1
		city|1401|太原市|resigned|1
		region|developed|发达地区|resigned|1
		region|remote|偏远地区|civil_service|1
		region|remote|偏远地区|other|1
		region|remote|偏远地区|promoted|1
		county|140105|小店区|resigned|1
		county|140123|娄烦县|civil_service|1
		county|140123|娄烦县|other|1
		county|140123|娄烦县|promoted|1`)
}

// blankLastReason adds to the fixture two graduates whose last posting ended
// without a reason after an earlier one ended with one:
//
//	P11 V8 (娄烦县) 2021-10-01 – 2021-12-31 transferred, then
//	    V3 (小店区) 2022-01-01 – 2022-05-31 no reason (NULL)
//	P12 V2 (小店区) 2020-01-01 – 2020-12-31 resigned, then
//	    V1 (小店区) 2021-01-01 – 2021-02-28 blank reason ('  ')
const blankLastReason = `
INSERT INTO fact_posting VALUES
	('P11', '140123100202', '140123100', '140123', 'open_recruit', 'direct', 'township', DATE '2021-10-01', DATE '2021-12-31', 'transferred', NULL),
	('P11', '140105001201', '140105001', '140105', 'open_recruit', 'direct', 'township', DATE '2022-01-01', DATE '2022-05-31', NULL, NULL),
	('P12', '140105001002', '140105001', '140105', 'open_recruit', 'direct', 'township', DATE '2020-01-01', DATE '2020-12-31', 'resigned', NULL),
	('P12', '140105001001', '140105001', '140105', 'open_recruit', 'direct', 'township', DATE '2021-01-01', DATE '2021-02-28', '  ', NULL);`

// TestExitsBlankLastReason: a person is counted by the reason of the last
// posting, unspecified when that one is blank, never by an earlier posting's
// reason (arg_max skips NULLs).
func TestExitsBlankLastReason(t *testing.T) {
	db := openFixture(t)
	if _, err := db.Exec(blankLastReason); err != nil {
		t.Fatal(err)
	}
	// By 2022-01-01: P2 resigned, P8 civil_service as in TestExits; P12 left
	// 2021-02-28 from V1 (小店区) with a blank reason; P11 is in post at V3.
	expect(t, db, "SELECT * FROM exits('2022-01-01')", `
		city|1401|太原市|civil_service|1
		city|1401|太原市|resigned|1
		city|1401|太原市|unspecified|1
		region|developed|发达地区|resigned|1
		region|developed|发达地区|unspecified|1
		region|remote|偏远地区|civil_service|1
		county|140105|小店区|resigned|1
		county|140105|小店区|unspecified|1
		county|140123|娄烦县|civil_service|1`)
	// By 2022-07-01 also P5 (other), P6 (promoted) and P11, who left V3
	// (小店区) on 2022-05-31 with no reason: unspecified, not transferred.
	expect(t, db, "SELECT * FROM exits('2022-07-01')", `
		city|1401|太原市|civil_service|1
		city|1401|太原市|other|1
		city|1401|太原市|promoted|1
		city|1401|太原市|resigned|1
		city|1401|太原市|unspecified|2
		region|developed|发达地区|resigned|1
		region|developed|发达地区|unspecified|2
		region|remote|偏远地区|civil_service|1
		region|remote|偏远地区|other|1
		region|remote|偏远地区|promoted|1
		county|140105|小店区|resigned|1
		county|140105|小店区|unspecified|2
		county|140123|娄烦县|civil_service|1
		county|140123|娄烦县|other|1
		county|140123|娄烦县|promoted|1`)
	// Leaving in the first half of 2022: P5 (other), P6 (promoted), P11
	// (unspecified, 小店区).
	expect(t, db, "SELECT * FROM exits_between('2022-01-01', '2022-06-30')", `
		city|1401|太原市|other|1
		city|1401|太原市|promoted|1
		city|1401|太原市|unspecified|1
		region|developed|发达地区|unspecified|1
		region|remote|偏远地区|other|1
		region|remote|偏远地区|promoted|1
		county|140105|小店区|unspecified|1
		county|140123|娄烦县|other|1
		county|140123|娄烦县|promoted|1`)
}

func TestRegionBalance(t *testing.T) {
	db := openFixture(t)
	// From coverage and retention(…, 12): remote 4 villages, 3 covered, 3 in
	// post (75 per 100 villages), 12-month retention 2/3; developed 3, 2, 3
	// (100 per 100), 1. Ratios: 4/3, 3/2, 0.75/(2/3) = 1.125, 3/3, 75/100, 2/3.
	want := `
		remote|4.000000|3.000000|0.750000|3.000000|75.000000|0.666667
		developed|3.000000|2.000000|0.666667|3.000000|100.000000|1.000000
		remote_to_developed|1.333333|1.500000|1.125000|1.000000|0.750000|0.666667`
	expect(t, db, "SELECT * FROM region_balance('2022-01-01')", want)
	// 2022-07-01: other villages and graduates, the same counts.
	expect(t, db, "SELECT * FROM region_balance('2022-07-01')", want)
	// Before anyone was posted to a developed village the ratios are null.
	expect(t, db, "SELECT region, graduates_in_post, per_100_villages FROM region_balance('2019-01-01')", `
		remote|0.000000|0.000000
		developed|0.000000|0.000000
		remote_to_developed|NULL|NULL`)
}

func TestPromotions(t *testing.T) {
	db := openFixture(t)
	m := func(days int) string { return fmt.Sprintf("%.6f", float64(days)/30.4375) }
	// 2022-01-01: graduates P1 P2 P3 P9 (小店区) and P4 P5 P6 P8 (娄烦县, P4's
	// latest posting). Roles by then: P1 secretary (639 days after entry),
	// P4 committee (669 days), P6 committee (122 days).
	expect(t, db, "SELECT * FROM promotions('2022-01-01')", `
		city|1401|太原市|8|3|1|0|0.375000|0.125000|`+m(639)+`
		region|developed|发达地区|4|1|1|0|0.250000|0.250000|`+m(639)+`
		region|remote|偏远地区|4|2|0|0|0.500000|0.000000|`+fmt.Sprintf("%.6f", (669.0+122)/2/30.4375)+`
		county|140105|小店区|4|1|1|0|0.250000|0.250000|`+m(639)+`
		county|140123|娄烦县|4|2|0|0|0.500000|0.000000|`+fmt.Sprintf("%.6f", (669.0+122)/2/30.4375))
	// 2022-07-01: all ten; P3 joined a committee (181 days after entry), P6 is
	// 副镇长. City median of 122, 181, 639, 669 days: (181 + 639) / 2.
	expect(t, db, "SELECT * FROM promotions('2022-07-01')", `
		city|1401|太原市|10|4|1|1|0.400000|0.100000|`+fmt.Sprintf("%.6f", (181.0+639)/2/30.4375)+`
		region|developed|发达地区|4|2|1|0|0.500000|0.250000|`+fmt.Sprintf("%.6f", (181.0+639)/2/30.4375)+`
		region|remote|偏远地区|6|2|0|1|0.333333|0.000000|`+fmt.Sprintf("%.6f", (669.0+122)/2/30.4375)+`
		county|140105|小店区|4|2|1|0|0.500000|0.250000|`+fmt.Sprintf("%.6f", (181.0+639)/2/30.4375)+`
		county|140123|娄烦县|6|2|0|1|0.333333|0.000000|`+fmt.Sprintf("%.6f", (669.0+122)/2/30.4375))
}

func TestQuotaUsage(t *testing.T) {
	db := openFixture(t)
	// In post on 2021-12-31: 小店区 P1 P9 (township quota) and P3 (pool);
	// 娄烦县 P4 (杜交曲乡) and P6 (静游镇) on township quota, P5 (杜交曲乡) on the
	// pool. Quota 2021: 小店区 3 + pool 1, 娄烦县 2 + 2 + pool 1.
	expect(t, db, "SELECT * FROM quota_usage(2021)", `
		city|1401|太原市|7|2|9|4|2|6|3
		county|140105|小店区|3|1|4|2|1|3|1
		county|140123|娄烦县|4|1|5|2|1|3|2
		township|140105001|坞城街道|3|NULL|3|2|1|3|1
		township|140123100|静游镇|2|NULL|2|1|0|1|1
		township|140123200|杜交曲乡|2|NULL|2|1|1|2|1`)
	// 2022-12-31: 小店区 P1 P9, P3 (pool); 娄烦县 P4, P7, P10. Quota 2022:
	// 小店区 3 + 1, 娄烦县 2 + 3 + 1.
	expect(t, db, "SELECT * FROM quota_usage('2022')", `
		city|1401|太原市|8|2|10|5|1|6|4
		county|140105|小店区|3|1|4|2|1|3|1
		county|140123|娄烦县|5|1|6|3|0|3|3
		township|140105001|坞城街道|3|NULL|3|2|1|3|1
		township|140123100|静游镇|3|NULL|3|2|0|2|1
		township|140123200|杜交曲乡|2|NULL|2|1|0|1|1`)
}

func TestSourceFreshness(t *testing.T) {
	db := openFixture(t)
	now := time.Now().Truncate(time.Second)
	_, err := db.Exec(`INSERT INTO etl_run VALUES
		(1, 'ingest', '140123', ?, ?, 'succeeded', 1, 1, 0, 0, 0, NULL),
		(2, 'ingest', '140105', ?, ?, 'no_new_data', 0, 0, 0, 0, 0, NULL),
		(3, 'ingest', '140123', ?, ?, 'failed', 0, 0, 0, 0, 0, 'broken'),
		(4, 'divisions', NULL, ?, ?, 'succeeded', 1, 1, 0, 0, 0, NULL)`,
		now.Add(-100*time.Hour), now.Add(-100*time.Hour), now.Add(-10*time.Hour), now.Add(-10*time.Hour),
		now.Add(-time.Hour), now.Add(-time.Hour), now, now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO etl_file VALUES ('a', '140123', 'ledger.csv', ['ledger'], 1, ?), ('b', '140105', 'x.xlsx', ['ledger'], 9, ?)`,
		now.Add(-100*time.Hour), now.Add(-200*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// 小店区: a pull that found nothing new 10 hours ago is a success, its
	// last new file 200 hours ago; 娄烦县: its last success 100 hours ago (the
	// later failure does not count), stale after 72 hours.
	sec := func(d time.Duration) string { return fmt.Sprint(now.Add(d).Unix()) }
	expect(t, db, `SELECT county_code, county_name, CAST(epoch(last_success) AS BIGINT), CAST(epoch(last_new_file) AS BIGINT),
		round(hours_since_success), stale FROM source_freshness()`, `
		140105|小店区|`+sec(-10*time.Hour)+`|`+sec(-200*time.Hour)+`|10.000000|false
		140123|娄烦县|`+sec(-100*time.Hour)+`|`+sec(-100*time.Hour)+`|100.000000|true`)
	db.Exec("UPDATE etl_setting SET value = '240' WHERE key = 'stale_after_hours'")
	expect(t, db, `SELECT county_code, stale FROM source_freshness()`, `
		140105|false
		140123|false`)
}

// TestMacroComments: every metric macro states its definition in Chinese and English.
func TestMacroComments(t *testing.T) {
	db := openFixture(t)
	for _, name := range []string{"coverage", "uncovered_villages", "retention", "survival", "exits", "region_balance",
		"promotions", "quota_usage", "source_freshness", "coverage_at", "quota_usage_on", "source_freshness_on",
		"data_quality_on", "flows", "exits_between", "coverage_ranking", "coverage_progress", "selection", "subsidy_usage"} {
		var comment sql.NullString
		if err := db.QueryRow("SELECT max(comment) FROM duckdb_functions() WHERE function_name = ? AND function_type = 'table_macro'", name).Scan(&comment); err != nil {
			t.Fatal(err)
		}
		if !bilingual(comment.String) || len(comment.String) < 200 {
			t.Errorf("%s: comment %q is not a bilingual definition", name, comment.String)
		}
	}
}

// TestCityToday: "today" is the city's, from etl_setting.timezone. Kiritimati
// (UTC+14) and Pago Pago (UTC-11) are 25 hours apart, so their dates always
// differ by one or two days.
func TestCityToday(t *testing.T) {
	db := openFixture(t)
	day := func(tz string) time.Time {
		t.Helper()
		if _, err := db.Exec("UPDATE etl_setting SET value = ? WHERE key = 'timezone'", tz); err != nil {
			t.Fatal(err)
		}
		var d time.Time
		if err := db.QueryRow("SELECT city_today()").Scan(&d); err != nil {
			t.Fatal(err)
		}
		var v time.Time
		if err := db.QueryRow("SELECT as_date(NULL)").Scan(&v); err != nil || !v.Equal(d) {
			t.Fatalf("as_date(NULL) = %v, city_today() = %v (%v)", v, d, err)
		}
		return d
	}
	east, west := day("Pacific/Kiritimati"), day("Pacific/Pago_Pago")
	if diff := east.Sub(west).Hours() / 24; diff != 1 && diff != 2 {
		t.Fatalf("today is %s in Kiritimati and %s in Pago Pago", east.Format("2006-01-02"), west.Format("2006-01-02"))
	}
	if now := time.Now().In(time.FixedZone("UTC+14", 14*3600)); east.Format("2006-01-02") != now.Format("2006-01-02") {
		t.Fatalf("today in Kiritimati is %s, want %s", east.Format("2006-01-02"), now.Format("2006-01-02"))
	}
}

// TestDataEnd: the fixture's latest dated record is P10's start on
// 2022-06-01 (postings end by 2022-03-31, roles start by 2022-04-01, the
// last vacancy is filled on 2022-04-15, no subsidies). data_end() is that
// day, capped by the city-time day of the last successful pull, and null
// before any pull.
func TestDataEnd(t *testing.T) {
	db := openFixture(t)
	expect(t, db, `SELECT data_end()`, `NULL`)
	// 2022-05-19 17:30 UTC is 2022-05-20 01:30 in Shanghai; the failed run
	// after it does not count.
	_, err := db.Exec(`INSERT INTO etl_run VALUES
		(1, 'ingest', '140123', TIMESTAMPTZ '2022-05-19 17:00:00+00', TIMESTAMPTZ '2022-05-19 17:30:00+00', 'succeeded', 1, 1, 0, 0, 0, NULL),
		(2, 'ingest', '140105', TIMESTAMPTZ '2022-09-01 00:00:00+00', TIMESTAMPTZ '2022-09-01 00:10:00+00', 'failed', 0, 0, 0, 0, 0, 'broken')`)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, db, `SELECT data_end()`, `2022-05-20`)
	// A later pull that found nothing new: the records' own last day.
	if _, err := db.Exec(`INSERT INTO etl_run VALUES (3, 'ingest', '140105', TIMESTAMPTZ '2022-07-05 00:00:00+00',
		TIMESTAMPTZ '2022-07-05 00:10:00+00', 'no_new_data', 0, 0, 0, 0, 0, NULL)`); err != nil {
		t.Fatal(err)
	}
	expect(t, db, `SELECT data_end()`, `2022-06-01`)
	// A subsidy paid later moves it.
	if _, err := db.Exec(`INSERT INTO fact_subsidy VALUES ('P10', DATE '2022-06-20', 'living', 1000.00)`); err != nil {
		t.Fatal(err)
	}
	expect(t, db, `SELECT data_end()`, `2022-06-20`)
}
