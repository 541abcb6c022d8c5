package ingest

import (
	"path/filepath"
	"strings"
)

// ResendAdvice tells a clerk, in Chinese, how to send again a file refused
// as ReasonUnsupported (by its name's extension): what it is and which
// format to save it as. It is the companion of Skipped.Reason, which stays
// the stable ReasonUnsupported; the advice never names the file's content.
func ResendAdvice(name string) string {
	const asXLSX = "请用 Excel 或 WPS 打开，另存为 .xlsx 后重新报送"
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".xlsm", ".xlsb", ".xltx", ".xltm", ".xlt":
		return "这是 Excel 的其他格式（" + ext + "），程序读不了；" + asXLSX
	case ".et", ".ett":
		return "这是 WPS 表格格式（" + ext + "），程序读不了；" + asXLSX
	case ".ods", ".fods":
		return "这是 OpenDocument 表格（" + ext + "），程序读不了；请用 WPS、Excel 或 LibreOffice 另存为 .xlsx 后重新报送"
	case ".numbers":
		return "这是 Numbers 表格，程序读不了；请在 Numbers 中“导出为 Excel（.xlsx）”后重新报送"
	case ".doc", ".docx", ".wps", ".wpt", ".rtf", ".pdf", ".odt":
		return "这是文档（" + ext + "），不是表格，程序读不了；请把台账填在 Excel 或 WPS 表格里，另存为 .xlsx 后重新报送（可用 grassroots template 生成的填报模板）"
	case ".zip", ".rar", ".7z", ".gz", ".tar":
		return "这是压缩包（" + ext + "），程序不解压；请解压后把其中的表格文件（.xlsx、.xls、.csv）直接放入报送目录"
	case ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic":
		return "这是图片（" + ext + "），程序读不了；请报送台账的电子表格（.xlsx），不要报送照片或扫描件"
	case "":
		return "文件没有扩展名，程序认不出格式；请另存为 .xlsx（或 .csv）后重新报送"
	}
	return "程序读不了这种格式；支持 .xlsx、.xls、.csv、.tsv、.txt、.json、.ndjson、.jsonl，" + asXLSX
}
