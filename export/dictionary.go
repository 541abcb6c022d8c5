package export

// The data dictionary: every table and column of a release, with its type,
// described in Chinese and English. The manifest and the README are built
// from it. The tables written and their columns (names, order and types as
// read back from the Parquet files) must be exactly the dictionary's: any
// difference stops the release (see tableEntries), and the package's tests
// hold the SQL against the dictionary.

// Text is a description in Chinese and English.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

// tableDoc describes one table of a release.
type tableDoc struct {
	Name    string
	Title   Text        // a few words
	About   Text        // what one row is, what is in and out
	Columns []columnDoc // in the order read_parquet returns them (a partition column last)
}

// columnDoc describes one column: its name, its DuckDB type as read_parquet
// returns it (a Hive partition column read as text), and its definition.
type columnDoc struct {
	Name string
	Type string
	Text Text
}

// Shared column descriptions.
var (
	docResearchID = Text{
		"研究编号：HMAC-SHA256(导出密钥, person_key) 的小写十六进制，64 个字符；导出密钥与仓库的人员键密钥不同且不随数据发布，因此无法由研究编号反推身份或人员键；同一密钥下各次发布保持不变；用于关联各人员级表（persons、postings、roles、assessments、exits）",
		"research ID: lowercase hex of HMAC-SHA256(export secret, person_key), 64 characters; the export secret differs from the warehouse's person_key secret and is never released, so the ID cannot be traced back to a person or a person_key; the same in every release made with the same secret; joins the person-level tables (persons, postings, roles, assessments, exits)",
	}
	docChannel = Text{
		"招录方式：special_intro = 专项引进，open_recruit = 公开招聘，replenish = 动态增补",
		"recruitment channel: special_intro (专项引进, special introduction), open_recruit (公开招聘, open recruitment) or replenish (动态增补, dynamic replenishment)",
	}
	docEndReason = Text{
		"离岗原因：resigned = 辞职，transferred = 调动/转岗，civil_service = 考录公务员，promoted = 提拔任用，other = 其他",
		"reason for leaving: resigned (辞职), transferred (调动, 转岗), civil_service (考录公务员, passed the civil-service examination), promoted (提拔任用) or other (其他)",
	}
	docVillageKind = Text{
		"村级类别：village = 村（村委会），community = 社区（居委会）",
		"kind of village-level unit: village (村, villagers committee) or community (社区, urban residents committee)",
	}
	docCountyName = Text{"县（市、区）名称，如 娄烦县", "county name, e.g. 娄烦县"}
	docTownship   = Text{"乡级区划代码，9 位数字（前 6 位为县级代码）", "township division code: 9 digits, the first 6 being the county code"}
	docVillage    = Text{"村级统计用区划代码，12 位数字（前 9 位为乡级代码）", "statistical division code of the village or community: 12 digits, the first 9 being the township code"}
)

// county describes county_code in a table.
func county(zh, en string) Text {
	return Text{"县级区划代码，6 位数字：" + zh, "county division code, 6 digits: " + en}
}

// dictionary lists the tables in release order.
var dictionary = []tableDoc{
	{
		Name:  "persons",
		Title: Text{"人员", "Persons"},
		About: Text{
			"每名截至发布日已到岗（有一条到岗日期不晚于发布日的派驻记录）的研究生一行，按首个岗位所在县区分区。准标识符为 county_code、gender、birth_band、degree、entry_period、channel 及是否已离开项目（见 exits）。各县区取能使该县区被抑制人数不超过 10% 的最低重编码级别 recoding_level（0 = 不重编码；1 = 出生年份十年段、硕士博士合并为 postgraduate；2 = 招录方式合并为 special_intro 与 other；3 = 入职时间为两年期；4 = 不给出生年段；5 = 不给性别；6 = 不给学历；7 = 不给招录方式；8 = 不给入职时间）；重编码后准标识符组合相同的人数仍少于 k 时，该人的 gender、birth_band、degree、entry_period、channel 置为空，qi_suppressed 为 true；被抑制者仍显示县区和是否已离开，某县区某一类（已离开/在岗）的被抑制者不足 k 人时，再抑制同县区同类的其他人员补足 k 人（互补抑制）；survival_spells 给出各县区在岗者的在岗月数，即其入职时间的分布，若某县区被抑制的在岗者入职时间同属一期，则再抑制同县区另一期的一名在岗者（或其所在的整组），使被抑制的在岗者至少分属两期，其入职时间无从推出。",
			"One row per graduate posted by the release day (with a posting that started on or before it), partitioned by the county of the first posting. The quasi-identifiers are county_code, gender, birth_band, degree, entry_period, channel and whether the person had left the programme (see exits). Each county gets the lowest recoding level (recoding_level: 0 = none; 1 = 10-year birth bands, master and doctorate merged into postgraduate; 2 = channel special_intro or other; 3 = entry in two-year periods; 4 = birth band withheld; 5 = gender withheld; 6 = degree withheld; 7 = channel withheld; 8 = entry period withheld) at which at most 10% of its persons are suppressed; where fewer than k persons still share the recoded quasi-identifiers, their gender, birth_band, degree, entry_period and channel are null and qi_suppressed is true; since a suppressed person still shows the county and having left, where fewer than k suppressed persons of a county share having left (or not), further persons of the same county and kind are suppressed with them until they are k (complementary suppression); and since survival_spells gives the months in post of a county's persons still in post, hence how many entered in each period, where the suppressed persons in post of a county all share one entry period, one more person in post of another period (or that person's whole group) is suppressed, so that the suppressed persons in post span at least two periods and their entry cannot be derived.",
		},
		Columns: []columnDoc{
			{"research_id", "VARCHAR", docResearchID},
			{"gender", "VARCHAR", Text{
				"性别：male = 男，female = 女；空值 = 未知、级别 5 起不给出，或已抑制",
				"gender: male or female; null = unknown, withheld from level 5, or suppressed",
			}},
			{"birth_band", "VARCHAR", Text{
				"出生年份段：级别 0 为五年段（如 1990-1994），级别 1–3 为十年段（如 1990-1999）；空值 = 未知、级别 4 起不给出，或已抑制",
				"year of birth as a band: 5 years (e.g. 1990-1994) at level 0, 10 years (e.g. 1990-1999) at levels 1-3; null = unknown, withheld from level 4, or suppressed",
			}},
			{"degree", "VARCHAR", Text{
				"最高学历：doctorate = 博士，master = 硕士，bachelor = 本科；级别 1 起博士、硕士合并为 postgraduate；空值 = 未知、级别 6 起不给出，或已抑制",
				"highest degree: doctorate, master or bachelor; from level 1 doctorate and master are merged into postgraduate; null = unknown, withheld from level 6, or suppressed",
			}},
			{"entry_period", "VARCHAR", Text{
				"入职时间：首个岗位到岗年份（如 2020），级别 3 起为两年期（如 2019-2020、2021-2022）；空值 = 级别 8 不给出，或已抑制",
				"entry: the year of the first posting's start (e.g. 2020), from level 3 a two-year period (e.g. 2019-2020, 2021-2022); null = withheld at level 8, or suppressed",
			}},
			{"channel", "VARCHAR", Text{
				docChannel.ZH + "（首个岗位）；级别 2 起 open_recruit、replenish 合并为 other；空值 = 级别 7 起不给出，或已抑制",
				docChannel.EN + " (of the first posting); from level 2 open_recruit and replenish are merged into other; null = withheld from level 7, or suppressed",
			}},
			{"recoding_level", "INTEGER", Text{
				"本县区的重编码级别 0–8（见表说明），同县区各人相同",
				"the county's recoding level, 0-8 (see the table's description); the same for every person of a county",
			}},
			{"qi_suppressed", "BOOLEAN", Text{
				"是否因 k-匿名抑制了本人的准标识符（gender、birth_band、degree、entry_period、channel 被置空，其派驻记录的 channel 亦置空）",
				"whether this person's quasi-identifiers (gender, birth_band, degree, entry_period, channel) were set to null for k-anonymity, and the channel of the person's postings with them",
			}},
			{"county_code", "VARCHAR", county("首个岗位所在县区（分区列）", "county of the first posting (the partition column)")},
		},
	},
	{
		Name:  "postings",
		Title: Text{"派驻", "Postings"},
		About: Text{
			"每次到村（社区）任职一行（到岗日期不晚于发布日），按岗位所在县区分区。不含村、乡镇代码和名称，也不含日期：一村一名研究生，村代码即可识别个人，到岗、离岗月份可与村级逐月数据关联而定位到村，亦可读回被抑制的入职年份。只给出发布日是否已离岗；在岗时长见 survival_spells。村级类别和城乡类别仅在本县区村名录中每一类至少有 k 个村时给出，否则为空。",
			"One row per posting of a graduate to a village or community that started on or before the release day, partitioned by the county of the post. No village or township code or name, and no dates: with one graduate per village a village code identifies the person, and start and end months can be matched with village-level monthly figures to place the posting in its village, or read back a suppressed entry year. Only whether the posting had ended by the release day is given; durations are in survival_spells. The kind of village and its urban/rural class are given only where every class of them holds at least k villages of the county's list, else null.",
		},
		Columns: []columnDoc{
			{"research_id", "VARCHAR", docResearchID},
			{"village_kind", "VARCHAR", Text{docVillageKind.ZH + "；空值 = 本县区不给出", docVillageKind.EN + "; null = withheld in this county"}},
			{"urban_rural", "VARCHAR", Text{
				"城乡类别：urban = 城镇（城乡分类代码 1xx），rural = 乡村（2xx）；空值 = 名录未给出城乡分类代码，或本县区不给出",
				"urban (urban-rural class code 1xx) or rural (2xx); null = the class code is not in the city's list, or withheld in this county",
			}},
			{"channel", "VARCHAR", Text{
				docChannel.ZH + "；按本人所在县区的重编码级别合并（级别 2 起为 special_intro 或 other）；级别 7 起或本人被抑制时为空",
				docChannel.EN + "; recoded at the level of the person's county (special_intro or other from level 2); null from level 7 or when the person is suppressed",
			}},
			{"selection_round", "VARCHAR", Text{
				"选岗轮次：direct = 直接选岗，county_round = 县内第一轮调剂，city_round = 全市第二轮调剂；空值 = 未知",
				"selection round: direct (post chosen directly), county_round (first round, within the county) or city_round (second round, across the city); null = unknown",
			}},
			{"quota_source", "VARCHAR", Text{
				"编制来源：township = 乡镇事业编制，county_pool = 县级周转池",
				"source of the staff post: township (a township public-institution post) or county_pool (the county revolving pool)",
			}},
			{"posting_no", "INTEGER", Text{"本人第几次派驻（按到岗先后，从 1 起）", "the person's posting number, in order of start, from 1"}},
			{"ended", "BOOLEAN", Text{"发布日是否已离岗（发布日之后才离岗的视为仍在岗）", "whether the posting had ended by the release day (one ending later counts as running)"}},
			{"end_reason", "VARCHAR", Text{
				docEndReason.ZH + "；空值 = 发布日仍在岗或未填原因",
				docEndReason.EN + "; null = still in post on the release day, or no reason given",
			}},
			{"county_code", "VARCHAR", county("岗位所在县区（分区列）", "county of the post (the partition column)")},
		},
	},
	{
		Name:  "roles",
		Title: Text{"任职", "Roles"},
		About: Text{
			"研究生担任村（社区）“两委”或乡镇（街道）领导职务，每次任职一行（任职日期不晚于发布日）；只给职务类别和是否已离任，不含职务原文、村代码和日期（任职日期会缩小入职、离岗时间）。按任职所在县区分区：村职务取该村所在县区，乡镇职务取任职时最近一个岗位的县区。发布日之后才离任的视为仍在任。",
			"One row per leadership role a graduate took up on or before the release day, in a village committee (两委) or a township leadership team; only the role category and whether it had ended, not the title as written, the village or any date (a role's dates would narrow the entry and leaving months). Partitioned by the county of the role: the village's county, or for a township role the county of the latest posting begun by the role's start. A role that ended after the release day is shown as still held.",
		},
		Columns: []columnDoc{
			{"research_id", "VARCHAR", docResearchID},
			{"role_category", "VARCHAR", Text{
				"职务类别：secretary = 村（社区）党组织书记，committee = “两委”其他成员，township_leadership = 乡镇（街道）领导班子成员；统计两委成员时书记也计入",
				"role category: secretary (secretary of the village party organisation), committee (any other member of the village committees) or township_leadership (member of a township leadership team); a secretary also counts as a committee member",
			}},
			{"ended", "BOOLEAN", Text{"发布日是否已离任", "whether the role had ended by the release day"}},
			{"county_code", "VARCHAR", county("任职所在县区（分区列）", "county of the role (the partition column)")},
		},
	},
	{
		Name:  "assessments",
		Title: Text{"年度考核", "Assessments"},
		About: Text{
			"按县区、考核年度和等次统计的人数，考核年度不晚于发布日所在年份，只计发布范围内的研究生；不含研究编号：个人的考核年份会给出入职和离岗年份。县区取该年度末（或发布日）前最近一个岗位所在县区。",
			"Persons of the release per county, assessment year and grade, for years up to the release day's year; no research_id: a person's assessment years would give away the entry and leaving years. The county is that of the latest posting begun by the end of the year (or by the release day).",
		},
		Columns: []columnDoc{
			{"county_code", "VARCHAR", county("考核年度所在岗位的县区", "county of the post in the assessment year")},
			{"year", "INTEGER", Text{"考核年度（4 位公历年）", "assessment year (4-digit calendar year)"}},
			{"grade", "VARCHAR", Text{
				"考核等次：excellent = 优秀，competent = 称职，basically_competent = 基本称职，incompetent = 不称职",
				"assessment grade: excellent (优秀), competent (称职), basically_competent (基本称职) or incompetent (不称职)",
			}},
			{"persons", "BIGINT", Text{"人数", "persons"}},
		},
	},
	{
		Name:  "exits",
		Title: Text{"离岗", "Exits"},
		About: Text{
			"截至发布日已离开项目的研究生一行：曾在岗，发布日无任何在岗记录（同 exits(as_of) 指标）。按最后一个岗位（离岗日期最晚者）所在县区分区。不含离岗月份和在岗时长（离岗月份是准标识符）；时长见 survival_spells。",
			"One row per graduate who had left the programme by the release day: posted before, in post nowhere on that day (as the exits(as_of) metric). Partitioned by the county of the last posting (the one that ended last). No month of leaving and no duration (the month of leaving is a quasi-identifier); durations are in survival_spells.",
		},
		Columns: []columnDoc{
			{"research_id", "VARCHAR", docResearchID},
			{"end_reason", "VARCHAR", Text{
				docEndReason.ZH + "，unspecified = 未填（最后一个岗位的离岗原因）",
				docEndReason.EN + ", unspecified when not given (of the last posting)",
			}},
			{"county_code", "VARCHAR", county("最后一个岗位所在县区（分区列）", "county of the last posting (the partition column)")},
		},
	},
	{
		Name:  "survival_spells",
		Title: Text{"在岗时长", "Spells in post"},
		About: Text{
			"每名研究生一行，不含研究编号，与其他表无法按人关联，按自身取值排序：首个岗位所在县区、自入职至离开项目（或至发布日仍在岗者）的完整月数、是否已离开。用于生存分析（如按区域的 Kaplan–Meier 在岗率）。",
			"One row per graduate, without research_id, so that it cannot be joined to the other tables person by person, ordered by its own values: the county of the first posting, the completed months from entry to leaving the programme (or to the release day for those still in post), and whether the person had left. For survival analysis, e.g. Kaplan-Meier retention by region.",
		},
		Columns: []columnDoc{
			{"county_code", "VARCHAR", county("首个岗位所在县区", "county of the first posting")},
			{"months_in_post", "INTEGER", Text{
				"自入职（首次到岗）至离开项目（最后一个岗位离岗日）的完整月数，含岗位间的间隔；仍在岗者计至发布日（删失）",
				"completed months from entry (the first posting's start) to leaving the programme (the last posting's end), gaps between postings included; for persons still in post, to the release day (censored)",
			}},
			{"exited", "BOOLEAN", Text{"发布日是否已离开项目（false = 删失）", "whether the person had left the programme by the release day (false = censored)"}},
		},
	},
	{
		Name:  "counties",
		Title: Text{"县区", "Counties"},
		About: Text{"每个县（市、区）一行，不含人员。", "One row per county-level unit (县/市/区); no persons."},
		Columns: []columnDoc{
			{"county_code", "VARCHAR", county("县区代码", "the county")},
			{"county_name", "VARCHAR", docCountyName},
			{"region", "VARCHAR", Text{
				"区域类别：remote = 偏远地区，developed = 发达地区",
				"region class: remote (偏远地区, remote area) or developed (发达地区, developed area)",
			}},
		},
	},
	{
		Name:  "villages",
		Title: Text{"村（社区）", "Villages and communities"},
		About: Text{
			"全市村社区名录中每个村（社区）一行，含已撤销的，不含人员。",
			"One row per village or community in the city's list, dissolved ones included; no persons.",
		},
		Columns: []columnDoc{
			{"village_code", "VARCHAR", docVillage},
			{"village_name", "VARCHAR", Text{"村（社区）名称", "name of the village or community"}},
			{"village_kind", "VARCHAR", docVillageKind},
			{"urban_rural_code", "VARCHAR", Text{
				"城乡分类代码：111 主城区，112 城乡结合区，121 镇中心区，122 镇乡结合区，123 特殊区域，210 乡中心区，220 村庄；1xx 计为城镇，2xx 计为乡村；空值 = 名录未给出",
				"urban-rural class code: 111 main urban area, 112 urban-rural fringe, 121 town centre, 122 town-rural fringe, 123 special area, 210 township centre, 220 village; 1xx counts as urban, 2xx as rural; null = not given",
			}},
			{"township_code", "VARCHAR", docTownship},
			{"township_name", "VARCHAR", Text{"乡镇（街道）名称", "township name"}},
			{"county_code", "VARCHAR", county("所属县区", "the county it belongs to")},
			{"established_month", "VARCHAR", Text{"设立月份 YYYY-MM；空值 = 未注明，视为一直存在", "month established, YYYY-MM; null = not stated, treated as always existing"}},
			{"dissolved_month", "VARCHAR", Text{"撤销月份 YYYY-MM；空值 = 仍然存在", "month dissolved, YYYY-MM; null = still exists"}},
		},
	},
	{
		Name:  "coverage_monthly",
		Title: Text{"逐月覆盖", "Coverage by county and month"},
		About: Text{
			"每个县区每月一行，自首个派驻月份至发布月份，于月末（发布月份为发布日）测量，定义同 coverage(as_of) 指标，不含人员。只按县区汇总、不按村：村级逐月人数恰在派驻开始、结束的月份加一、减一，与派驻记录关联即可定位到村。某月覆盖率 = villages_covered ÷ villages_in_universe。",
			"One row per county and month, from the month of the first posting to the release's month, measured on the month's last day (on the release day for its own month), with the definitions of the coverage(as_of) metric; no persons. Per county, not per village: a village's monthly count changes by one exactly in the months a posting starts and ends, which placed postings in their villages. A month's coverage rate = villages_covered ÷ villages_in_universe.",
		},
		Columns: []columnDoc{
			{"month", "VARCHAR", Text{"月份 YYYY-MM", "month, YYYY-MM"}},
			{"measured_on", "DATE", Text{"测量日：该月最后一天，发布月份为发布日", "day measured: the month's last day, or the release day in the release's month"}},
			{"county_code", "VARCHAR", county("县区", "the county")},
			{"villages_in_universe", "BIGINT", Text{
				"测量日在统计范围内的村（社区）数：设立日期为空或不晚于测量日，且撤销日期为空或晚于测量日",
				"villages in the universe on the day measured: established on or before it (or no date), and not dissolved on or before it",
			}},
			{"villages_covered", "BIGINT", Text{
				"其中测量日至少有一名研究生在岗的村数",
				"of those, the villages with at least one graduate in post on the day measured",
			}},
			{"graduates_in_post", "BIGINT", Text{"测量日在岗研究生人数（各村合计）", "graduates in post on the day measured (summed over villages)"}},
		},
	},
	{
		Name:  "quota",
		Title: Text{"编制", "Staffing quotas"},
		About: Text{
			"每个乡镇每年一行（乡镇编制数），以及每县每年一行县级周转池（township_code 为空），年度不晚于发布日所在年份，不含人员。",
			"One row per township and year (the township quota), and usually one row per county and year for the county revolving pool (township_code null), for years up to the release day's year; no persons.",
		},
		Columns: []columnDoc{
			{"county_code", "VARCHAR", county("县区", "the county")},
			{"township_code", "VARCHAR", Text{docTownship.ZH + "；空值 = 县级周转池行", docTownship.EN + "; null = the county-pool row"}},
			{"year", "INTEGER", Text{"编制年度（4 位公历年）", "quota year (4-digit calendar year)"}},
			{"township_quota", "INTEGER", Text{"乡镇编制数（岗位数）；空值 = 本行未填", "number of township posts in the quota; null = not given on this row"}},
			{"county_pool", "INTEGER", Text{"县级周转池调剂数（岗位数）；空值 = 本行未填", "number of posts from the county revolving pool; null = not given on this row"}},
		},
	},
}
