package ingest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"
)

// benchLedger returns n rows of a 21-column Chinese ledger, header first.
func benchLedger(n int) [][]string {
	rows := [][]string{{"姓名", "身份证号", "性别", "联系电话", "出生年月", "政治面貌", "学历", "毕业院校", "专业", "招录方式",
		"选岗轮次", "编制来源", "所在县(市、区)", "所在乡镇(街道)", "所在村(社区)", "村社区代码", "到岗时间", "离岗时间", "离岗原因", "两委职务", "任职时间"}}
	surnames := []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"}
	given := []string{"建国", "晓明", "丽娟", "志强", "雪梅", "海涛", "静", "磊", "婷婷", "宇航"}
	status := []string{"中共党员", "中共预备党员", "共青团员", "群众"}
	degrees := []string{"本科", "硕士研究生", "博士研究生"}
	schools := []string{"山西大学", "太原理工大学", "中北大学", "山西财经大学"}
	majors := []string{"汉语言文学", "农学", "计算机科学与技术", "法学", "会计学"}
	channels := []string{"专项引进", "公开招聘", "动态增补"}
	rounds := []string{"直接", "县内第一轮", "全市第二轮"}
	villages := []string{"东关村", "西营村", "南寨社区", "北街社区", "杜儿坪村"}
	for i := 1; i <= n; i++ {
		end, reason, role, roleStart := "", "", "", ""
		if i%7 == 0 {
			end, reason = "2024年3月", "考录公务员"
		}
		if i%5 == 0 {
			role, roleStart = "村委会委员", "2023.1.5"
		}
		rows = append(rows, []string{
			surnames[i%10] + given[(i/10)%10],
			fmt.Sprintf("140105%04d%02d%02d%04d", 1988+i%10, 1+i%12, 1+i%28, i%10000),
			[]string{"男", "女"}[i%2],
			fmt.Sprintf("139%08d", i),
			fmt.Sprintf("%d年%d月", 1988+i%10, 1+i%12),
			status[i%4], degrees[i%3], schools[i%4], majors[i%5], channels[i%3], rounds[i%3],
			[]string{"乡镇事业编制", "县级周转池"}[i%2],
			"小店区", "北格镇", villages[i%5],
			fmt.Sprintf("140105%03d%03d", 100+i%50, 200+i%100),
			fmt.Sprintf("2022-07-%02d", 1+i%28),
			end, reason, role, roleStart,
		})
	}
	return rows
}

// benchRead reads f over and over, reporting rows per second.
func benchRead(b *testing.B, f File, opts ReadOptions) {
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		if err := Read(context.Background(), f, opts, func(Row) error { rows++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkReadCSV(b *testing.B) {
	data := csvBytes(b, benchLedger(100_000), ',')
	dir := b.TempDir()
	b.Run("utf-8", func(b *testing.B) {
		f := writeFile(b, dir, "人员台账.csv", data)
		b.SetBytes(int64(len(data)))
		benchRead(b, f, ReadOptions{})
	})
	b.Run("gb18030", func(b *testing.B) {
		enc := gb(b, string(data))
		f := writeFile(b, dir, "人员台账-gb.csv", enc)
		b.SetBytes(int64(len(enc)))
		benchRead(b, f, ReadOptions{})
	})
}

func BenchmarkReadXLSX(b *testing.B) {
	rows := benchLedger(20_000)
	dir := b.TempDir()
	b.Run("shared strings", func(b *testing.B) {
		p := filepath.Join(dir, "shared.xlsx")
		xlsxFile(b, p, []string{"人员台账"}, map[string][][]string{"人员台账": rows})
		benchRead(b, fileAt(p, "shared.xlsx"), ReadOptions{})
	})
	b.Run("inline strings", func(b *testing.B) {
		p := filepath.Join(dir, "inline.xlsx")
		writeStreamed(b, p, rows)
		benchRead(b, fileAt(p, "inline.xlsx"), ReadOptions{})
	})
	b.Run("zip check alone", func(b *testing.B) {
		p := filepath.Join(dir, "shared.xlsx")
		for b.Loop() {
			if err := checkZip(context.Background(), p, "shared.xlsx", DefaultMaxUnzipBytes); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// writeStreamed writes rows with excelize's StreamWriter, which stores
// strings inline rather than in the shared-strings table.
func writeStreamed(b testing.TB, path string, rows [][]string) {
	b.Helper()
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	for i, r := range rows {
		vals := make([]any, len(r))
		for k, v := range r {
			vals[k] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := x.SaveAs(path); err != nil {
		b.Fatal(err)
	}
}
