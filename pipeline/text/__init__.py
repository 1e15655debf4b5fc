"""Text parsers of the ground floor: one for ID numbers, one for dates, one for money.

The extractors and the checks both use these, so a value is read the same way everywhere.
"""

from pipeline.text.chars import CJK, clean_name, clean_value, compact, norm, parse_sex, to_halfwidth
from pipeline.text.dates import LONG_TERM, find_dates, parse_date, parse_date_range, to_date
from pipeline.text.ids import find_id_numbers, fix_digits, normalize_id, normalize_id_number
from pipeline.text.money import parse_money, parse_upper_amount, to_decimal, upper_to_decimal

__all__ = [
    "CJK",
    "LONG_TERM",
    "clean_name",
    "clean_value",
    "compact",
    "find_dates",
    "find_id_numbers",
    "fix_digits",
    "norm",
    "normalize_id",
    "normalize_id_number",
    "parse_date",
    "parse_date_range",
    "parse_money",
    "parse_sex",
    "parse_upper_amount",
    "to_date",
    "to_decimal",
    "to_halfwidth",
    "upper_to_decimal",
]
