package synth

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// areaWords are what the configuration's comments say of each scale: the
// city key, the divisions list, the county codes.
var areaWords = map[string][3]string{
	ScaleCity:     {"# 城市：code 为统计用区划代码的前 4 位，name 用于报表标题。", "全市", "以城市代码开头"},
	ScaleProvince: {"# 范围为一个省：code 为统计用区划代码的前 2 位（省级代码），name 用于报表标题。", "全省", "以省级代码开头"},
	ScaleNational: {`# 范围为全国：code 写 "00"，各县的区划代码不限开头；name 用于报表标题。`, "全国", "全国范围，不限开头"},
}

// writeConfig writes the configuration file (README, Configuration) for the area, with
// Chinese comments explaining every key: it is the first thing a new user reads.
func writeConfig(path string, a *area, served map[string]string) error {
	words := areaWords[a.scale]
	var b strings.Builder
	b.WriteString(`# grassroots 配置文件（合成数据：` + a.name + `，由 grassroots generate / demo 生成）
#
# 本文件中的相对路径都相对于本文件所在的目录。
# 本文件不保存任何密钥：密钥放在环境变量或权限为 0600 的文件里，这里只写它们的名字。
# 写错的键名、缺少必填项或取值不合法，程序启动前就会报错并指出行号。

` + words[0] + `
city: {code: "` + a.code + `", name: ` + a.name + `}

# 时区：日期、定时任务和“今天”都按这个时区计算。
timezone: Asia/Shanghai

# 私有数据仓库：含姓名、身份证号、电话等个人信息，只由本程序写入，文件权限为 0600。
warehouse: data/warehouse.duckdb

# 发布给统计人员的快照：不含个人信息，每次成功运行后整体替换；
# 用 duckdb -readonly data/published/analytics.duckdb 打开，不会妨碍程序写入。
published: data/published/analytics.duckdb

# 计算人员编号 person_key 的密钥文件（64 个十六进制字符，权限必须为 0600）。
# 也可以删去这一行，改用 key_env: 环境变量名，从环境变量读取密钥。
key_file: ` + keyName + `

# 加密私有仓库中姓名、身份证号、联系电话的密钥文件（64 个十六进制字符，权限必须为 0600）。
# 它与上面的 person_key 密钥不同；丢失它就无法再读出这些个人信息。
# 也可以改用 pii_key_env: 环境变量名；换密钥用 grassroots rekey。
pii_key_file: ` + piiKeyName + `

# ` + words[1] + `村（社区）名录：村社区代码、名称、所属乡镇和县区、城乡分类、成立与撤销日期。
divisions: {path: ` + feedsDir + `/` + divisionsName + `}

# 各县（市、区）的数据来源，每个县一项：
#   code              6 位县级区划代码（` + words[2] + `）
#   name              县区名称
#   region            区域类型：remote（偏远）或 developed（发达），用于区域对比
#   bachelor_allowed  为 true 时允许本科学历入职；其他县的本科入职会记为数据问题
#   source.kind       dir：本地投递目录；http：从县里的接口拉取
#   source.path       投递目录，县里把文件放到这里
#   source.encoding   CSV 的字符编码：auto（自动识别）、utf-8 或 gb18030，默认 auto
#   source.settle     文件最后修改后要静置多久才读取（防止读到写了一半的文件）；演示数据已写完，设为 0s
#   source.archive    为 true 时把已入库的文件移到 <path>/archive/
#   schedule          拉取时间（cron 表达式，按上面的时区），各县错开
counties:
`)
	i := 0
	for _, u := range a.units {
		switch {
		case u.province == "":
		case strings.HasPrefix(u.name, u.province): // a municipality's districts or counties
			fmt.Fprintf(&b, "\n  # —— %s（%s）——\n", u.name, u.code)
		default:
			fmt.Fprintf(&b, "\n  # —— %s %s（%s）——\n", u.province, u.name, u.code)
		}
		for _, ct := range u.counties {
			writeCountyConfig(&b, a.scale, i, &ct, served)
			i++
		}
	}
	b.WriteString(`
# 月度报表：每月 1 日 8 点生成上个月的报表，写到 out 目录，格式为 HTML 和 Excel。
reports: {schedule: "0 8 1 * *", out: reports, formats: [html, xlsx]}
# 要把月报发邮件给组织部，把上面一行换成下面的写法（去掉行首的 #），填好邮件服务器和收件人：
#   smtp          邮件服务器 host:port；starttls 为 true（默认）时先加密再登录
#   username_env  保存登录用户名的环境变量名；password_env 保存密码的环境变量名（两个都给或都不给）
#   ca_file       可选：只信任这个 PEM 文件里的根证书
#   同一个月只发一次；grassroots report --send --resend 可以重发。
# reports:
#   schedule: "0 8 1 * *"
#   out: reports
#   formats: [html, xlsx]
#   mail:
#     smtp: smtp.example.cn:587
#     from: 月报 <report@example.cn>
#     to: [zzb@example.cn]
#     starttls: true
#     username_env: GRASSROOTS_SMTP_USER
#     password_env: GRASSROOTS_SMTP_PASSWORD

# 研究数据发布：每季度第一天 6 点导出去标识化的 Parquet 文件。
#   key_file 保存导出密钥的文件（权限 0600；研究编号由它生成，与 person_key 的密钥不同）；
#            也可以改用 key_env: 环境变量名
#   k        准标识符组合少于 k 人时置空，防止识别到个人
export: {schedule: "0 6 1 */3 *", out: export, key_file: ` + exportKeyName + `, k: 5}

# 某个县连续多久没有成功拉取就标记为“数据陈旧”。
stale_after: 72h
`)
	return writeFile(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// writeCountyConfig writes the entry of county ct, the i-th of the area.
func writeCountyConfig(b *strings.Builder, scale string, i int, ct *countyPlan, served map[string]string) {
	sh := ct.shape
	fmt.Fprintf(b, "  # %s：%s\n", ct.name, sh.zh)
	fmt.Fprintf(b, "  - code: %q\n", ct.code)
	fmt.Fprintf(b, "    name: %s\n", ct.name)
	fmt.Fprintf(b, "    region: %s\n", ct.region)
	if ct.bachelorAllowed {
		b.WriteString("    bachelor_allowed: true\n")
	}
	b.WriteString("    source:\n")
	if block, ok := served[ct.code]; ok {
		b.WriteString(block)
	} else {
		b.WriteString("      kind: dir\n")
		fmt.Fprintf(b, "      path: %s/%s\n", feedsDir, ct.code)
		if sh.encoding != "" {
			fmt.Fprintf(b, "      encoding: %s\n", sh.encoding)
		}
		b.WriteString("      settle: 0s\n")
		b.WriteString("      archive: false\n")
	}
	switch {
	case served != nil:
		b.WriteString("    schedule: \"* * * * *\"  # 演示：每分钟拉取一次\n")
	case scale == ScaleCity: // ten counties, ten minutes apart from 2:00
		m := 10 * i
		fmt.Fprintf(b, "    schedule: \"%d %d * * *\"\n", m%60, 2+m/60)
	default: // one minute apart from 1:00 to 5:59, then again
		m := i % 300
		fmt.Fprintf(b, "    schedule: \"%d %d * * *\"\n", m%60, 1+m/60)
	}
}

// writeKey writes 32 random bytes as 64 hex characters to a file of mode
// 0600. An existing key file is kept: person_key depends on it, and a
// warehouse loaded with it would otherwise see every person as new.
func writeKey(path string) error {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return os.Chmod(path, 0o600)
	}
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return fmt.Errorf("synth: key: %w", err)
	}
	// Remove any earlier key first: WriteFile keeps an existing file's mode.
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("synth: key: %w", err)
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key[:])), 0o600); err != nil {
		return fmt.Errorf("synth: key: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil { // whatever the umask
		return fmt.Errorf("synth: key: %w", err)
	}
	return nil
}
