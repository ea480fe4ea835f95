"""Organization names in Vietnamese news: find them, give each one canonical name, list aliases.

The public functions:

* :func:`find_orgs` finds ministries, committees, people's committees and councils, Party
  committees, departments, courts, police, mass organizations (kind ``"gov"``) and a few
  kinds of other bodies (companies, schools, hospitals, newspapers, international bodies:
  kind ``"other"``) in a text, with exact character spans into the text as given;
* :func:`canonical_org` resolves a name typed by a user ("UBND Hà Nội", "BCĐ 35",
  "Bộ GD-ĐT") to the canonical name used for facets and ``org:`` filters;
* :func:`org_aliases` lists the spellings of one body, for query expansion; :func:`head_spellings`
  those of a kind of body typed alone ("Ban Chỉ đạo").

How a name is recognized
------------------------
A name is a *head* ("Bộ", "Sở", "Ban Chỉ đạo", "UBND", "Quốc hội"), then, as the head allows,
a known *field* ("Giáo dục và Đào tạo") or a free name ("Cục Quản lý lao động ngoài nước"), a
code ("Ban Chỉ đạo 35"), *qualifiers* ("Trung ương", "tối cao", "khóa XIII"), a *parent* body
("Ban Tuyên giáo Thành ủy") and one or two *places* ("huyện Krông Búk tỉnh Đắk Lắk", "TP.HCM").
Every word list lives in ``searchkit/data/orgs/`` (see its README): heads with their kind and
what they take, fields and abbreviations, qualifiers, place words, the provinces with their
type, foreign countries, stop words that end a free name, and family names that start a
person's name. The lists are compiled into regular expressions once, on first use.

Recognition runs on :func:`~searchkit.text.normalize.normalize`-d text, so both tone placements,
NFD and invisible characters are handled, and spans are mapped back to the raw input with
:func:`~searchkit.text.normalize.offset_arrays`: ``text[m.start:m.end] == m.text`` always.

Canonical names
---------------
The canonical name spells every part out in normalized spelling: head ("Ủy ban nhân dân" for
"UBND", "Uỷ ban nhân dân"), field ("Giáo dục và Đào tạo" for "GD-ĐT"), place with its type
("thành phố Hà Nội" for "TP Hà Nội" and for a bare "Hà Nội", "Thành phố Hồ Chí Minh" for
"TP.HCM"). Free words are kept as written, with the first one capitalized. A place word is
always spelled the same way, whatever the text's case ("Thành Phố Đà Nẵng" -> "thành phố Đà
Nẵng"; "Thành phố Hồ Chí Minh" is that city's own spelling).

A place word with no place name ("UBND thành phố", "Ban Chỉ đạo 35 Thành phố", "Sở Du lịch
tỉnh") is part of the mention's span but not of its canonical name: when the sentence names
exactly one place of that type ("… của UBND thành phố Hải Phòng do Phó Chủ tịch UBND thành
phố dẫn đầu"), that place is attached; otherwise the name stays generic ("Ủy ban nhân dân",
"Ban Chỉ đạo 35"), the same name as a bare "UBND", so that an ``org:`` filter or facet on it
reads as "any people's committee" (filters match more specific names by prefix). Keeping
"thành phố" would make a bucket that names no body and matches neither Hà Nội's nor Thành
phố Hồ Chí Minh's committee. Only the sentence is searched: a city named a paragraph
earlier is too often another city.

A free name ends at a word's end: a stop word that is a syllable of a listed compound
("Cục Hàng không", "Trung tâm Dịch vụ việc làm") does not end it.
"""


from searchkit.text.orgs.names import (
    MAX_NAME_LENGTH,
    OrgKind,
    OrgMention,
    canonical_org,
    find_orgs,
    head_spellings,
    is_family_name,
    org_aliases,
)
from searchkit.text.orgs.places import canonical_place, place_aliases

__all__ = [
    "MAX_NAME_LENGTH", "OrgKind", "OrgMention", "canonical_org", "canonical_place", "find_orgs", "head_spellings",
    "is_family_name", "org_aliases",
    "place_aliases",
]
