package config

import (
	"errors"
	"strings"
	"testing"
)

// base is a valid configuration; the cases below edit it. Its lines, for checking the
// expected line numbers by hand:
//
//	 1 city: {code: "1401", name: 太原市}
//	 2 timezone: Asia/Shanghai
//	 3 warehouse: data/warehouse.duckdb
//	 4 published: data/published/analytics.duckdb
//	 5 key_env: GRASSROOTS_KEY
//	 6 divisions: {path: feeds/divisions.csv}
//	 7 counties:
//	 8   - code: "140123"
//	 9     name: 娄烦县
//	10     region: remote
//	11     source:
//	12       kind: dir
//	13       path: feeds/140123
//	14     schedule: "0 2 * * *"
//	15   - code: "140105"
//	16     name: 小店区
//	17     region: developed
//	18     source: {kind: dir, path: feeds/140105}
//	19     schedule: "30 2 * * *"
const base = `city: {code: "1401", name: 太原市}
timezone: Asia/Shanghai
warehouse: data/warehouse.duckdb
published: data/published/analytics.duckdb
key_env: GRASSROOTS_KEY
divisions: {path: feeds/divisions.csv}
counties:
  - code: "140123"
    name: 娄烦县
    region: remote
    source:
      kind: dir
      path: feeds/140123
    schedule: "0 2 * * *"
  - code: "140105"
    name: 小店区
    region: developed
    source: {kind: dir, path: feeds/140105}
    schedule: "30 2 * * *"
`

// edit returns base with each old text replaced by its new text; every old text must
// occur exactly once.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	s := base
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(s, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times in base", pairs[i], n)
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

const src1 = "    source: {kind: dir, path: feeds/140105}\n" // line 18

func TestBaseIsValid(t *testing.T) {
	c, err := Parse([]byte(base), "grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Counties) != 2 || c.Counties[0].Line != 8 || c.Counties[1].Line != 15 {
		t.Fatalf("counties = %+v", c.Counties)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		edits []string
		yaml  string   // used instead of edits when set
		want  []string // each after "grassroots.yaml:"
	}{
		// unknown keys
		{name: "unknown key in source", edits: []string{"      kind: dir\n", "      kind: dir\n      setle: 5s\n"},
			want: []string{`13: unknown key "setle" in counties[0].source (did you mean "settle"?)`}},
		{name: "unknown key at top", edits: []string{`    schedule: "30 2 * * *"` + "\n", `    schedule: "30 2 * * *"` + "\ncolour: red\n"},
			want: []string{`20: unknown key "colour"`}},
		{name: "unknown key in flow mapping", edits: []string{"name: 太原市}", "name: 太原市, nmae: x}"},
			want: []string{`1: unknown key "nmae" in city (did you mean "name"?)`}},
		{name: "unknown key in county, no suggestion", edits: []string{"    region: remote\n", "    region: remote\n    population: 100000\n"},
			want: []string{`11: unknown key "population" in counties[0]`}},
		{name: "duplicate key", edits: []string{"    name: 娄烦县\n", "    name: 娄烦县\n    name: 别的县\n"},
			want: []string{`10: duplicate key "name" in counties[0] (first at line 9)`}},
		{name: "merge key", edits: []string{src1, "    source: {<<: {kind: dir}, path: feeds/140105}\n"},
			want: []string{
				`18: merge keys (<<) are not supported in counties[1].source`,
				`18: missing required key "kind" in counties[1].source`,
			}},

		// missing required keys: at the line of the mapping that should hold them
		{name: "missing timezone", edits: []string{"timezone: Asia/Shanghai\n", ""},
			want: []string{`1: missing required key "timezone"`}},
		{name: "missing city name", edits: []string{`city: {code: "1401", name: 太原市}`, `city: {code: "1401"}`},
			want: []string{`1: missing required key "name" in city`}},
		{name: "missing city", edits: []string{`city: {code: "1401", name: 太原市}` + "\n", ""},
			want: []string{`1: missing required key "city"`}},
		{name: "missing county name", edits: []string{"    name: 小店区\n", ""},
			want: []string{`15: missing required key "name" in counties[1]`}},
		{name: "missing region and schedule", edits: []string{"    region: developed\n", "", `    schedule: "30 2 * * *"` + "\n", ""},
			want: []string{
				`15: missing required key "region" in counties[1]`,
				`15: missing required key "schedule" in counties[1]`,
			}},
		{name: "missing source", edits: []string{"    source:\n      kind: dir\n      path: feeds/140123\n", ""},
			want: []string{`8: missing required key "source" in counties[0]`}},
		{name: "missing source kind", edits: []string{"      kind: dir\n", ""},
			want: []string{`12: missing required key "kind" in counties[0].source`}},
		{name: "missing dir path", edits: []string{src1, "    source: {kind: dir}\n"},
			want: []string{`18: missing required key "path" in counties[1].source`}},
		{name: "missing http url", edits: []string{src1, "    source: {kind: http, mode: api}\n"},
			want: []string{`18: missing required key "url" (or "urls") in counties[1].source`}},
		{name: "missing divisions path", edits: []string{"divisions: {path: feeds/divisions.csv}", "divisions: {encoding: auto}"},
			want: []string{`6: missing required key "path" in divisions`}},
		{name: "missing counties", yaml: strings.Split(base, "counties:")[0],
			want: []string{`1: missing required key "counties"`}},
		{name: "no county", yaml: strings.Split(base, "counties:")[0] + "counties: []\n",
			want: []string{`7: counties: must list at least one county`}},
		{name: "neither key_env nor key_file", edits: []string{"key_env: GRASSROOTS_KEY\n", ""},
			want: []string{`1: missing required key "key_env" (or "key_file")`}},
		{name: "both key_env and key_file", edits: []string{"key_env: GRASSROOTS_KEY\n", "key_env: GRASSROOTS_KEY\nkey_file: secret.key\n"},
			want: []string{`6: key_file: give key_env or key_file, not both`}},
		{name: "null required value", edits: []string{"timezone: Asia/Shanghai", "timezone:"},
			want: []string{`2: timezone: must not be empty`}},
		{name: "blank required value", edits: []string{"    name: 小店区", `    name: "  "`},
			want: []string{`16: counties[1].name: must not be empty`}},

		// wrong shapes
		{name: "city not a mapping", edits: []string{`city: {code: "1401", name: 太原市}`, `city: 1401`},
			want: []string{`1: city: want a mapping, got "1401"`}},
		{name: "counties not a list", yaml: strings.Split(base, "counties:")[0] + "counties: {code: \"140123\"}\n",
			want: []string{`7: counties: want a list, got a mapping`}},
		{name: "county not a mapping", edits: []string{`  - code: "140105"` + "\n    name: 小店区\n    region: developed\n" + src1 + `    schedule: "30 2 * * *"` + "\n", "  - 140105\n"},
			want: []string{`15: counties[1]: want a mapping, got "140105"`}},
		{name: "list where a value belongs", edits: []string{"    region: remote", "    region: [remote]"},
			want: []string{`10: counties[0].region: want a single value, got a list`}},
		{name: "top level a list", yaml: "- a\n- b\n",
			want: []string{`1: want a mapping of keys at the top of the file, got a list`}},

		// bad values
		{name: "city code", edits: []string{`code: "1401"`, `code: "14a1"`},
			want: []string{`1: city.code: "14a1" is not a city code; want 4 digits (a city), 2 digits (a province) or "00" (the whole country)`}},
		{name: "city code of one digit", edits: []string{`code: "1401"`, `code: "1"`},
			want: []string{`1: city.code: "1" is not a city code; want 4 digits (a city), 2 digits (a province) or "00" (the whole country)`}},
		{name: "city code of three digits", edits: []string{`code: "1401"`, `code: "140"`},
			want: []string{`1: city.code: "140" is not a city code; want 4 digits (a city), 2 digits (a province) or "00" (the whole country)`}},
		{name: "county code outside the province", edits: []string{`code: "1401"`, `code: "14"`, `  - code: "140123"`, `  - code: "110101"`},
			want: []string{`8: counties[0].code: "110101" is not in the province 14; a county code starts with the province code`}},
		{name: "county code of a city in a province", edits: []string{`code: "1401"`, `code: "14"`, `  - code: "140123"`, `  - code: "140100"`},
			want: []string{`8: counties[0].code: "140100" is the code of a city or a province, not of a county`}},
		{name: "county code of a province in the country", edits: []string{`code: "1401"`, `code: "00"`, `  - code: "140123"`, `  - code: "140000"`},
			want: []string{`8: counties[0].code: "140000" is the code of a city or a province, not of a county`}},
		{name: "county code length", edits: []string{`  - code: "140123"`, `  - code: "14012"`},
			want: []string{`8: counties[0].code: "14012" is not a county code; want 6 digits`}},
		{name: "county code outside the city", edits: []string{`  - code: "140123"`, `  - code: "140223"`},
			want: []string{`8: counties[0].code: "140223" is not in the city 1401; a county code starts with the city code`}},
		{name: "county code of the city itself", edits: []string{`  - code: "140123"`, `  - code: "140100"`},
			want: []string{`8: counties[0].code: "140100" is the code of the city itself, not of a county`}},
		{name: "unquoted county code is fine but must be unique", edits: []string{`  - code: "140105"`, `  - code: 140123`},
			want: []string{`15: counties[1].code: "140123" is given twice (first at line 8)`}},
		{name: "county name twice", edits: []string{"    name: 小店区", "    name: 娄烦县"},
			want: []string{`16: counties[1].name: "娄烦县" is given twice (first at line 9)`}},
		{name: "source folder twice", edits: []string{src1, "    source: {kind: dir, path: ./feeds/../feeds/140123}\n"},
			want: []string{`18: counties[1].source.path: is the source folder of another county too (first at line 13)`}},
		{name: "region", edits: []string{"    region: remote", "    region: rural"},
			want: []string{`10: counties[0].region: "rural" is not allowed; want remote or developed`}},
		{name: "kind", edits: []string{"      kind: dir", "      kind: ftp"},
			want: []string{`12: counties[0].source.kind: "ftp" is not allowed; want dir or http`}},
		{name: "bool", edits: []string{"    region: remote\n", "    region: remote\n    bachelor_allowed: yes\n"},
			want: []string{`11: counties[0].bachelor_allowed: want true or false, got "yes"`}},
		{name: "duration without unit", edits: []string{src1, "    source: {kind: dir, path: feeds/140105, settle: 10}\n"},
			want: []string{`18: counties[1].source.settle: "10" is not a duration; want a number with a unit such as 10s, 5m or 72h`}},
		{name: "negative duration", edits: []string{src1, "    source: {kind: dir, path: feeds/140105, settle: -1s}\n"},
			want: []string{`18: counties[1].source.settle: "-1s" must not be negative`}},
		{name: "zero stale_after", edits: []string{"timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\nstale_after: 0s\n"},
			want: []string{`3: stale_after: "0s" must be more than 0s`}},
		{name: "schedule fields", edits: []string{`    schedule: "0 2 * * *"`, `    schedule: "0 2 * *"`},
			want: []string{`14: counties[0].schedule: "0 2 * *" is not a schedule (expected exactly 5 fields, found 4: [0 2 * *]); want five cron fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily`}},
		{name: "schedule range", edits: []string{`    schedule: "0 2 * * *"`, `    schedule: "0 25 * * *"`},
			want: []string{`14: counties[0].schedule: "0 25 * * *" is not a schedule (end of range (25) above maximum (23): 25); want five cron fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily`}},
		{name: "schedule time zone", edits: []string{`    schedule: "0 2 * * *"`, `    schedule: "TZ=UTC 0 2 * * *"`},
			want: []string{`14: counties[0].schedule: "TZ=UTC 0 2 * * *" is not a schedule (a time zone prefix is not allowed; schedules run in the city's timezone); want five cron fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily`}},
		{name: "schedule time zone without space", edits: []string{`    schedule: "0 2 * * *"`, `    schedule: "CRON_TZ=UTC"`},
			want: []string{`14: counties[0].schedule: "CRON_TZ=UTC" is not a schedule (a time zone prefix is not allowed; schedules run in the city's timezone); want five cron fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily`}},
		{name: "timezone", edits: []string{"timezone: Asia/Shanghai", "timezone: Mars/Olympus"},
			want: []string{`2: timezone: "Mars/Olympus" is not a known time zone; want an IANA name such as Asia/Shanghai`}},
		{name: "timezone Local", edits: []string{"timezone: Asia/Shanghai", "timezone: Local"},
			want: []string{`2: timezone: must name a zone such as Asia/Shanghai, not the host's Local zone`}},
		{name: "encoding", edits: []string{src1, "    source: {kind: dir, path: feeds/140105, encoding: gbk}\n"},
			want: []string{`18: counties[1].source.encoding: "gbk" is not allowed; want auto, utf-8 or gb18030`}},
		{name: "divisions encoding", edits: []string{"divisions: {path: feeds/divisions.csv}", "divisions: {path: feeds/divisions.csv, encoding: UTF8}"},
			want: []string{`6: divisions.encoding: "UTF8" is not allowed; want auto, utf-8 or gb18030`}},
		{name: "pattern", edits: []string{"      path: feeds/140123\n", "      path: feeds/140123\n      pattern: \"[a-\"\n"},
			want: []string{`14: counties[0].source.pattern: "[a-" is not a valid glob (see path/filepath.Match)`}},
		{name: "pattern with a folder", edits: []string{"      path: feeds/140123\n", "      path: feeds/140123\n      pattern: \"sub/*.csv\"\n"},
			want: []string{`14: counties[0].source.pattern: "sub/*.csv" matches file names, not paths; it must not contain a path separator`}},
		{name: "key_env holding a secret", edits: []string{"key_env: GRASSROOTS_KEY", "key_env: s3cr3t-value!"},
			want: []string{`5: key_env: must be the name of an environment variable (letters, digits and _, not starting with a digit); the secret itself never goes in this file`}},
		{name: "published over warehouse", edits: []string{"published: data/published/analytics.duckdb", "published: ./data/warehouse.duckdb"},
			want: []string{`4: published: must differ from warehouse: the warehouse holds personal data, the published snapshot none`}},
		{name: "status_addr", edits: []string{"timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\nstatus_addr: localhost\n"},
			want: []string{`3: status_addr: "localhost" is not host:port; want host:port such as 127.0.0.1:9464`}},
		{name: "duckdb", edits: []string{"timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\nduckdb: {memory_limit: lots, threads: -1}\n"},
			want: []string{
				`3: duckdb.memory_limit: "lots" is not a memory size; want a number and a unit such as 4GB or 512MiB`,
				`3: duckdb.threads: -1 is too small; want at least 0`,
			}},
		{name: "duckdb threads not a number", edits: []string{"timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\nduckdb: {threads: two}\n"},
			want: []string{`3: duckdb.threads: want a whole number, got "two"`}},
		{name: "reports", edits: []string{"timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\nreports: {schedule: monthly, formats: [html, docx, html]}\n"},
			want: []string{
				`3: reports.schedule: "monthly" is not a schedule (expected exactly 5 fields, found 1: [monthly]); want five cron fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily`,
				`3: reports.formats[1]: "docx" is not allowed; want html, xlsx or pdf`,
				`3: reports.formats[2]: "html" is given twice (first at line 3)`,
			}},
		{name: "reports formats empty", edits: []string{"timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\nreports: {formats: []}\n"},
			want: []string{`3: reports.formats: must not be an empty list`}},
		{name: "export k", edits: []string{"timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\nexport: {k: 1}\n"},
			want: []string{`3: export.k: 1 is too small; want at least 2`}},
		{name: "export key_env same as key_env", edits: []string{"timezone: Asia/Shanghai\n", "timezone: Asia/Shanghai\nexport:\n  key_env: GRASSROOTS_KEY\n"},
			want: []string{`4: export.key_env: key_env and export.key_env both name GRASSROOTS_KEY; the export secret must differ from the person_key secret`}},
		{name: "key_env same as default export key_env", edits: []string{"key_env: GRASSROOTS_KEY", "key_env: GRASSROOTS_EXPORT_KEY"},
			want: []string{`5: key_env: key_env and export.key_env both name GRASSROOTS_EXPORT_KEY; the export secret must differ from the person_key secret`}},

		// the keys of the other kind
		{name: "http key on a dir source", edits: []string{src1, "    source: {kind: dir, path: feeds/140105, url: \"https://x.example/f.csv\"}\n"},
			want: []string{`18: counties[1].source.url: not allowed with kind: dir`}},
		{name: "dir key on an http source", edits: []string{src1, "    source: {kind: http, url: \"https://x.example/f.csv\", settle: 5s}\n"},
			want: []string{`18: counties[1].source.settle: not allowed with kind: http`}},

		// http sources, validated in full
		{name: "url scheme", edits: []string{src1, "    source: {kind: http, url: \"ftp://x.example/f.csv\"}\n"},
			want: []string{`18: counties[1].source.url: must start with http:// or https://`}},
		{name: "url without host", edits: []string{src1, "    source: {kind: http, url: \"https:///f.csv\"}\n"},
			want: []string{`18: counties[1].source.url: has no host`}},
		{name: "url with credentials", edits: []string{src1, "    source: {kind: http, url: \"https://u:hunter2@x.example/f.csv\"}\n"},
			want: []string{`18: counties[1].source.url: must not carry credentials; name the token's environment variable in token_env`}},
		{name: "url and urls", edits: []string{src1, "    source:\n      kind: http\n      url: https://x.example/a.csv\n      urls: [https://x.example/b.csv]\n"},
			want: []string{`21: counties[1].source.urls: give url or urls, not both`}},
		{name: "bad item of urls", edits: []string{src1, "    source:\n      kind: http\n      urls:\n        - https://x.example/a.csv\n        - x.example/b.csv\n"},
			want: []string{`22: counties[1].source.urls[1]: must start with http:// or https://`}},
		{name: "urls with mode api", edits: []string{src1, "    source:\n      kind: http\n      mode: api\n      urls: [https://x.example/a, https://x.example/b]\n"},
			want: []string{`21: counties[1].source.urls: only for mode: file; mode: api takes one url`}},
		{name: "record_types with mode file", edits: []string{src1, "    source:\n      kind: http\n      url: https://x.example/a.csv\n      record_types: [ledger]\n"},
			want: []string{`21: counties[1].source.record_types: only for mode: api; a file names its record types itself`}},
		{name: "record_types values", edits: []string{src1, "    source:\n      kind: http\n      url: https://x.example/api\n      mode: api\n      record_types:\n        - ledger\n        - divisions\n        - ledger\n"},
			want: []string{
				`24: counties[1].source.record_types[1]: "divisions" is not allowed; want ledger, roles, assessments, vacancies, quota or subsidies`,
				`25: counties[1].source.record_types[2]: "ledger" is given twice (first at line 23)`,
			}},
		{name: "http numbers", edits: []string{src1, "    source:\n      kind: http\n      url: https://x.example/a.csv\n      timeout: 0s\n      retries: -1\n      max_bytes: 12XB\n      token_env: 9TOKEN\n"},
			want: []string{
				`21: counties[1].source.timeout: "0s" must be more than 0s`,
				`22: counties[1].source.retries: -1 is too small; want at least 0`,
				`23: counties[1].source.max_bytes: "12XB" is not a size (unknown unit "XB"); want bytes as a whole number or with a unit such as 512MiB or 1GB`,
				`24: counties[1].source.token_env: must be the name of an environment variable (letters, digits and _, not starting with a digit); the secret itself never goes in this file`,
			}},
		{name: "max_bytes zero", edits: []string{src1, "    source: {kind: http, url: \"https://x.example/a.csv\", max_bytes: 0}\n"},
			want: []string{`18: counties[1].source.max_bytes: "0" must be more than 0`}},

		// the file as a whole
		// yaml.v3 gives the line where the context of a syntax error starts: here the
		// plain scalar "remote" on line 10, which the tab on line 11 would continue.
		{name: "syntax", edits: []string{"    region: remote\n", "    region: remote\n\tbachelor_allowed: true\n"},
			want: []string{`10: YAML syntax: found a tab character that violates indentation`}},
		{name: "syntax at the problem", edits: []string{"    name: 小店区\n", "    name: 小店区\n    region: [developed\n"},
			want: []string{`17: YAML syntax: did not find expected ',' or ']'`}},
		{name: "syntax at the end", edits: []string{`    schedule: "30 2 * * *"` + "\n", `    schedule: "30 2 * * *"` + "\nreports: {formats: [html,"},
			want: []string{`20: YAML syntax: did not find expected node content`}},
		// The line of the mapping in which the entry on line 17 stands.
		{name: "syntax: an entry where a key belongs", edits: []string{"    name: 小店区\n", "    name: 小店区\n    - x\n"},
			want: []string{`15: YAML syntax: did not find expected key`}},
		{name: "two documents", edits: []string{`    schedule: "30 2 * * *"` + "\n", `    schedule: "30 2 * * *"` + "\n---\ncity: {}\n"},
			want: []string{`20: a second YAML document starts here; want one document`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.yaml
			if data == "" {
				data = edit(t, tt.edits...)
			}
			c, err := Parse([]byte(data), "grassroots.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", c)
			}
			want := "grassroots.yaml:" + strings.Join(tt.want, "\ngrassroots.yaml:")
			if err.Error() != want {
				t.Errorf("error:\n%s\nwant:\n%s", err, want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error does not wrap ErrConfig")
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != len(tt.want) {
				t.Fatalf("errors.As(Errors) = %v with %d items, want %d", errs, len(errs), len(tt.want))
			}
			for _, e := range errs {
				if !errors.Is(e, ErrConfig) {
					t.Errorf("%v does not wrap ErrConfig", e)
				}
			}
			for _, secret := range []string{"s3cr3t", "hunter2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error repeats %q", secret)
				}
			}
		})
	}
}

// TestAllErrorsAtOnce checks that every problem is reported, in line order, with the
// line and key of each.
func TestAllErrorsAtOnce(t *testing.T) {
	data := edit(t,
		`city: {code: "1401", name: 太原市}`, `city: {code: "1401", name: 太原市, extra: 1}`, // 1
		"timezone: Asia/Shanghai", "timezone: Asia/Nowhere", // 2
		"    region: remote", "    region: central", // 10
		"      kind: dir\n", "      kind: dir\n      setle: 5s\n", // 13
		`    schedule: "0 2 * * *"`, `    schedule: "61 * * * *"`, // 15
		"    name: 小店区\n", "", // missing, at 16 (county 1 now starts at line 16)
	)
	_, err := Parse([]byte(data), "grassroots.yaml")
	want := `grassroots.yaml:1: unknown key "extra" in city
grassroots.yaml:2: timezone: "Asia/Nowhere" is not a known time zone; want an IANA name such as Asia/Shanghai
grassroots.yaml:10: counties[0].region: "central" is not allowed; want remote or developed
grassroots.yaml:13: unknown key "setle" in counties[0].source (did you mean "settle"?)
grassroots.yaml:15: counties[0].schedule: "61 * * * *" is not a schedule (end of range (61) above maximum (59): 61); want five cron fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily
grassroots.yaml:16: missing required key "name" in counties[1]`
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatal("not an Errors")
	}
	keys := []string{"city.extra", "timezone", "counties[0].region", "counties[0].source.setle", "counties[0].schedule", "counties[1].name"}
	for i, e := range errs {
		if e.Key != keys[i] {
			t.Errorf("errs[%d].Key = %q, want %q", i, e.Key, keys[i])
		}
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "g.yaml: the file is empty"},
		{"comments only", "# nothing here\n", "g.yaml: the file is empty"},
		{"document marker only", "---\n", "g.yaml: the file is empty"},
		// yaml.v3 ignores a context that starts on line 1 and gives the line of the
		// problem: here the end of the file, which is kept within the file's lines.
		{"unclosed flow mapping", "city: {code: \"1401\", name: x\ntimezone: UTC\n", "g.yaml:2: YAML syntax: did not find expected ',' or '}'"},
		{"scalar", "just text\n", `g.yaml:1: want a mapping of keys at the top of the file, got "just text"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), "g.yaml")
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrConfig) {
				t.Fatalf("error = %v, want %s wrapping ErrConfig", err, tt.want)
			}
		})
	}
}
