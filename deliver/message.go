package deliver

import (
	"bytes"
	"fmt"
	"mime"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/reports"
)

// programme is the programme's name as the subject and the file names
// quote it.
const programme = "“一村（社区）一名研究生”工作月报"

// Subject is the mail's subject for the city and period ("2022-07"):
// 太原市“一村（社区）一名研究生”工作月报 2022年7月.
func Subject(city, period string) string {
	return city + programme + " " + monthWords(period)
}

// AttachmentName is the file name the report's file of the extension ext
// ("pdf", "xlsx") carries in the mail:
// 太原市“一村（社区）一名研究生”工作月报（2022年7月）.xlsx.
func AttachmentName(city, period, ext string) string {
	return city + programme + "（" + monthWords(period) + "）." + ext
}

// monthWords is a period "2022-07" written 2022年7月.
func monthWords(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

// dayWords is a day "2022-07-31" written 2022年7月31日.
func dayWords(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// attachment is one file of the report as the mail carries it.
type attachment struct {
	name  string // the Chinese file name
	bytes []byte
}

// attachments reads the period's PDF (when written) and workbook from dir;
// the workbook must be there.
func attachments(dir, city, period string) ([]attachment, error) {
	var out []attachment
	for _, f := range []struct {
		file, ext string
		required  bool
	}{{reports.PDFFile, "pdf", false}, {"report.xlsx", "xlsx", true}} {
		b, err := os.ReadFile(filepath.Join(dir, f.file))
		switch {
		case os.IsNotExist(err) && !f.required:
			continue
		case err != nil:
			return nil, fmt.Errorf("deliver: the report of %s: %w", period, err)
		}
		out = append(out, attachment{name: AttachmentName(city, period, f.ext), bytes: b})
	}
	return out, nil
}

// Body is the mail's plain text: who it is for, the headline figures of d
// on its last day, the vintage, and the attachments by name. It names no
// person: the headline holds only the city's totals.
func Body(city string, d *reports.ReportData, files []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "各位领导、同志：\n\n")
	fmt.Fprintf(&b, "现将《%s》发送给您，请查收附件。\n\n", Subject(city, d.Period))
	fmt.Fprintf(&b, "截至%s的主要指标：\n", dayWords(d.AsOf))
	for _, f := range d.Headline {
		fmt.Fprintf(&b, "  %s：%s\n", f.Label, FormatFigure(f.Kind, f.Value))
	}
	if d.PastData() {
		fmt.Fprintf(&b, "\n注意：已装载的数据截至%s，本月数字沿用该日状态。\n", dayWords(d.DataEnd))
	}
	if d.Vintage != "" {
		fmt.Fprintf(&b, "\n数据版本：%s\n", d.Vintage)
	}
	if len(files) > 0 {
		b.WriteString("\n附件：\n")
		for i, f := range files {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, f)
		}
	}
	b.WriteString("\n本邮件由 grassroots 自动发送。\n")
	return b.String()
}

// FormatFigure writes a headline figure: a count as a whole number, a rate
// as a percentage with one decimal, a ratio with two decimals; 暂无 when the
// figure is not defined.
func FormatFigure(kind string, v *float64) string {
	if v == nil {
		return "暂无"
	}
	switch kind {
	case "rate":
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	case "ratio":
		return strconv.FormatFloat(*v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(*v, 'f', 0, 64)
	}
}

// newMessage builds the mail of the period: the subject, the body and the
// attachments, each file's name encoded twice in its Content-Disposition
// (RFC 2231 filename*, which mail readers prefer, and the RFC 2047
// encoded-word in filename that older ones read).
func newMessage(m *config.Mail, city string, d *reports.ReportData, files []attachment, now time.Time) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingB64))
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("deliver: from: %w", err)
	}
	if err := msg.To(m.To...); err != nil {
		return nil, fmt.Errorf("deliver: to: %w", err)
	}
	msg.Subject(Subject(city, d.Period))
	msg.SetDateWithValue(now)
	msg.SetMessageID()
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	msg.SetBodyString(mail.TypeTextPlain, Body(city, d, names))
	for _, f := range files {
		if err := msg.AttachReader(f.name, bytes.NewReader(f.bytes), withDisposition(f.name)); err != nil {
			return nil, fmt.Errorf("deliver: attach %s: %w", f.name, err)
		}
	}
	return msg, nil
}

// withDisposition sets an attachment's Content-Disposition with its name
// in both encodings (see newMessage).
func withDisposition(name string) mail.FileOption {
	return func(f *mail.File) {
		f.Header.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`,
			mime.BEncoding.Encode("UTF-8", name), rfc2231Escape(name)))
	}
}

// rfc2231Escape percent-encodes every byte of s but RFC 2231's attribute
// characters (letters, digits and !#$&+-.^_`|~).
func rfc2231Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
