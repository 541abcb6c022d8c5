-- vocabulary.sql: the Chinese display labels of the codes the metric macros
-- return, in one place. Every macro that shows a label reads it through
-- label(); none spells a label itself.

-- vocabulary(): one row per label.
--   kind  VARCHAR  what the code is: region (dim_county.region), village_kind
--                  (dim_village.village_kind), urban_rural (urban for
--                  urban-rural classes 1xx, rural for 2xx), channel
--                  (fact_posting.channel), suffix (text written after a value:
--                  code entry_year is the suffix of an entry year, 2019年)
--   code   VARCHAR  the code as the tables and macros hold it
--   label  VARCHAR  its Chinese label
-- (kind, code) is unique; TestVocabulary holds it so.
CREATE OR REPLACE MACRO vocabulary() AS TABLE
    SELECT * FROM (VALUES
        ('region', 'remote', '偏远地区'),
        ('region', 'developed', '发达地区'),
        ('village_kind', 'village', '村（村委会）'),
        ('village_kind', 'community', '社区（居委会）'),
        ('urban_rural', 'urban', '城镇'),
        ('urban_rural', 'rural', '乡村'),
        ('channel', 'special_intro', '专项引进'),
        ('channel', 'open_recruit', '公开招聘'),
        ('channel', 'replenish', '动态增补'),
        ('suffix', 'entry_year', '年')
    ) v(kind, code, label);

COMMENT ON MACRO TABLE vocabulary IS
    '显示名称词表：kind 类别（region 区域、village_kind 村或社区、urban_rural 城乡、channel 招录方式、suffix 后缀）、code 代码、label 中文名称；各指标宏的中文名称都从这里取 / the display labels: kind (region, village_kind, urban_rural, channel, suffix), code, label (Chinese); every metric macro takes its labels from here';

-- label(k, c): the label of code c of kind k in vocabulary(); NULL when c is
-- NULL or not listed (as a CASE without ELSE gave).
CREATE OR REPLACE MACRO label(k, c) AS
    (SELECT v.label FROM vocabulary() v WHERE v.kind = k AND v.code = c);

COMMENT ON MACRO label IS
    '代码的中文名称：vocabulary() 中类别 k、代码 c 的 label，未列出或为空时为空 / the label of code c of kind k in vocabulary(); null when c is null or not listed';
