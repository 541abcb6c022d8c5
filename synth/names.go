package synth

import (
	"math/rand/v2"
	"strings"
)

// Pools of characters for invented place and person names. Place names are
// two characters and a suffix (村, 社区, 镇, 乡, 街道); they are plausible but
// drawn at random, not copied from any real list.
var (
	placeFirst = []rune("东西南北上下前后大小新中高柳杨槐榆杏桃枣梨石沙泉河龙凤马牛白红青黄金安永兴和丰福太长平宁康仁义崇文武乐望晋汾古云双三五七庙")
	// villageSecond ends a village name (before 村).
	villageSecond = []rune("庄沟峪坡堡寨营店桥湾岭园头口峰川塔窑林坪家滩洼寺城里屯门水泉阳山渠源")
	// communitySecond ends a community name (before 社区).
	communitySecond = []rune("园苑里坊街路桥湾城府庭亭门阁林景华馨盛苑")
	// townshipSecond ends a township name (before 街道, 镇 or 乡).
	townshipSecond = []rune("峪沟城庄营店桥河泉源阳川坪山关峰寨堡")

	surnames    = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
	givenFemale = []rune("芳娜敏静丽艳娟霞婷雪慧琳颖倩佳欣怡晓悦璐瑶蕾洁萍燕玲丹妍岚梅兰")
	givenMale   = []rune("伟强磊军洋勇杰涛明超鹏浩宇晨博帅斌飞凯鑫峰旭辉刚健毅振龙亮")
	givenBoth   = []rune("文思子雨嘉一佳晓泽宁安雅翔睿子恒瑞新")

	universities = []string{
		"山西大学", "太原理工大学", "中北大学", "山西财经大学", "山西农业大学", "山西医科大学",
		"山西师范大学", "太原科技大学", "太原师范学院", "山西中医药大学", "北京师范大学",
		"中国人民大学", "南开大学", "天津大学", "兰州大学", "西北农林科技大学", "中国农业大学",
		"华中师范大学", "西安交通大学", "郑州大学", "河北大学", "中国石油大学（华东）",
		"中国矿业大学（北京）", "东北师范大学", "陕西师范大学",
	}
	majors = []string{
		"农业推广", "作物学", "农林经济管理", "公共管理", "行政管理", "社会工作", "社会学", "法学",
		"马克思主义理论", "汉语言文字学", "思想政治教育", "会计学", "金融学", "计算机技术", "软件工程",
		"环境工程", "水利工程", "土木工程", "园艺学", "畜牧学", "兽医", "食品科学与工程", "旅游管理",
		"电子商务", "统计学", "应用经济学", "区域经济学", "中共党史", "新闻与传播", "城乡规划学",
	}
	mentorRoles = []string{
		"村党支部书记", "村(社区)党组织书记", "村委会主任", "乡镇党委副书记", "乡镇组织委员",
		"驻村第一书记", "街道党工委委员", "社区党委书记",
	}
)

// politicalStatuses with their weights (the values of docs/feeds.md, 取值表).
var politicalStatuses = []weighted[string]{
	{"中共党员", 55}, {"中共预备党员", 10}, {"共青团员", 20}, {"群众", 12}, {"民主党派", 2}, {"无党派人士", 1},
}

// weighted is a value with a relative weight for pickWeighted.
type weighted[T any] struct {
	v T
	w int
}

// pickWeighted draws one value with probability proportional to its weight.
func pickWeighted[T any](r *rand.Rand, xs []weighted[T]) T {
	total := 0
	for _, x := range xs {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range xs {
		if n < x.w {
			return x.v
		}
		n -= x.w
	}
	return xs[len(xs)-1].v
}

// pick draws one element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between draws a date from a to b inclusive.
func between(r *rand.Rand, a, b date) date {
	if b <= a {
		return a
	}
	return a + date(r.IntN(int(b-a)+1))
}

// shuffled returns a shuffled copy of xs.
func shuffled[T any](r *rand.Rand, xs []T) []T {
	out := append([]T(nil), xs...)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// placeName draws a two-character stem from first and second, plus suffix,
// that is not yet in used, and records it.
func placeName(r *rand.Rand, second []rune, suffix string, used map[string]bool) string {
	for {
		name := string([]rune{pick(r, placeFirst), pick(r, second)}) + suffix
		if !used[name] {
			used[name] = true
			return name
		}
	}
}

// personName draws a Chinese name fitting the gender.
func personName(r *rand.Rand, male bool) string {
	var b strings.Builder
	// Common surnames are drawn more often: the index is skewed towards 0.
	u := r.Float64()
	b.WriteRune(surnames[int(u*u*float64(len(surnames)))])
	given := givenFemale
	if male {
		given = givenMale
	}
	if chance(r, 0.7) {
		if chance(r, 0.5) {
			b.WriteRune(pick(r, givenBoth))
		} else {
			b.WriteRune(pick(r, given))
		}
	}
	b.WriteRune(pick(r, given))
	return b.String()
}

// phoneNumber draws a mobile number 1[3-9]xxxxxxxxx.
func phoneNumber(r *rand.Rand) string {
	b := []byte{'1', byte('3' + r.IntN(7))}
	for range 9 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	return string(b)
}
