package canon

// The city's division lists: the counties, townships and villages that rows
// are resolved against. The warehouse reads them from dim_county,
// dim_township and dim_village (warehouse.Divisions), and the normaliser
// indexes them (transform.NewDirectory); these are the only definitions.
type (
	// County is one county-level division: its 6-digit code and its name.
	County struct{ Code, Name string }
	// Township is one township-level division: its 9-digit code, its name
	// and the code of its county.
	Township struct{ Code, Name, CountyCode string }
	// Village is one village or community: its 12-digit code, its name and
	// the codes of its township and county.
	Village struct{ Code, Name, TownshipCode, CountyCode string }
)
