package transform

import (
	"errors"
	"fmt"
	"time"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/dates"
	"github.com/grassroots-cn/grassroots/internal/idnum"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// parsed is a row that passed every check: its natural key (for
// duplicate_in_file), how to write it, and the findings it raises.
type parsed struct {
	key      string
	emit     func(w *rowWriter)
	findings []finding
}

// row is one data row's values by column index of its record type.
type row struct {
	f      *File
	rt     canon.RecordType
	vals   []string
	serial bool
	absent string // missing_column:<col> when the header lacks a required column
}

// v returns the value of a canonical column ("" when absent).
func (r *row) v(name string) string {
	if i := colIndex(r.rt, name); i >= 0 {
		return r.vals[i]
	}
	return ""
}

// missing returns the header's missing_column:<col> when the sheet has no
// column for a required value, else "missing:<col>" for the first required
// column left empty.
func (r *row) missing() string {
	if r.absent != "" {
		return r.absent
	}
	for i, c := range columns[r.rt] {
		if c.required && r.vals[i] == "" {
			return "missing:" + c.name
		}
	}
	return ""
}

// date parses an optional date column; reason is bad_date:<col> when it is
// written but not a date.
func (r *row) date(name string) (t time.Time, reason string) {
	s := r.v(name)
	if s == "" {
		return time.Time{}, ""
	}
	t, err := dates.Parse(s, r.serial)
	if err != nil {
		return time.Time{}, "bad_date:" + name
	}
	return t, ""
}

// enum maps an optional enum column; reason is unknown_value:<col>.
func (r *row) enum(name string, e enum) (string, string) {
	s := r.v(name)
	if s == "" {
		return "", ""
	}
	v, ok := e.lookup(s)
	if !ok {
		return "", "unknown_value:" + name
	}
	return v, ""
}

// person parses the ID number and derives person_key.
func (r *row) person() (idnum.ID, string, string) {
	id, err := idnum.Parse(r.v("id_number"))
	switch {
	case errors.Is(err, idnum.ErrChecksum):
		return id, "", "bad_id_checksum"
	case err != nil:
		return id, "", "bad_id_format"
	}
	return id, r.f.n.PersonKey(id.Number), ""
}

// county checks the county column, when written, against the source's county.
func (r *row) county() string {
	s := r.v("county")
	if s == "" || r.f.n.opts.County == "" {
		return ""
	}
	c, ok := r.f.n.opts.Directory.County(s)
	if !ok || c != r.f.n.opts.County {
		return "wrong_county"
	}
	return ""
}

// village resolves the row's village by code or names. A row naming no
// village at all is missing:village; one naming a village that cannot be
// found is unknown_village.
func (r *row) village() (Village, string) {
	code, township, name := r.v("village_code"), r.v("township"), r.v("village")
	if code == "" && name == "" {
		return Village{}, "missing:village"
	}
	v, ok := r.f.n.opts.Directory.Village(r.f.n.opts.County, township, name, code)
	if !ok {
		return Village{}, "unknown_village"
	}
	return v, ""
}

// first returns the first non-empty reason.
func first(reasons ...string) string {
	for _, s := range reasons {
		if s != "" {
			return s
		}
	}
	return ""
}

func (r *row) parse() (parsed, string) {
	if reason := r.missing(); reason != "" {
		return parsed{}, reason
	}
	switch r.rt {
	case canon.Ledger:
		return r.ledger()
	case canon.Roles:
		return r.roles()
	case canon.Assessments:
		return r.assessments()
	case canon.Vacancies:
		return r.vacancies()
	case canon.Quota:
		return r.quota()
	case canon.Subsidies:
		return r.subsidies()
	case canon.Divisions:
		return r.divisions()
	}
	return parsed{}, "unknown_record_type"
}

func (r *row) ledger() (parsed, string) {
	id, pk, reason := r.person()
	if reason != "" {
		return parsed{}, reason
	}
	if reason := r.county(); reason != "" {
		return parsed{}, reason
	}
	vil, reason := r.village()
	if reason != "" {
		return parsed{}, reason
	}
	start, rs1 := r.date("start_date")
	end, rs2 := r.date("end_date")
	roleStart, rs3 := r.date("role_start")
	birth, rs4 := r.date("birth")
	gender, re1 := r.enum("gender", genders)
	political, re2 := r.enum("political_status", politicalStatuses)
	degree, re3 := r.enum("degree", degrees)
	channel, re4 := r.enum("channel", channels)
	round, re5 := r.enum("selection_round", selectionRounds)
	quotaSource, re6 := r.enum("quota_source", quotaSources)
	grade, re7 := r.enum("assessment", grades)
	if reason := first(rs1, rs2, rs3, rs4, re1, re2, re3, re4, re5, re6, re7); reason != "" {
		return parsed{}, reason
	}
	if round == "" {
		round = "direct"
	}
	var endReason string
	if s := r.v("end_reason"); s != "" {
		endReason = mapEndReason(s)
	}
	if !end.IsZero() && end.Before(start) {
		return parsed{}, "end_before_start"
	}
	role, category := r.v("role"), ""
	if role != "" {
		var ok bool
		if category, ok = roleCategory(role); !ok {
			return parsed{}, "unknown_value:role"
		}
		if roleStart.IsZero() {
			return parsed{}, "missing:role_start"
		}
	}
	var ayear int32
	var hasYear bool
	if s := r.v("assessment_year"); s != "" {
		if ayear, hasYear = parseYear(s); !hasYear {
			return parsed{}, "unknown_value:assessment_year"
		}
	}
	if hasYear != (grade != "") {
		if hasYear {
			return parsed{}, "missing:assessment"
		}
		return parsed{}, "missing:assessment_year"
	}

	idGender := "female"
	if id.Male {
		idGender = "male"
	}
	var fs []finding
	if gender != "" && gender != idGender {
		fs = append(fs, finding{"gender_mismatch", "warning", pk, vil.Code,
			fmt.Sprintf("性别 %s contradicts the ID number (%s); the ID number wins", gender, idGender)})
	}
	if !birth.IsZero() && (birth.Year() != id.Birth.Year() || birth.Month() != id.Birth.Month()) {
		fs = append(fs, finding{"birth_mismatch", "warning", pk, vil.Code,
			// Neither month is written: a date of birth is personal data,
			// and etl_finding reaches the published snapshot.
			"出生年月 contradicts the ID number (year or month); the ID number wins"})
	}
	if channel == "special_intro" {
		if age := idnum.AgeOn(id.Birth, start); age >= 30 {
			fs = append(fs, finding{"over_age_at_entry", "warning", pk, vil.Code,
				// No age: with the start date it would give the year of birth.
				fmt.Sprintf("special_intro entrant aged 30 or more on start_date %s (must be under 30)", start.Format("2006-01-02"))})
		}
	}
	if degree == "bachelor" && !r.f.n.opts.BachelorAllowed {
		fs = append(fs, finding{"degree_below_requirement", "warning", pk, vil.Code,
			fmt.Sprintf("bachelor entrant in county %s, which is not bachelor_allowed", r.f.n.opts.County)})
	}
	// Personal data is encrypted here, before the batch: no plaintext name,
	// ID number or phone ever enters DuckDB (docs/design.md, Encryption at rest).
	pii := r.f.n.opts.PII
	name := pii.Seal(textnorm.Name(r.v("name")))
	phone := pii.Seal(textnorm.Name(r.v("phone")))
	idSealed := pii.Seal(id.Number)
	return parsed{
		key: pk + "|" + vil.Code + "|" + start.Format("20060102"),
		emit: func(w *rowWriter) {
			w.str(pk).str(name).str(idSealed).str(phone).str(idGender).i32(int32(id.Birth.Year()), true).
				str(political).str(degree).str(r.v("university")).str(r.v("major")).
				str(channel).str(round).str(quotaSource).
				str(vil.CountyCode).str(vil.TownshipCode).str(vil.Code).
				date(start).date(end).str(endReason).
				str(role).str(category).date(roleStart).str(r.v("mentor_role")).
				i32(ayear, hasYear).str(grade)
		},
		findings: fs,
	}, ""
}

func (r *row) roles() (parsed, string) {
	_, pk, reason := r.person()
	if reason != "" {
		return parsed{}, reason
	}
	if reason := r.county(); reason != "" {
		return parsed{}, reason
	}
	role := r.v("role")
	category, ok := roleCategory(role)
	if !ok {
		return parsed{}, "unknown_value:role"
	}
	// A township leadership role belongs to no village (the row may still
	// name the village the graduate was promoted from).
	var vil Village
	if category != roleTownshipLeadership {
		if vil, reason = r.village(); reason != "" {
			return parsed{}, reason
		}
	}
	start, rs1 := r.date("start_date")
	end, rs2 := r.date("end_date")
	if reason := first(rs1, rs2); reason != "" {
		return parsed{}, reason
	}
	if !end.IsZero() && end.Before(start) {
		return parsed{}, "end_before_start"
	}
	return parsed{
		key: pk + "|" + role + "|" + start.Format("20060102"),
		emit: func(w *rowWriter) {
			w.str(pk).str(role).str(category).str(vil.Code).date(start).date(end)
		},
	}, ""
}

func (r *row) assessments() (parsed, string) {
	_, pk, reason := r.person()
	if reason != "" {
		return parsed{}, reason
	}
	year, ok := parseYear(r.v("year"))
	if !ok {
		return parsed{}, "unknown_value:year"
	}
	grade, reason := r.enum("grade", grades)
	if reason != "" {
		return parsed{}, reason
	}
	return parsed{
		key:  fmt.Sprintf("%s|%d", pk, year),
		emit: func(w *rowWriter) { w.str(pk).i32(year, true).str(grade) },
	}, ""
}

func (r *row) vacancies() (parsed, string) {
	if reason := r.county(); reason != "" {
		return parsed{}, reason
	}
	vil, reason := r.village()
	if reason != "" {
		return parsed{}, reason
	}
	reported, rs1 := r.date("reported_on")
	filled, rs2 := r.date("filled_on")
	if reason := first(rs1, rs2); reason != "" {
		return parsed{}, reason
	}
	if !filled.IsZero() && filled.Before(reported) {
		return parsed{}, "end_before_start"
	}
	why, ok := vacancyReasons.lookup(r.v("reason"))
	if !ok {
		why = "other"
	}
	return parsed{
		key:  vil.Code + "|" + reported.Format("20060102"),
		emit: func(w *rowWriter) { w.str(vil.Code).date(reported).str(why).date(filled) },
	}, ""
}

func (r *row) quota() (parsed, string) {
	if reason := r.county(); reason != "" {
		return parsed{}, reason
	}
	county := r.f.n.opts.County
	var township string
	if s := r.v("township"); s != "" {
		var ok bool
		if township, ok = r.f.n.opts.Directory.Township(county, s); !ok {
			return parsed{}, "unknown_value:township"
		}
	}
	year, ok := parseYear(r.v("year"))
	if !ok {
		return parsed{}, "unknown_value:year"
	}
	tq, tqOK := parseCount(r.v("township_quota"))
	if r.v("township_quota") != "" && !tqOK {
		return parsed{}, "unknown_value:township_quota"
	}
	cp, cpOK := parseCount(r.v("county_pool"))
	if r.v("county_pool") != "" && !cpOK {
		return parsed{}, "unknown_value:county_pool"
	}
	if !tqOK && !cpOK {
		return parsed{}, "missing:township_quota"
	}
	return parsed{
		key:  fmt.Sprintf("%s|%d", township, year),
		emit: func(w *rowWriter) { w.str(county).str(township).i32(year, true).i32(tq, tqOK).i32(cp, cpOK) },
	}, ""
}

func (r *row) subsidies() (parsed, string) {
	_, pk, reason := r.person()
	if reason != "" {
		return parsed{}, reason
	}
	paid, reason := r.date("paid_on")
	if reason != "" {
		return parsed{}, reason
	}
	kind, ok := subsidyKinds.lookup(r.v("kind"))
	if !ok {
		kind = "other"
	}
	fen, ok := parseYuan(r.v("amount_yuan"))
	if !ok {
		return parsed{}, "unknown_value:amount_yuan"
	}
	return parsed{
		key:  pk + "|" + paid.Format("20060102") + "|" + kind,
		emit: func(w *rowWriter) { w.str(pk).date(paid).str(kind).i64(fen, true) },
	}, ""
}

var urbanRuralCodes = map[string]bool{"111": true, "112": true, "121": true, "122": true, "123": true, "210": true, "220": true}

func (r *row) divisions() (parsed, string) {
	vc, tc, cc := r.v("village_code"), r.v("township_code"), r.v("county_code")
	vkind, ok := canon.VillageKind(vc)
	if !ok {
		return parsed{}, "unknown_value:village_code"
	}
	tkind, ok := canon.TownshipKind(tc)
	if !ok || vc[:9] != tc {
		return parsed{}, "unknown_value:township_code"
	}
	if !isDigits(cc, 6) || tc[:6] != cc {
		return parsed{}, "unknown_value:county_code"
	}
	ur := r.v("urban_rural_code")
	if ur != "" && !urbanRuralCodes[ur] {
		return parsed{}, "unknown_value:urban_rural_code"
	}
	est, rs1 := r.date("established_on")
	dis, rs2 := r.date("dissolved_on")
	if reason := first(rs1, rs2); reason != "" {
		return parsed{}, reason
	}
	if !est.IsZero() && !dis.IsZero() && dis.Before(est) {
		return parsed{}, "end_before_start"
	}
	vname, tname := textnorm.Name(r.v("village_name")), textnorm.Name(r.v("township_name"))
	cname := textnorm.Name(r.v("county_name"))
	return parsed{
		key: vc,
		emit: func(w *rowWriter) {
			w.str(vc).str(vname).str(vkind).str(ur).str(tc).str(tname).str(tkind).str(cc).str(cname).date(est).date(dis)
		},
	}, ""
}
