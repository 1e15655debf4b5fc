"""Names and ID numbers: normalisation and tolerant comparison.

Two strings that name the same person can differ for harmless reasons:

* writing: full-width vs half-width characters, spaces, the middle dot of Uyghur/Kazakh names written
  as ``·``, ``•``, ``・``, ``‧``, ``．`` or ``.``, ``x`` vs ``X`` in an ID number;
* reading: OCR misreading one character (low field confidence, or a pair of look-alike characters);
* registration: a rare character (生僻字) that the insurance system holds as a usual substitute
  (``䶮`` → ``岩``), as pinyin (``李YAN``), or as a placeholder (``李□``).

:func:`normalize_name` / :func:`normalize_id` remove the first kind; :class:`NameMatcher` tells the other
kinds apart from a real difference (``MatchKind``). The character tables are data
(``validators/data/rare_chars.yaml``), passed in as :class:`NameTables`.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator
from pypinyin import Style, pinyin
from rapidfuzz.distance import Levenshtein

from pipeline.config import read_yaml
from pipeline.text.ids import is_valid_id, normalize_id

#: Below this field confidence, a one-character difference is taken as a possible OCR misreading.
LOW_CONFIDENCE = 0.9

#: At most this many extra characters around a whole expected name read by OCR are taken as layout bleed.
MAX_BLEED = 4

#: Middle-dot variants (after NFKC) used between the parts of Uyghur, Kazakh and foreign names.
_DOTS = "·•・‧.∙⋅᛫⸱ㆍᆞꞏ˙"
_DOT_RE = re.compile(f"[{re.escape(_DOTS)}]+")
_SPACE_RE = re.compile(r"\s+")
_ID_JUNK = re.compile(r"[\s\-]+")
#: Characters a system writes where it cannot store a rare character.
PLACEHOLDERS = frozenset("□■?*〓◇○�")
_LATIN_RUN = re.compile(r"[A-Z]+")


def normalize_name(value: str | None) -> str:
    """Canonical written form: NFKC (full-width → half-width, compatibility ideographs and Kangxi
    radicals → unified ideographs), no whitespace, one ``·`` for every middle-dot variant, upper-case
    Latin letters."""
    if not value:
        return ""
    s = unicodedata.normalize("NFKC", value)
    s = _SPACE_RE.sub("", s)
    s = _DOT_RE.sub("·", s).strip("·")
    return s.upper()


def name_key(value: str | None) -> str:
    """Comparison key: the normalised name without middle dots (``买买提·艾力`` == ``买买提艾力``)."""
    return normalize_name(value).replace("·", "")


# --------------------------------------------------------------------------- tables (data)


class NameTables(BaseModel):
    """``validators/data/rare_chars.yaml``."""

    #: rare character -> usual substitutes in systems that cannot store it
    substitutes: dict[str, list[str]] = Field(default_factory=dict)
    #: groups of characters OCR confuses with each other (each string is one group)
    ocr_confusables: list[str] = Field(default_factory=list)
    #: groups of ID-number characters OCR confuses
    id_confusables: list[str] = Field(default_factory=list)
    #: toneless pinyin of characters pypinyin does not know (``𠇔: [hua]``)
    pinyin: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("substitutes")
    @classmethod
    def _single_chars(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for rare, subs in v.items():
            if len(rare) != 1 or not subs or any(len(s) != 1 for s in subs):
                raise ValueError(
                    f"substitutes: {rare!r} must map one character to a list of single characters"
                )
            if not is_rare(rare):
                raise ValueError(f"substitutes: {rare!r} is in GB 2312, every system can store it")
        return v

    @field_validator("ocr_confusables", "id_confusables")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        for g in v:
            if len(g) < 2:
                raise ValueError(f"a confusable group needs at least two characters: {g!r}")
        return v

    @classmethod
    def load(cls, path: Path) -> NameTables:
        raw = read_yaml(path.read_text(encoding="utf-8")) or {}
        return cls.model_validate(raw)


def _pairs(groups: list[str]) -> frozenset[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for g in groups:
        for a, b in itertools.permutations(g, 2):
            out.add((a, b))
    return frozenset(out)


@lru_cache(maxsize=8192)
def readings(ch: str) -> frozenset[str]:
    """Toneless pinyin readings of one character (all heteronyms); empty when unknown."""
    if not ch or not (
        "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0003134f" or "\uf900" <= ch <= "\ufaff"
    ):
        return frozenset()
    out = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(
        r.upper().replace("Ü", "V") for r in (out[0] if out else []) if r.isascii() and r.isalpha()
    )


@lru_cache(maxsize=8192)
def is_rare(token: str) -> bool:
    """A pinyin token, or a Chinese character outside GB 2312 (the 6,763 characters every system stores)."""
    if len(token) != 1:
        return token.isascii() and token.isalpha()
    if token.isascii():
        return token.isalpha()
    try:
        token.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


# --------------------------------------------------------------------------- comparison


class MatchKind(StrEnum):
    EQUAL = "equal"  # the same once written forms are normalised
    OCR_DOUBT = "ocr_doubt"  # differs by one character that OCR may have misread
    VARIANT = "variant"  # a rare character vs its usual substitute or a placeholder
    PINYIN = "pinyin"  # the same sound: a homophone or the character written in pinyin
    DIFFERENT = "different"  # a real difference


@dataclass(frozen=True)
class Comparison:
    kind: MatchKind
    #: (expected, found) pieces that differ; ``""`` for a missing piece
    diffs: tuple[tuple[str, str], ...] = ()

    @property
    def same(self) -> bool:
        return self.kind is MatchKind.EQUAL

    @property
    def doubtful(self) -> bool:
        """Not equal, but explained by OCR or by rare-character registration: a warning, not a blocker."""
        return self.kind in (MatchKind.OCR_DOUBT, MatchKind.VARIANT, MatchKind.PINYIN)


def _tokens(key: str) -> list[str]:
    """One token per character, except a run of Latin letters (pinyin) which is one token."""
    out: list[str] = []
    pos = 0
    for m in _LATIN_RUN.finditer(key):
        out.extend(key[pos : m.start()])
        out.append(m.group(0))
        pos = m.end()
    out.extend(key[pos:])
    return out


class NameMatcher:
    def __init__(self, tables: NameTables | None = None, low_confidence: float = LOW_CONFIDENCE) -> None:
        t = tables or NameTables()
        self.low_confidence = low_confidence
        subs: set[tuple[str, str]] = set()
        for rare, options in t.substitutes.items():
            for s in options:
                subs.add((unicodedata.normalize("NFKC", rare), unicodedata.normalize("NFKC", s)))
        self._subs = frozenset(subs | {(b, a) for a, b in subs})
        self._confusable = _pairs(t.ocr_confusables)
        self._id_confusable = _pairs([g.upper() for g in t.id_confusables])
        self._extra_readings = {
            unicodedata.normalize("NFKC", c): frozenset(r.upper() for r in rs) for c, rs in t.pinyin.items()
        }

    def readings(self, ch: str) -> frozenset[str]:
        return readings(ch) | self._extra_readings.get(ch, frozenset())

    # ------------------------------------------------------------------ names

    def _token_kind(self, a: str, b: str) -> str:
        if a == b:
            return "equal"
        if (a in PLACEHOLDERS) != (b in PLACEHOLDERS):
            return "variant"
        if (a, b) in self._subs:
            return "variant"
        # the same sound counts only where a rare character is involved (written in pinyin or
        # another character because a system could not store it): two common homophones
        # (张伟 / 张玮) are different names
        if (is_rare(a) or is_rare(b)) and (self.readings(a) if len(a) == 1 else {a}) & (
            self.readings(b) if len(b) == 1 else {b}
        ):
            return "pinyin"
        if (a, b) in self._confusable:
            return "confusable"
        return "other"

    def _full_pinyin(self, cjk: str, latin: str) -> bool:
        """``李䶮`` vs ``LIYAN``: some reading of every character, concatenated, gives the Latin text."""
        options = [sorted(self.readings(c)) for c in cjk]
        if not all(options):
            return False
        n = 1
        for o in options:
            n *= len(o)
        if n > 256:
            return False
        return any("".join(combo) == latin for combo in itertools.product(*options))

    def compare(
        self, expected: str | None, found: str | None, *, confidence: float = 1.0, ocr: bool = False
    ) -> Comparison:
        """Compare a name as expected (applicant, registration) with one found elsewhere.

        ``ocr``: ``found`` was read by OCR with field confidence ``confidence``; a one-character
        difference that OCR may explain is then :attr:`MatchKind.OCR_DOUBT`.
        """
        a, b = name_key(expected), name_key(found)
        if a == b:
            return Comparison(MatchKind.EQUAL)
        ta, tb = _tokens(a), _tokens(b)
        if len(ta) == len(tb):
            diffs = tuple((x, y) for x, y in zip(ta, tb, strict=True) if x != y)
            kinds = [self._token_kind(x, y) for x, y in diffs]
            if all(k == "variant" for k in kinds):
                return Comparison(MatchKind.VARIANT, diffs)
            if all(k in ("variant", "pinyin") for k in kinds):
                return Comparison(MatchKind.PINYIN, diffs)
            if ocr and len(diffs) == 1 and (kinds[0] == "confusable" or confidence < self.low_confidence):
                return Comparison(MatchKind.OCR_DOUBT, diffs)
            return Comparison(MatchKind.DIFFERENT, diffs)
        # one side written entirely in pinyin
        for cjk, latin in ((a, b), (b, a)):
            if (
                latin.isascii()
                and latin.isalpha()
                and not any(c.isascii() for c in cjk)
                and self._full_pinyin(cjk, latin)
            ):
                return Comparison(MatchKind.PINYIN, ((a, b),))
        ops: Any = Levenshtein.editops(a, b)
        diffs = tuple(
            (a[op.src_pos] if op.tag != "insert" else "", b[op.dest_pos] if op.tag != "delete" else "")
            for op in ops
        )
        if ocr and len(ops) == 1 and confidence < self.low_confidence:
            return Comparison(MatchKind.OCR_DOUBT, diffs)
        if ocr and len(a) >= 2 and a in b and len(b) - len(a) <= MAX_BLEED:
            # the whole expected name plus a few characters of a neighbouring label (layout bleed)
            return Comparison(MatchKind.OCR_DOUBT, diffs)
        return Comparison(MatchKind.DIFFERENT, diffs)

    def similarity(self, expected: str | None, found: str | None) -> float:
        """0..1 normalised Levenshtein similarity of the comparison keys."""
        return float(Levenshtein.normalized_similarity(name_key(expected), name_key(found)))

    # ------------------------------------------------------------------ ID and card numbers

    def compare_ids(
        self, expected: str | None, found: str | None, *, confidence: float = 1.0, ocr: bool = False
    ) -> Comparison:
        """Compare an ID number as expected (typed by the applicant) with one found elsewhere.

        With ``ocr``, a found number that differs by one character is an OCR doubt when the field
        confidence is low, the two characters are look-alikes, or the found number fails its check
        digit while the expected one passes; a found number one digit short of the expected one is an
        OCR doubt when the missing digit sits in a run of repeated digits (a known OCR failure).
        A valid found number against an invalid expected one is a real difference: the applicant
        mistyped.
        """
        a, b = normalize_id(expected), normalize_id(found)
        if a == b:
            return Comparison(MatchKind.EQUAL)
        ops: Any = Levenshtein.editops(a, b)
        diffs = tuple(
            (a[op.src_pos] if op.tag != "insert" else "", b[op.dest_pos] if op.tag != "delete" else "")
            for op in ops
        )
        if not ocr or len(ops) != 1:
            return Comparison(MatchKind.DIFFERENT, diffs)
        a_valid, b_valid = is_valid_id(a), is_valid_id(b)
        if b_valid and not a_valid and len(b) == 18:
            return Comparison(MatchKind.DIFFERENT, diffs)
        op = ops[0]
        if op.tag == "replace":
            pair = (a[op.src_pos], b[op.dest_pos])
            if confidence < self.low_confidence or pair in self._id_confusable or (a_valid and not b_valid):
                return Comparison(MatchKind.OCR_DOUBT, diffs)
        elif op.tag == "delete":
            i = op.src_pos
            repeated = (i > 0 and a[i - 1] == a[i]) or (i + 1 < len(a) and a[i + 1] == a[i])
            if confidence < self.low_confidence or (repeated and a_valid):
                return Comparison(MatchKind.OCR_DOUBT, diffs)
        elif confidence < self.low_confidence:
            return Comparison(MatchKind.OCR_DOUBT, diffs)
        return Comparison(MatchKind.DIFFERENT, diffs)
