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
	p("- 不含姓名、身份证号、联系电话、人员键 person_key、毕业院校、专业、政治面貌、帮带导师、职务原文等自由文本。\n")
	p("- research_id = HMAC-SHA256(导出密钥, person_key) 的十六进制（64 个字符）。导出密钥不同于仓库生成人员键的密钥，且不随数据发布；同一密钥下各次发布的 research_id 相同，可跨发布关联同一人。\n")
	p("- 出生年份粗化为五年段（birth_band），人员级日期粗化为月份（YYYY-MM）。\n")
	p("- 人员级表不含村、乡镇代码：一村一名研究生，村代码即可识别个人；postings 以村级类别和城乡类别代替。\n")
	p("- k-匿名：(county_code, gender, birth_band, degree, entry_year) 组合相同的人数少于 k = %d 时，这些人的 gender、birth_band、degree、entry_year 置为空（qi_suppressed = true）；county_code 保留（它是分区列）。被置空的值（原本非空者）按列计数如下。\n\n", m.K)
	p("- No name, ID number, phone, person_key, university, major, political status, mentor or free text such as role titles.\n")
	p("- research_id = hex of HMAC-SHA256(export secret, person_key), 64 characters. The export secret differs from the secret that makes person_key in the warehouse and is never released; releases made with the same secret share research_ids, so a person can be followed across releases.\n")
	p("- Years of birth are coarsened to 5-year bands (birth_band) and person-level dates to months (YYYY-MM).\n")
	p("- Person-level tables carry no village or township code: with one graduate per village a village code would identify the person; postings give the kind of village and its urban/rural class instead.\n")
	p("- k-anonymity: where fewer than k = %d persons share (county_code, gender, birth_band, degree, entry_year), their gender, birth_band, degree and entry_year are set to null (qi_suppressed = true); county_code stays (it is the partition). The values set to null (those that were not null already), per column:\n\n", m.K)
	p("| 列 column | 置空的值 values set to null |\n| --- | ---: |\n")
	for _, c := range m.QuasiIDs {
		if n, ok := m.SuppressedCells[c]; ok {
			p("| %s | %d |\n", c, n)
		}
	}
	p("\n")

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

-- 按县区和入职年份的人数 / persons by county and entry year
SELECT c.county_name, p.entry_year, count(*) AS persons
FROM persons p JOIN 'counties.parquet' c USING (county_code)
GROUP BY ALL ORDER BY ALL;

-- 各县区逐月覆盖率 / coverage rate by county and month
SELECT c.county_name, m.month,
       count(*) FILTER (WHERE m.covered AND m.in_universe) / count(*) FILTER (WHERE m.in_universe) AS coverage_rate
FROM 'coverage_monthly.parquet' m JOIN 'counties.parquet' c USING (county_code)
GROUP BY ALL ORDER BY ALL;

-- 按区域和原因的离岗人数 / exits by region and reason
SELECT c.region, e.end_reason, count(*) AS exits, median(e.months_in_post) AS median_months
FROM exits e JOIN 'counties.parquet' c USING (county_code)
GROUP BY ALL ORDER BY ALL;

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
print(persons.groupby(["county_code", "entry_year"], dropna=False).size())
`

// readmeR is the README's R example.
const readmeR = `library(arrow)
library(dplyr)

# county_code 按文本读取 / county_code as text
persons <- open_dataset("persons", partitioning = hive_partition(county_code = utf8()))
postings <- open_dataset("postings", partitioning = hive_partition(county_code = utf8()))
villages <- read_parquet("villages.parquet")
persons |> count(county_code, entry_year) |> collect()
`
