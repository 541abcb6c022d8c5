package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The keys each mapping allows.
var (
	rootKeys = []string{"city", "timezone", "warehouse", "published", "key_env", "key_file",
		"pii_key_env", "pii_key_file", "divisions", "counties", "reports", "export", "backup", "stale_after", "duckdb", "status_addr"}
	cityKeys      = []string{"code", "name"}
	divisionsKeys = []string{"path", "encoding"}
	countyKeys    = []string{"code", "name", "region", "bachelor_allowed", "source", "schedule"}
	dirKeys       = []string{"path", "pattern", "encoding", "settle", "archive"}
	httpKeys      = []string{"url", "urls", "mode", "token_env", "ca_file", "record_types",
		"timeout", "retries", "max_bytes"}
	sourceKeys   = slices.Concat([]string{"kind"}, dirKeys, httpKeys)
	reportsKeys  = []string{"schedule", "out", "formats", "issuer", "classification", "next_steps", "next_steps_dir", "problems", "mail"}
	problemsKeys = []string{"coverage_below_city", "uncovered_days_over", "retention_12m_below", "stale", "rejects_at_least"}
	exportKeys   = []string{"schedule", "out", "key_env", "key_file", "k"}
	duckdbKeys   = []string{"memory_limit", "threads"}
	encodings    = []string{EncodingAuto, EncodingUTF8, EncodingGB18030}
)

// child returns key's value as a mapping of the allowed keys, or nil when it is absent,
// null or not a mapping (the last is reported).
func (m *mapping) child(key string, required bool, allowed []string) *mapping {
	v := m.value(key, required)
	if v == nil {
		return nil
	}
	return m.d.mapping(v, m.key(key), allowed)
}

// root decodes the whole file into c.
func (d *decoder) root(n *yaml.Node, c *Config) {
	m := d.mapping(n, "", rootKeys)
	if m == nil {
		return
	}
	if cm := m.child("city", true, cityKeys); cm != nil {
		code, line := cm.str("code", true, "")
		if code != "" && !isDigits(code, 4) && !isDigits(code, 2) {
			d.bad(line, cm.key("code"), `%s is not a city code; want 4 digits (a city), 2 digits (a province) or %q (the whole country)`,
				quote(code), NationalCode)
			code = ""
		}
		c.City.Code = code
		c.City.Name, _ = cm.str("name", true, "")
	}
	d.timezone(m, c)

	c.Warehouse = m.filePath("warehouse", true, "")
	c.Published = m.filePath("published", true, "")
	if c.Warehouse != "" && c.Warehouse == c.Published {
		d.bad(m.line("published"), "published", "must differ from warehouse: the warehouse holds personal data, the published snapshot none")
	}

	d.secret(m, c)
	d.piiSecret(m, c)

	if dm := m.child("divisions", true, divisionsKeys); dm != nil {
		c.Divisions.Path = dm.filePath("path", true, "")
		c.Divisions.Encoding = dm.enum("encoding", false, DefaultEncoding, encodings...)
	}

	d.counties(m, c)
	d.reports(m, c)
	d.export(m, c)
	d.backup(m, c)

	c.StaleAfter = m.duration("stale_after", DefaultStaleAfter, true)

	if dm := m.child("duckdb", false, duckdbKeys); dm != nil {
		limit, line := dm.str("memory_limit", false, "")
		if limit != "" && !memoryLimitRE.MatchString(limit) {
			d.bad(line, dm.key("memory_limit"), "%s is not a memory size; want a number and a unit such as 4GB or 512MiB", quote(limit))
			limit = ""
		}
		c.DuckDB.MemoryLimit = limit
		c.DuckDB.Threads = dm.integer("threads", 0, 0)
	}

	addr, line := m.str("status_addr", false, DefaultStatusAddr)
	if err := checkAddr(addr); err != nil {
		d.bad(line, "status_addr", "%s %v; want host:port such as 127.0.0.1:9464", quote(addr), err)
	}
	c.StatusAddr = addr
}

// timezone decodes and loads the city's time zone.
func (d *decoder) timezone(m *mapping, c *Config) {
	tz, line := m.str("timezone", true, "")
	if tz == "" {
		return
	}
	if tz == "Local" {
		d.bad(line, "timezone", "must name a zone such as Asia/Shanghai, not the host's Local zone")
		return
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		d.bad(line, "timezone", "%s is not a known time zone; want an IANA name such as Asia/Shanghai", quote(tz))
		return
	}
	c.Timezone, c.Location = tz, loc
}

// secret decodes key_env or key_file, exactly one of which names the person_key secret.
func (d *decoder) secret(m *mapping, c *Config) {
	env, line := m.str("key_env", m.has("key_env"), "")
	if env != "" && !envNameRE.MatchString(env) {
		badEnvName(d, line, "key_env")
		env = ""
	}
	c.KeyEnv = env
	c.KeyFile = m.filePath("key_file", m.has("key_file"), "")
	switch {
	case m.has("key_env") && m.has("key_file"):
		d.bad(m.line("key_file"), "key_file", "give key_env or key_file, not both")
	case !m.has("key_env") && !m.has("key_file"):
		d.add(m.node.Line, "key_env", `missing required key "key_env" (or "key_file")`)
	}
}

// piiSecret decodes pii_key_env or pii_key_file, at most one of which names the
// secret that encrypts names, ID numbers and phones in the warehouse. Neither is
// required here: commands that write personal data refuse to run without one
// (Config.PIIKey), the others do not need it.
func (d *decoder) piiSecret(m *mapping, c *Config) {
	env, line := m.str("pii_key_env", false, "")
	if env != "" && !envNameRE.MatchString(env) {
		badEnvName(d, line, "pii_key_env")
		env = ""
	}
	c.PIIKeyEnv = env
	c.PIIKeyFile = m.filePath("pii_key_file", false, "")
	switch {
	case m.has("pii_key_env") && m.has("pii_key_file"):
		d.bad(m.line("pii_key_file"), "pii_key_file", "give pii_key_env or pii_key_file, not both")
	case c.PIIKeyFile != "" && c.PIIKeyFile == c.KeyFile:
		d.bad(m.line("pii_key_file"), "pii_key_file", "key_file and pii_key_file are the same file; the personal-data key must differ from the person_key secret")
	case c.PIIKeyEnv != "" && c.PIIKeyEnv == c.KeyEnv:
		d.bad(line, "pii_key_env", "key_env and pii_key_env both name %s; the personal-data key must differ from the person_key secret", c.PIIKeyEnv)
	}
}

// badEnvName reports a value that is not an environment variable name. The value is not
// repeated: a user who wrote the secret itself there must not see it echoed to a log.
func badEnvName(d *decoder, line int, key string) {
	d.bad(line, key, "must be the name of an environment variable (letters, digits and _, not starting with a digit); the secret itself never goes in this file")
}

// seen remembers the first line of values that must be unique across counties.
type seen struct {
	codes, names, paths map[string]int
}

// counties decodes the list of counties.
func (d *decoder) counties(m *mapping, c *Config) {
	v := m.value("counties", true)
	if v == nil {
		return
	}
	if v.Kind != yaml.SequenceNode {
		d.bad(v.Line, "counties", "want a list, got %s", describe(v))
		return
	}
	if len(v.Content) == 0 {
		d.bad(v.Line, "counties", "must list at least one county")
		return
	}
	s := &seen{codes: map[string]int{}, names: map[string]int{}, paths: map[string]int{}}
	for i, el := range v.Content {
		if cty, ok := d.county(resolve(el), fmt.Sprintf("counties[%d]", i), c.City.Code, s); ok {
			c.Counties = append(c.Counties, cty)
		}
	}
}

// county decodes one county; ok is false when n is not a mapping.
func (d *decoder) county(n *yaml.Node, path, cityCode string, s *seen) (cty County, ok bool) {
	m := d.mapping(n, path, countyKeys)
	if m == nil {
		return County{}, false
	}
	cty.Line = n.Line

	code, line := m.str("code", true, "")
	switch {
	case code == "":
	case !isDigits(code, 6):
		d.bad(line, m.key("code"), "%s is not a county code; want 6 digits", quote(code))
	case cityCode != "" && !(City{Code: cityCode}).Contains(code):
		level := map[int]string{2: "province", 4: "city"}[len(cityCode)]
		d.bad(line, m.key("code"), "%s is not in the %s %s; a county code starts with the %s code", quote(code), level, cityCode, level)
	case strings.HasSuffix(code, "00") && len(cityCode) == 4:
		d.bad(line, m.key("code"), "%s is the code of the city itself, not of a county", quote(code))
	case strings.HasSuffix(code, "00"):
		d.bad(line, m.key("code"), "%s is the code of a city or a province, not of a county", quote(code))
	case s.codes[code] != 0:
		d.bad(line, m.key("code"), "%s is given twice (first at line %d)", quote(code), s.codes[code])
	default:
		s.codes[code] = line
	}
	cty.Code = code

	name, line := m.str("name", true, "")
	if name != "" {
		if first := s.names[name]; first != 0 {
			d.bad(line, m.key("name"), "%s is given twice (first at line %d)", quote(name), first)
		} else {
			s.names[name] = line
		}
	}
	cty.Name = name

	cty.Region = m.enum("region", true, "", RegionRemote, RegionDeveloped)
	cty.BachelorAllowed = m.boolean("bachelor_allowed", false)
	if sm := m.child("source", true, sourceKeys); sm != nil {
		cty.Source = d.source(sm, s)
	}
	cty.Schedule = m.schedule("schedule", true, "")
	return cty, true
}

// schedule returns key's value, a cron spec, or def when absent.
func (m *mapping) schedule(key string, required bool, def string) string {
	spec, line := m.str(key, required, def)
	if spec == "" || (spec == def && !m.has(key)) {
		return spec
	}
	if err := checkSchedule(spec); err != nil {
		m.d.bad(line, m.key(key), "%s is not a schedule (%v); want five cron fields (minute hour day-of-month month day-of-week) or a descriptor such as @daily", quote(spec), err)
		return ""
	}
	return spec
}

// source decodes a county's source. Keys of the other kind are reported; when the kind
// itself is missing or bad, the keys of both kinds are still checked.
func (d *decoder) source(m *mapping, s *seen) Source {
	var src Source
	src.Kind = m.enum("kind", true, "", KindDir, KindHTTP)
	others := map[string][]string{KindDir: httpKeys, KindHTTP: dirKeys}[src.Kind]
	for _, k := range others {
		if m.has(k) {
			d.bad(m.line(k), m.key(k), "not allowed with kind: %s", src.Kind)
		}
	}
	if src.Kind != KindHTTP {
		d.dirSource(m, &src, s)
	}
	if src.Kind != KindDir {
		d.httpSource(m, &src)
	}
	return src
}

// dirSource decodes the keys of a kind: dir source.
func (d *decoder) dirSource(m *mapping, src *Source, s *seen) {
	isDir := src.Kind == KindDir
	src.Path = m.filePath("path", isDir, "")
	if src.Path != "" {
		if first := s.paths[src.Path]; first != 0 {
			d.bad(m.line("path"), m.key("path"), "is the source folder of another county too (first at line %d)", first)
		} else {
			s.paths[src.Path] = m.line("path")
		}
	}
	pattern, line := m.str("pattern", false, "")
	if pattern != "" {
		if err := checkPattern(pattern); err != nil {
			d.bad(line, m.key("pattern"), "%s %v", quote(pattern), err)
			pattern = ""
		}
	}
	src.Pattern = pattern
	src.Encoding = m.enum("encoding", false, "", encodings...)
	src.Settle = m.duration("settle", 0, false)
	src.Archive = m.boolean("archive", false)
	if isDir {
		if src.Encoding == "" {
			src.Encoding = DefaultEncoding
		}
		if m.value("settle", false) == nil {
			src.Settle = DefaultSettle
		}
	}
}

// httpSource decodes the keys of a kind: http source (README, Feeds; docs/feeds.md).
func (d *decoder) httpSource(m *mapping, src *Source) {
	isHTTP := src.Kind == KindHTTP
	u, line := m.str("url", m.has("url"), "")
	if u != "" {
		if err := checkURL(u); err != nil {
			d.bad(line, m.key("url"), "%v", err)
			u = ""
		}
	}
	src.URL = u
	urls, lines, _ := m.list("urls", false)
	for i, u := range urls {
		if err := checkURL(u); err != nil {
			d.bad(lines[i], fmt.Sprintf("%s[%d]", m.key("urls"), i), "%v", err)
			continue
		}
		src.URLs = append(src.URLs, u)
	}
	switch {
	case m.has("url") && m.has("urls"):
		d.bad(m.line("urls"), m.key("urls"), "give url or urls, not both")
	case isHTTP && !m.has("url") && !m.has("urls"):
		d.add(m.node.Line, m.key("url"), fmt.Sprintf(`missing required key "url" (or "urls") in %s`, m.path))
	}

	src.Mode = m.enum("mode", false, "", ModeFile, ModeAPI)
	if isHTTP && m.value("mode", false) == nil {
		src.Mode = DefaultMode
	}
	if src.Mode == ModeAPI && m.has("urls") {
		d.bad(m.line("urls"), m.key("urls"), "only for mode: file; mode: api takes one url")
	}

	types, lines, present := m.list("record_types", false)
	if present && src.Mode == ModeFile {
		d.bad(m.line("record_types"), m.key("record_types"), "only for mode: api; a file names its record types itself")
	}
	firsts := map[string]int{}
	for i, t := range types {
		k := fmt.Sprintf("%s[%d]", m.key("record_types"), i)
		switch {
		case !slices.Contains(RecordTypes(), t):
			d.bad(lines[i], k, "%s is not allowed; want %s", quote(t), orList(RecordTypes()))
		case firsts[t] != 0:
			d.bad(lines[i], k, "%s is given twice (first at line %d)", quote(t), firsts[t])
		default:
			firsts[t] = lines[i]
			src.RecordTypes = append(src.RecordTypes, t)
		}
	}
	if isHTTP && src.Mode == ModeAPI && !present {
		src.RecordTypes = RecordTypes()
	}

	token, line := m.str("token_env", m.has("token_env"), "")
	if token != "" && !envNameRE.MatchString(token) {
		badEnvName(d, line, m.key("token_env"))
		token = ""
	}
	src.TokenEnv = token
	src.CAFile = m.filePath("ca_file", m.has("ca_file"), "")

	src.Timeout = m.duration("timeout", 0, true)
	src.Retries = m.integer("retries", -1, 0)
	src.MaxBytes = m.size("max_bytes")
	if isHTTP {
		if src.Timeout == 0 {
			src.Timeout = DefaultTimeout
		}
		if src.Retries < 0 {
			src.Retries = DefaultRetries
		}
		if src.MaxBytes == 0 {
			src.MaxBytes = DefaultMaxBytes
		}
	} else if src.Retries < 0 {
		src.Retries = 0
	}
}

// size returns key's value, a positive byte count, or 0 when absent or bad.
func (m *mapping) size(key string) int64 {
	s, line := m.str(key, false, "")
	if s == "" {
		return 0
	}
	n, err := parseSize(s)
	switch {
	case err != nil:
		m.d.bad(line, m.key(key), "%s is not a size (%v); want bytes as a whole number or with a unit such as 512MiB or 1GB", quote(s), err)
	case n == 0:
		m.d.bad(line, m.key(key), "%s must be more than 0", quote(s))
	default:
		return n
	}
	return 0
}

// reports decodes the optional reports block, applying its defaults.
func (d *decoder) reports(root *mapping, c *Config) {
	c.Reports = Reports{
		Schedule: DefaultReportsSchedule,
		Out:      d.abs(DefaultReportsOut),
		Formats:  []string{FormatHTML, FormatXLSX, FormatPDF},
		// Cleared below when the file lists the formats.
		DefaultFormats: true,
		Problems:       DefaultReportProblems(),
	}
	m := root.child("reports", false, reportsKeys)
	if m == nil {
		return
	}
	c.Reports.Schedule = m.schedule("schedule", false, DefaultReportsSchedule)
	c.Reports.Out = m.filePath("out", false, DefaultReportsOut)
	d.reportsWords(m, c)
	formats, lines, present := m.list("formats", false)
	if !present {
		return
	}
	c.Reports.Formats, c.Reports.DefaultFormats = nil, false
	firsts := map[string]int{}
	for i, f := range formats {
		k := fmt.Sprintf("%s[%d]", m.key("formats"), i)
		switch {
		case f != FormatHTML && f != FormatXLSX && f != FormatPDF:
			d.bad(lines[i], k, "%s is not allowed; want html, xlsx or pdf", quote(f))
		case firsts[f] != 0:
			d.bad(lines[i], k, "%s is given twice (first at line %d)", quote(f), firsts[f])
		default:
			firsts[f] = lines[i]
			c.Reports.Formats = append(c.Reports.Formats, f)
		}
	}
}

// export decodes the optional export block, applying its defaults.
func (d *decoder) export(root *mapping, c *Config) {
	c.Export = Export{
		Schedule: DefaultExportSchedule,
		Out:      d.abs(DefaultExportOut),
		KeyEnv:   DefaultExportKeyEnv,
		K:        DefaultExportK,
	}
	line, key := root.line("key_env"), "key_env"
	if m := root.child("export", false, exportKeys); m != nil {
		c.Export.Schedule = m.schedule("schedule", false, DefaultExportSchedule)
		c.Export.Out = m.filePath("out", false, DefaultExportOut)
		env, envLine := m.str("key_env", m.has("key_env"), DefaultExportKeyEnv)
		if env != "" && !envNameRE.MatchString(env) {
			badEnvName(d, envLine, m.key("key_env"))
			env = ""
		}
		c.Export.KeyEnv = env
		if m.has("key_env") {
			line, key = envLine, m.key("key_env")
		}
		if m.has("key_file") {
			if m.has("key_env") {
				d.bad(m.line("key_file"), "export.key_file", "give export.key_env or export.key_file, not both")
			}
			c.Export.KeyFile = m.filePath("key_file", true, "")
			c.Export.KeyEnv = ""
			if c.Export.KeyFile != "" && c.Export.KeyFile == c.KeyFile {
				d.bad(m.line("key_file"), "export.key_file", "key_file and export.key_file are the same file; the export secret must differ from the person_key secret")
			}
		}
		c.Export.K = m.integer("k", DefaultExportK, 2)
	}
	if c.Export.KeyEnv != "" && c.Export.KeyEnv == c.KeyEnv {
		d.bad(line, key, "key_env and export.key_env both name %s; the export secret must differ from the person_key secret", c.KeyEnv)
	}
}
