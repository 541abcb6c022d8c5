package clerkform

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/transform"
)

// sheetPurpose says, in a few words, what each sheet holds (docs/feeds.md, 一、报送哪些表).
var sheetPurpose = map[canon.RecordType]string{
	canon.Ledger:      "每名研究生每个岗位一行：本人信息、所在村（社区）、到岗和离岗、现任职务、最近一次考核。",
	canon.Roles:       "每人每次任职一行：村（社区）“两委”职务或乡镇（街道）领导职务及任职起止时间。",
	canon.Assessments: "每人每年一行：年度考核结果。",
	canon.Vacancies:   "每个空缺岗位一行：哪个村（社区）、何时登记、原因、何时补齐。",
	canon.Quota:       "每个乡镇（街道）每年一行：乡镇编制数和县级周转池调剂数。",
	canon.Subsidies:   "每次发放一行：发放时间、补贴类别、金额（元）。",
}

// guide writes the 填表说明 sheet: what each sheet is, the required
// columns, the value lists, the rules for dates, ID numbers and villages,
// the supplement rule, and one example row per sheet. The sheet is never
// read as data (transform.IsTemplateSheet).
func (b *builder) guide() error {
	f, sh, st := b.f, transform.InstructionSheet, b.styles
	row := 1
	line := func(style int, cells ...any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		row++
		if err := f.SetSheetRow(sh, cell, &cells); err != nil {
			return err
		}
		if style == st.wrap && len(cells) == 1 {
			// Readers do not all size a wrapped row: give it the height
			// of its lines (column A is 110 wide, a Chinese character 2).
			if s, ok := cells[0].(string); ok {
				if n := (textWidth(s) + guideWidth - 1) / guideWidth; n > 1 {
					if err := f.SetRowHeight(sh, row-1, float64(15*n)); err != nil {
						return err
					}
				}
			}
		}
		if style != 0 {
			return f.SetCellStyle(sh, cell, cell, style)
		}
		return nil
	}
	title := "一村(社区)一名研究生 数据填报模板"
	if b.opts.County != nil {
		title += "（" + b.opts.County.Name + " " + b.opts.County.Code + "）"
	} else if b.opts.City != "" {
		title += "（" + b.opts.City + "）"
	}
	steps := []error{
		line(st.title, title),
		line(0),
		line(st.bold, "一、怎么填"),
	}
	for _, s := range b.rules() {
		steps = append(steps, line(st.wrap, s))
	}
	steps = append(steps, line(0), line(st.bold, "二、各表"))
	for _, rt := range canon.CountyTypes {
		steps = append(steps, b.guideSheet(rt, line)...)
	}
	steps = append(steps, line(0), line(st.bold, "三、下拉列表的取值"))
	for _, rt := range canon.CountyTypes {
		for _, c := range transform.Columns(rt) {
			if vals := transform.Choices(rt, c.Name); len(vals) > 0 {
				note := "只能从中选择"
				if !c.Strict {
					note = "其他写法记为“其他”或按原样保存"
				}
				steps = append(steps, line(st.wrap, fmt.Sprintf("%s·%s：%s（%s）", rt.SheetName(), c.Header, strings.Join(vals, "、"), note)))
			}
		}
	}
	if err := joinFirst(steps); err != nil {
		return err
	}
	if err := f.SetColWidth(sh, "A", "A", guideWidth); err != nil {
		return err
	}
	if err := f.SetColWidth(sh, "B", "Z", 14); err != nil {
		return err
	}
	return b.printSetup(sh, "", false)
}

// rules are the general instructions.
func (b *builder) rules() []string {
	village := "村（社区）：填村（社区）名称和所在乡镇（街道），或 12 位村社区代码。"
	if b.opts.County != nil {
		village = "村（社区）：从“所在村(社区)”的下拉列表中选村名，并从“所在乡镇(街道)”的下拉列表中选乡镇（街道）。" +
			"本县的村社区名录（乡镇、村名、12 位代码）在“" + transform.ListSheet + "”表中；标“县内重名”的村名必须同时选乡镇（街道）。" +
			"也可以不选村名，只填 12 位村社区代码。"
	}
	return []string{
		"1. 每张表的第 1 行是表头，请勿修改、删除或移动；从第 2 行起一行填一条记录。不报的表可以只留表头。表名（人员台账、任职记录等）请勿修改。",
		"2. 红色表头是必填列：为空时整行被拒绝（missing:列名）。鼠标停在红色表头上可以看到说明。",
		"3. 有下拉箭头的列请从下拉列表中选择，不要自己打字；可选的值列在下面第三部分和“" + transform.ListSheet + "”表中（该表受保护，请勿修改）。",
		"4. 日期列已设为日期格式，请填真实的日期，如 2022-07-01（也可写 2022/7/1）；年份在 1900–2200 之间。",
		"5. 身份证号列为文本格式，请填 18 位身份证号（最后一位可以是 X），不要加空格或撇号；校验码不对的整行被拒绝（bad_id_checksum）。",
		"6. 年份填四位数字（如 2022）；编制数填不小于 0 的整数；金额以元为单位，不小于 0，最多两位小数。",
		"7. " + village,
		"8. 补充报送：只报新增或变化的几个人时，文件名或表名中必须含“补充”“新增”或“增补”（如 填报模板_补充_2022年8月.xlsx），" +
			"否则人员台账被当作全量台账，未列出的在岗人员都会被记为“台账中消失”（vanished_from_ledger）。",
		"9. 本说明表和“" + transform.ListSheet + "”表不会被读入，下面的示例行只是示例，请勿抄到数据表中。",
	}
}

// guideSheet describes one sheet: its purpose, required columns and an
// example row under its headers.
func (b *builder) guideSheet(rt canon.RecordType, line func(int, ...any) error) []error {
	cols := transform.Columns(rt)
	var req, heads, example []any
	var reqNames []string
	for _, c := range cols {
		heads = append(heads, c.Header)
		example = append(example, b.example(rt, c))
		if c.Required {
			reqNames = append(reqNames, c.Header)
		}
	}
	req = append(req, "必填列："+strings.Join(reqNames, "、"))
	return []error{
		line(0),
		line(b.styles.bold, fmt.Sprintf("%s：%s", rt.SheetName(), sheetPurpose[rt])),
		line(b.styles.wrap, req...),
		line(b.styles.wrap, "示例（只是示例，不会被读入）："),
		line(b.styles.header, heads...),
		line(0, example...),
	}
}

// exampleID is the example number of GB 11643 itself (its check character
// is valid): no one's real number.
const exampleID = "11010519491231002X"

// exampleValues are the example values that must agree with exampleID (a
// woman born on 1949-12-31) or with each other: no finding, no age rule.
var exampleValues = map[string]string{
	"gender": "女", "birth": "1949-12-31", "channel": "公开招聘", "end_date": "", "end_reason": "", "filled_on": "",
}

// example is an example value of a column: one a load accepts without a
// reject or a finding.
func (b *builder) example(rt canon.RecordType, c transform.ColumnInfo) any {
	if v, ok := exampleValues[c.Name]; ok {
		return v
	}
	if vals := transform.Choices(rt, c.Name); len(vals) > 0 {
		return vals[0]
	}
	switch c.Kind {
	case transform.KindDate:
		return "2022-07-01"
	case transform.KindID:
		return exampleID
	case transform.KindYear:
		return 2022
	case transform.KindCount:
		return 12
	case transform.KindAmount:
		return 1500
	case transform.KindCounty:
		if b.opts.County != nil {
			return b.opts.County.Name
		}
		return "某某县"
	case transform.KindTownship:
		if v, ok := b.lists.firstVillage(); ok {
			return b.lists.townshipName[v.TownshipCode]
		}
		return "某某镇"
	case transform.KindVillage:
		if v, ok := b.lists.firstVillage(); ok {
			return v.Name
		}
		return "某某村"
	case transform.KindDivCode:
		return ""
	}
	return map[string]string{"name": "张三", "phone": "13800000000", "university": "山西大学", "major": "农业管理"}[c.Name]
}

// joinFirst returns the first error of a list.
func joinFirst(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// guideWidth is the width of the instruction sheet's text column.
const guideWidth = 110

// textWidth is s's width in column units: 2 for a wide (CJK) character,
// 1 for others.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x1100 {
			w += 2
		} else {
			w++
		}
	}
	return w
}
