"""Name and ID-number normalisation and tolerant matching (validators.support.names + rare_chars.yaml)."""

from __future__ import annotations

import pytest

from validators.identity import RARE_CHARS_PATH, matcher
from validators.support.names import (
    MatchKind,
    NameMatcher,
    NameTables,
    is_valid_id,
    name_key,
    normalize_id,
    normalize_name,
)

W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, W, strict=True)) % 11]


ID = make_id("65010219850312123")  # valid, check digit computed


def test_tables_load_and_validate() -> None:
    t = NameTables.load(RARE_CHARS_PATH)
    assert "岩" in t.substitutes["䶮"]
    assert t.pinyin["𠇔"] == ["hua"]
    with pytest.raises(ValueError):
        NameTables.model_validate({"substitutes": {"䶮岩": ["岩"]}})
    with pytest.raises(ValueError):
        NameTables.model_validate({"ocr_confusables": ["己"]})


@pytest.mark.parametrize(
    "a,b",
    [
        ("买买提·艾力", "买买提•艾力"),
        ("买买提·艾力", "买买提・艾力"),
        ("买买提·艾力", "买买提‧艾力"),
        ("买买提·艾力", "买买提．艾力"),
        ("买买提·艾力", "买买提.艾力"),
        ("买买提·艾力", "买买提艾力"),
        ("张 伟明", "张伟明"),
        ("张　伟明", " 张伟明 "),
        ("ＷＡＮＧ yan", "wangYAN"),
    ],
)
def test_written_forms_are_equal(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)
    assert matcher().compare(a, b).kind is MatchKind.EQUAL


def test_normalize_name_keeps_one_dot() -> None:
    assert normalize_name(" 阿依古丽 ・ 吐尔逊 ") == "阿依古丽·吐尔逊"
    assert normalize_name("阿依古丽··吐尔逊") == "阿依古丽·吐尔逊"


def test_normalize_id_width_spaces_and_x() -> None:
    assert normalize_id("１１０１０５ １９４９１２３１００２ｘ") == "11010519491231002X"
    assert normalize_id("11010519491231002x") == "11010519491231002X"
    assert is_valid_id("11010519491231002x")
    assert not is_valid_id("110105194912310021")


def test_rare_char_substitute_is_a_variant() -> None:
    c = matcher().compare("李堃", "李坤")
    assert c.kind is MatchKind.VARIANT and c.diffs == (("堃", "坤"),)
    assert matcher().compare("张哲", "张喆").kind is MatchKind.VARIANT  # either direction


def test_placeholder_is_a_variant() -> None:
    assert matcher().compare("刘䶮", "刘□").kind is MatchKind.VARIANT


def test_pinyin_registration_matches() -> None:
    assert matcher().compare("刘yan", "刘䶮").kind is MatchKind.PINYIN
    assert matcher().compare("陈miao", "陈淼").kind is MatchKind.PINYIN
    # pypinyin does not know 𠇔: its reading comes from the data file
    assert matcher().compare("王hua", "王𠇔").kind is MatchKind.PINYIN
    assert NameMatcher().compare("王hua", "王𠇔").kind is MatchKind.DIFFERENT
    # a whole name in pinyin
    assert matcher().compare("LIU YAN", "刘䶮").kind is MatchKind.PINYIN


def test_common_homophones_are_different() -> None:
    assert matcher().compare("张伟", "张玮").kind is MatchKind.DIFFERENT
    assert matcher().compare("张伟明", "张卫明").kind is MatchKind.DIFFERENT
    with pytest.raises(ValueError, match="GB 2312"):
        NameTables.model_validate({"substitutes": {"玮": ["伟"]}})


def test_real_difference_is_different() -> None:
    assert matcher().compare("张伟明", "李建国").kind is MatchKind.DIFFERENT
    assert matcher().compare("张伟明", "张伟").kind is MatchKind.DIFFERENT
    assert matcher().compare("刘yan", "刘明").kind is MatchKind.DIFFERENT


def test_ocr_doubt_needs_low_confidence_or_lookalike() -> None:
    m = matcher()
    # one character differs: a doubt only when OCR read it with low confidence ...
    assert (
        m.compare("张伟明", "张伟朋", confidence=0.95, ocr=True).kind is MatchKind.OCR_DOUBT
    )  # 明/朋 look alike
    assert m.compare("张伟明", "张伟强", confidence=0.99, ocr=True).kind is MatchKind.DIFFERENT
    assert m.compare("张伟明", "张伟强", confidence=0.6, ocr=True).kind is MatchKind.OCR_DOUBT
    # ... and never for typed text
    assert m.compare("张伟明", "张伟强", confidence=0.6).kind is MatchKind.DIFFERENT
    # a dropped character at low confidence
    assert m.compare("张伟明", "张明", confidence=0.7, ocr=True).kind is MatchKind.OCR_DOUBT
    # the whole name with a neighbouring label read into it (layout bleed): doubt
    assert m.compare("张伟明", "张伟明性别", confidence=0.99, ocr=True).kind is MatchKind.OCR_DOUBT
    assert m.compare("张伟明", "张伟明性别", confidence=0.99).kind is MatchKind.DIFFERENT
    # two characters differ: a real difference whatever the confidence
    assert m.compare("张伟明", "张建国", confidence=0.5, ocr=True).kind is MatchKind.DIFFERENT


def test_id_comparison() -> None:
    m = matcher()
    assert m.compare_ids(ID, ID.lower()).same
    other = make_id("42080219850312123")
    assert m.compare_ids(ID, other, ocr=True).kind is MatchKind.DIFFERENT
    # a 1/7 confusion read with high confidence: doubt
    i = ID.index("1", 6)
    seven = ID[:i] + "7" + ID[i + 1 :]
    assert m.compare_ids(ID, seven, confidence=0.99, ocr=True).kind is MatchKind.OCR_DOUBT
    # any one digit at low confidence: doubt; at high confidence with a valid found number: different
    j = 8
    changed = ID[:j] + str((int(ID[j]) + 4) % 10) + ID[j + 1 :]
    assert m.compare_ids(ID, changed, confidence=0.5, ocr=True).kind is MatchKind.OCR_DOUBT
    # a repeated digit dropped by OCR (1231 -> 231 keeps a valid-looking prefix): doubt
    rep = make_id("65010219850311123")  # "11" in the sequence
    k = rep.index("11")
    dropped = rep[:k] + rep[k + 1 :]
    assert m.compare_ids(rep, dropped, confidence=0.99, ocr=True).kind is MatchKind.OCR_DOUBT
    # the applicant typed a digit too few, the card shows a valid number: the applicant's error
    assert m.compare_ids(dropped, rep, confidence=0.5, ocr=True).kind is MatchKind.DIFFERENT
