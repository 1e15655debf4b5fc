"""GB 11643 resident ID numbers: validation with reasons, birth date and sex, OCR normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text import ids as idnumber


def make(first17: str) -> str:
    return first17 + idnumber.check_digit(first17)


VALID = make("42080219850312123")  # a male born 1985-03-12 in Jingmen Dongbao


def test_valid_number() -> None:
    assert idnumber.check(VALID).valid
    assert idnumber.check("11010519491231002X").valid  # the standard's own example
    assert idnumber.check("11010519491231002x").valid  # lower-case x accepted


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("", "length"),
        ("4208021985031212", "length"),
        ("4208021985031212361", "length"),
        ("42080219850312123Y", "format"),
        ("4208021985O312123X", "format"),
        (make("42080219851312123"), "birth_date"),  # month 13
        (make("42080218800312123"), "birth_date"),  # before 1890
        (make("99999919850312123"), "region"),
        (make("83000019850312123"), "region"),  # Taiwan codes are not issued on mainland cards
    ],
)
def test_invalid_numbers_with_reason(number: str, reason: str) -> None:
    res = idnumber.check(number)
    assert not res.valid
    assert res.reason == reason
    assert res.reason_text
    assert not number or number[6:14] not in res.reason_text


def test_bad_check_digit() -> None:
    wrong = VALID[:-1] + ("0" if VALID[-1] != "0" else "1")
    assert idnumber.check(wrong).reason == "check_digit"


def test_abolished_region_code_still_valid() -> None:
    # 422100 (黄冈地区) and 429004 (仙桃市) were reassigned; numbers keep the code of their first issue
    assert idnumber.check(make("42210019600101123")).valid
    assert idnumber.check(make("42900419850101123")).valid


def test_birth_date_and_sex() -> None:
    assert idnumber.birth_date(VALID) == "1985-03-12"
    assert idnumber.sex(VALID) == "男"
    female = make("11010519491231002")
    assert idnumber.sex(female) == "女"
    assert idnumber.birth_date("123") is None
    assert idnumber.sex(None) is None


def test_normalize_ocr_confusables() -> None:
    assert idnumber.normalize("42O8O2l985O3l2l23x") == "42080219850312123X"
    assert idnumber.normalize("４２０８０２ １９８５０３１２ １２３６") == "420802198503121236"
    assert idnumber.normalize("no number here") is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789Xx ", max_size=22))
def test_check_never_raises(s: str) -> None:
    res = idnumber.check(s)
    assert res.valid in (True, False)
    assert res.valid or res.reason in idnumber.REASON_TEXT


@settings(max_examples=60, deadline=None)
@given(
    st.from_regex(
        r"\A(11|42|65)0[0-9]{3}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}\Z"
    )
)
def test_any_wrong_check_digit_is_caught(first17: str) -> None:
    good = make(first17)
    for c in "0123456789X":
        if c != good[-1]:
            assert idnumber.check(first17 + c).reason in ("check_digit", "region")
