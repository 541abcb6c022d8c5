package export

import (
	"fmt"
	"strings"
)

// renderReadme writes the release's README.md, in Chinese and English, from
// its manifest: what the release is, its layout, the de-identification, how
// to read it, and every table and column with its type and definition.
func renderReadme(m *Manifest) []byte {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	version := m.ProgramVersion
	if version == "" {
		version = "(unknown)"
	}

	p("# 一村一名研究生项目研究数据 %s / Research release %s of the \"one graduate per village\" programme\n\n", m.Release, m.Release)
	p("- 发布日（数据截至）/ as of: **%s**\n", m.AsOf)
	p("- 生成时间 / created: %s\n", m.CreatedAt)
	p("- 程序版本 / program version: grassroots %s\n", version)
	if m.ConfigSHA256 != "" {
		p("- 配置文件 SHA-256 / configuration SHA-256: `%s`\n", m.ConfigSHA256)
	}
	p("- 人员数 / persons: %d\n", m.Persons)
	p("- k-匿名阈值 / k-anonymity threshold: k = %d\n\n", m.K)

	p("## 简介\n\n")
	p("本发布是“一村（社区）一名研究生”项目的去标识化研究数据，由 grassroots 从市级数据仓库导出。"+
		"人员级表（persons、postings、roles、assessments、exits）以研究编号 research_id 代替身份，按县区代码 county_code 以 Hive 方式分区；"+
		"村级表（counties、villages、coverage_monthly、quota）不含任何人员。数据截至发布日 %s：此后开始的派驻、任职不在其中，此后才结束的视为仍在进行。"+
		"每个文件的行数和 SHA-256、每列的类型和定义见 manifest.json。\n\n", m.AsOf)
	p("## About\n\n")
	p("This is the de-identified research release of the programme that posts a graduate to every village and urban community, "+
		"exported by grassroots from the city's warehouse. The person-level tables (persons, postings, roles, assessments, exits) identify "+
		"a person only by a research_id and are Hive-partitioned by county_code; the village-level tables (counties, villages, coverage_monthly, quota) "+
		"hold no persons at all. The data are as of the release day, %s: postings and roles that began later are left out, and those that ended later are shown as still running. "+
		"manifest.json gives every file's row count and SHA-256 and every column's type and definition.\n\n", m.AsOf)

	layout := [][2]string{
		{ManifestFile, "清单 / manifest: files, rows, SHA-256, columns"},
		{ReadmeFile, "本数据字典 / this data dictionary"},
	}
	for _, t := range m.Tables {
		path := t.Path
		if len(t.PartitionBy) > 0 {
			path = t.Name + "/" + t.PartitionBy[0] + "=<code>/data_0.parquet"
		}
		layout = append(layout, [2]string{path, t.Title.ZH + " / " + t.Title.EN})
	}
	width := 0
	for _, l := range layout {
		width = max(width, len(l[0]))
	}
	p("## 目录结构 / Layout\n\n```\n%s/\n", m.Release)
	for _, l := range layout {
		p("  %-*s  %s\n", width, l[0], l[1])
	}
	p("```\n\n")

	p("## 去标识化 / De-identification\n\n")
	p("设想的攻击者持有本发布、公开的村（社区）名录、已公布的月度报告，以及邻居、同事所知：某人的县区、性别、年龄、学历、招录方式、到岗和离岗月份。本发布按此设计（详见 grassroots 的 docs/privacy.md）：\n\n")
	p("- 不含姓名、身份证号、联系电话、人员键 person_key、毕业院校、专业、政治面貌、帮带导师、职务原文等自由文本。\n")
	p("- research_id = HMAC-SHA256(导出密钥, person_key) 的十六进制（64 个字符）。导出密钥不同于仓库生成人员键的密钥，且不随数据发布；同一密钥下各次发布的 research_id 相同，可跨发布关联同一人。\n")
	p("- 人员级表（persons、postings、roles、exits）不含村、乡镇代码，也不含任何日期：入职时间只给年份或两年期（entry_period），派驻和任职只给是否已结束。逐月覆盖只按县区汇总：村级逐月人数恰在派驻开始、结束的月份加一、减一，与派驻记录关联即可把派驻定位到村。村级类别和城乡类别仅在本县区每一类至少有 k 个村时给出。\n")
	p("- 在岗时长在 survival_spells 中，每人一行但不含研究编号；考核只给按县区、年度、等次的人数。二者均无法按人与人员级表关联。\n")
	p("- k-匿名（k = %d）：准标识符为 (county_code, gender, birth_band, degree, entry_period, channel, 是否已离开)。每个县区先做局部重编码（recoding_level 0–8：出生年份十年段、硕博合并、招录方式合并、入职两年期、不给出生年段、不给性别、不给学历、不给招录方式、不给入职时间），取使被抑制人数不超过 %d%% 的最低级别；偏远县区另须不高于发达县区合计的抑制比例（宁可多做重编码，也不多删人），使偏远县区不因人少而被大量抑制；重编码后仍不足 k 人的组，其 gender、birth_band、degree、entry_period、channel 置为空（qi_suppressed = true），其派驻记录的 channel 一并置空；被抑制者仍显示县区和是否已离开，若某县区某一类（已离开/在岗）的被抑制者不足 k 人，再抑制同县区同类的其他人员补足 k 人（互补抑制）；若某县区被抑制的在岗者入职时间同属一期（可由 survival_spells 的在岗月数减去已公开者推出），再抑制同县区另一期的在岗者，使其至少分属两期。被置空的值（原本非空者）按列计数如下；各县区的级别和抑制比例、各准标识符子集的唯一记录数见 manifest.json 的 risk。\n\n", m.K, maxSuppressedPct)
	p("The attacker assumed holds this release, the public list of villages and communities, the published monthly reports, and what a neighbour or colleague knows: a person's county, gender, age, degree, recruitment channel, and the months of arrival and departure. The release is built against that (see docs/privacy.md in grassroots):\n\n")
	p("- No name, ID number, phone, person_key, university, major, political status, mentor or free text such as role titles.\n")
	p("- research_id = hex of HMAC-SHA256(export secret, person_key), 64 characters. The export secret differs from the secret that makes person_key in the warehouse and is never released; releases made with the same secret share research_ids, so a person can be followed across releases.\n")
	p("- The person-level tables (persons, postings, roles, exits) carry no village or township code and no dates: entry is given as a year or a two-year period (entry_period), postings and roles only say whether they had ended. Coverage is given per county and month only: a village's monthly count changes by one exactly in the months a posting starts and ends, which placed postings in their villages. The kind of village and its urban/rural class are given only where each class holds at least k villages of the county.\n")
	p("- Durations are in survival_spells, one row per person but without research_id; assessments only as counts per county, year and grade. Neither can be joined to the person-level tables person by person.\n")
	p("- k-anonymity (k = %d): the quasi-identifiers are (county_code, gender, birth_band, degree, entry_period, channel, having left). Each county is first recoded locally (recoding_level 0-8: 10-year birth bands, master and doctorate merged, channels merged, two-year entry periods, birth band withheld, gender withheld, degree withheld, channel withheld, entry period withheld), at the lowest level that suppresses at most %d%% of its persons, and a remote county also no more than the developed counties pooled (it is recoded further rather than losing persons), so that remote counties are not suppressed wholesale for being small; in groups still under k, gender, birth_band, degree, entry_period and channel are set to null (qi_suppressed = true), and the channel of the person's postings with them; since a suppressed person still shows the county and having left, where fewer than k suppressed persons of a county share having left (or not), further persons of the same county and kind are suppressed until they are k (complementary suppression); where the suppressed persons in post of a county all share one entry period (which survival_spells' months in post, less the persons shown, would give away), a person in post of another period is suppressed with them, so that they span two periods at least. The values set to null (those that were not null already), per column, are below; the levels and suppressed shares per county and the unique records per subset of the quasi-identifiers are in the risk object of manifest.json.\n\n", m.K, maxSuppressedPct)
	p("| 列 column | 置空的值 values set to null |\n| --- | ---: |\n")
	for _, c := range m.QuasiIDs {
		if n, ok := m.SuppressedCells[c]; ok {
			p("| %s | %d |\n", c, n)
		}
	}
	p("\n")

	p("## 研究者失去什么 / What a researcher loses\n\n")
	p("- 日历时间：人员级表不再有月份，入职只到年或两年期；按月的到岗、离岗时间、岗位间隔、任职时点无法按人分析。原因：到岗、离岗月份是邻居所知的准标识符，且与村级逐月数据关联即可定位到村。\n")
	p("- 时长与个人属性的关联：survival_spells 只能按县区（及区域）分析在岗时长，不能按性别、学历、招录方式或离岗原因分层；考核等次不能与个人关联。原因：时长由到岗、离岗月份决定，是准标识符。\n")
	p("- 村级覆盖：只有县区逐月汇总。原因：村级逐月人数变化即派驻的起止。\n")
	p("- 精度：部分县区的出生年段、学历、招录方式、入职时间被合并，或性别、出生年段、学历、招录方式、入职时间不给出（见 recoding_level）；少数人的准标识符被置空。按 Kaplan–Meier 计算 12 个月在岗率时，以完整月数代替天数，与仓库按天的计算相差通常不到 0.01。\n\n")
	p("- Calendar time: the person-level tables hold no months, and entry only a year or a two-year period; arrival and departure months, gaps between postings and the timing of roles cannot be studied person by person. Why: the months of arrival and departure are quasi-identifiers a neighbour knows, and matched with village-level monthly figures they placed postings in their villages.\n")
	p("- Durations against personal attributes: survival_spells gives time in post by county (and region) only, not by gender, degree, channel or reason for leaving; assessment grades cannot be linked to persons. Why: a duration follows from the months of arrival and departure, a quasi-identifier.\n")
	p("- Village-level coverage: only county totals per month. Why: a village's monthly change is a posting's start or end.\n")
	p("- Precision: in some counties birth bands, degrees, channels and entry are merged, or gender, birth band, degree, channel or entry period withheld (see recoding_level); a few persons' quasi-identifiers are null. Kaplan-Meier retention at 12 months computed from completed months instead of days differs from the warehouse's day-based figure by typically less than 0.01.\n\n")

	p("## 读取 / Reading\n\n")
	p("在发布目录中运行。分区列 county_code 请按文本读取：DuckDB、pyarrow 和 R arrow 默认会把 140105 这样的分区值推断为整数，与村级表中的文本型 county_code 无法直接关联。\n\n")
	p("Run from the release folder. Read the partition column county_code as text: DuckDB, pyarrow and R arrow otherwise infer a partition value such as 140105 as an integer, which does not join with the text county_code of the village-level tables.\n\n")
	p("DuckDB:\n\n```sql\n%s```\n\n", readmeSQL)
	p("Python (pyarrow, pandas):\n\n```python\n%s```\n\n", readmePython)
	p("R (arrow):\n\n```r\n%s```\n\n", readmeR)

	p("## 数据表 / Tables\n\n")
	for _, t := range m.Tables {
		p("### %s — %s / %s\n\n", t.Name, t.Title.ZH, t.Title.EN)
		p("%s\n\n%s\n\n", t.Description.ZH, t.Description.EN)
		p("- 文件 / files: `%s`\n", t.Path)
		if len(t.PartitionBy) > 0 {
			p("- 分区 / partitioned by: `%s`\n", strings.Join(t.PartitionBy, "`, `"))
		}
		p("- 行数 / rows: %d\n\n", t.Rows)
		p("| 列 column | 类型 type | 说明 | description |\n| --- | --- | --- | --- |\n")
		for _, c := range t.Columns {
			p("| %s | %s | %s | %s |\n", c.Name, c.Type, cell(c.Description.ZH), cell(c.Description.EN))
		}
		p("\n")
	}

	p("## 校验 / Verifying\n\n")
	p("manifest.json 的 files 列出每个数据文件的路径、行数、字节数和 SHA-256；可用 `sha256sum` 核对。发布在临时目录中写完并同步后才整体改名到位，不会出现半个发布。\n\n")
	p("The files of manifest.json list every data file with its path, rows, bytes and SHA-256; check them with `sha256sum`. A release is written and synced in a temporary folder and renamed into place only when complete, so there is never half a release.\n")
	return []byte(b.String())
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// readmeSQL are the README's DuckDB examples; a test runs each statement on
// a release.
const readmeSQL = `-- 人员级表：county_code 按文本读取 / person-level tables, county_code as text
CREATE VIEW persons AS SELECT * FROM read_parquet('persons/*/*.parquet', hive_partitioning = true, hive_types = {'county_code': VARCHAR});
CREATE VIEW postings AS SELECT * FROM read_parquet('postings/*/*.parquet', hive_partitioning = true, hive_types = {'county_code': VARCHAR});
CREATE VIEW exits AS SELECT * FROM read_parquet('exits/*/*.parquet', hive_partitioning = true, hive_types = {'county_code': VARCHAR});

-- 按县区和入职时间的人数 / persons by county and entry
SELECT c.county_name, p.entry_period, count(*) AS persons
FROM persons p JOIN 'counties.parquet' c USING (county_code)
GROUP BY ALL ORDER BY ALL;

-- 各县区逐月覆盖率 / coverage rate by county and month
SELECT c.county_name, m.month, m.villages_covered / m.villages_in_universe AS coverage_rate
FROM 'coverage_monthly.parquet' m JOIN 'counties.parquet' c USING (county_code)
ORDER BY ALL;

-- 按区域和原因的离岗人数 / exits by region and reason
SELECT c.region, e.end_reason, count(*) AS exits
FROM exits e JOIN 'counties.parquet' c USING (county_code)
GROUP BY ALL ORDER BY ALL;

-- 按区域的 12 个月在岗率（Kaplan–Meier，按完整月数）/ 12-month retention by region (Kaplan-Meier, completed months)
SELECT region, product(1 - exits / at_risk) AS retained_12_months
FROM (
  SELECT c.region, s.months_in_post AS m,
         count(*) FILTER (WHERE s.exited) AS exits,
         sum(count(*)) OVER (PARTITION BY c.region ORDER BY s.months_in_post DESC) AS at_risk
  FROM 'survival_spells.parquet' s JOIN 'counties.parquet' c USING (county_code)
  GROUP BY c.region, s.months_in_post
)
WHERE m < 12
GROUP BY region ORDER BY region;

-- 每人的派驻次数与招录方式 / postings per person by channel
SELECT p.channel, count(*) AS persons, avg(n) AS postings_per_person
FROM persons p JOIN (SELECT research_id, count(*) AS n FROM postings GROUP BY ALL) USING (research_id)
GROUP BY ALL ORDER BY ALL;
`

// readmePython is the README's Python example.
const readmePython = `import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

# county_code 按文本读取（partitioning="hive" 会推断为整数）
# county_code as text (partitioning="hive" would infer an integer)
hive = ds.partitioning(pa.schema([("county_code", pa.string())]), flavor="hive")
persons = ds.dataset("persons", format="parquet", partitioning=hive).to_table().to_pandas()
postings = ds.dataset("postings", format="parquet", partitioning=hive).to_table().to_pandas()
villages = pd.read_parquet("villages.parquet")
coverage = pd.read_parquet("coverage_monthly.parquet")
print(persons.groupby(["county_code", "entry_period"], dropna=False).size())
`

// readmeR is the README's R example.
const readmeR = `library(arrow)
library(dplyr)

# county_code 按文本读取 / county_code as text
persons <- open_dataset("persons", partitioning = hive_partition(county_code = utf8()))
postings <- open_dataset("postings", partitioning = hive_partition(county_code = utf8()))
villages <- read_parquet("villages.parquet")
persons |> count(county_code, entry_period) |> collect()
`
