"""Text analysis: normalization, legacy encodings, word segmentation, organization names and
the analyzers that turn text into index terms.

>>> from searchkit.text import fold, normalize
>>> fold(normalize("Thành uỷ"))
'Thanh uy'
"""

from searchkit.text.normalize import fold, normalize, normalize_with_offsets
from searchkit.text.orgs import OrgMention, canonical_org, find_orgs, org_aliases
from searchkit.text.segment import Word, segment

__all__ = [
    "OrgMention",
    "Word",
    "canonical_org",
    "find_orgs",
    "fold",
    "normalize",
    "normalize_with_offsets",
    "org_aliases",
    "segment",
]
