package canon

// Township kinds by the three digits after the county code (docs/warehouse.md, dim_township): the
// national statistical division code gives 001-099 to streets (街道), 100-199 to
// towns (镇), 200-399 to townships (乡) and 400-599 to units like townships
// (类似乡级单位: development zones, farms).
const (
	KindStreet   = "street"
	KindTown     = "town"
	KindTownship = "township"
	KindOther    = "other"
)

// TownshipKind derives a township's kind from its 9-digit code; ok is false for
// a code that is not 9 digits or whose kind digits fall outside 001-599.
func TownshipKind(code string) (kind string, ok bool) {
	n, ok := threeDigits(code, 9)
	switch {
	case !ok || n < 1:
		return "", false
	case n <= 99:
		return KindStreet, true
	case n <= 199:
		return KindTown, true
	case n <= 399:
		return KindTownship, true
	case n <= 599:
		return KindOther, true
	}
	return "", false
}

// Village kinds by the last three digits of the 12-digit code: 001-199 a
// residents' committee (社区/居委会), 200-399 a villagers' committee (村委会).
const (
	KindCommunity = "community"
	KindVillage   = "village"
)

// VillageKind derives a village's kind from its 12-digit code.
func VillageKind(code string) (kind string, ok bool) {
	n, ok := threeDigits(code, 12)
	switch {
	case !ok || n < 1:
		return "", false
	case n <= 199:
		return KindCommunity, true
	case n <= 399:
		return KindVillage, true
	}
	return "", false
}

// threeDigits returns the value of the last three digits of an all-digit code
// of exactly length n.
func threeDigits(code string, n int) (int, bool) {
	if len(code) != n {
		return 0, false
	}
	for i := 0; i < n; i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, false
		}
	}
	return int(code[n-3]-'0')*100 + int(code[n-2]-'0')*10 + int(code[n-1]-'0'), true
}
