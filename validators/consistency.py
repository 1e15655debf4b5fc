"""Cross-document consistency: money, dates and hospitals (``consistency.*`` flags).

Case checks on the pixel-free results of all materials:

* ``consistency.amount_mismatch``: invoice totals vs expense-list totals, each invoice's upper-case
  (大写) vs numeric total, settlement statement vs invoices.
* ``consistency.date_mismatch``: discharge before admission, invoice outside the stay, referral
  issued after admission, expense list outside the stay of the discharge record.
* ``consistency.hospital_mismatch``: the documents of a stay name different hospitals; supporting
  records from an unrelated hospital; the referral slip's destination vs the filed hospital.

Findings are blockers when every field involved was read with confidence >= ``min_confidence``,
warnings otherwise. Hospital names are compared conservatively: only names that are clearly
different institutions (not OCR noise, not a region prefix, not an alias) are flagged.
Rule data: ``consistency_rules.yaml`` next to this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from pipeline.codes import DocType, Severity
from pipeline.config import read_yaml
from pipeline.messages import make_flag
from pipeline.models import Evidence, FieldValue, Flag, MaterialResult
from pipeline.plugins import CaseCheck, CaseContext
from pipeline.text import to_date, to_decimal, upper_to_decimal

RULES_PATH = Path(__file__).with_name("consistency_rules.yaml")


class ConsistencyRules(BaseModel):
    amount_tolerance: Decimal = Decimal("0.01")
    min_confidence: float = Field(default=0.85, ge=0.0, le=1.0)
    stay_invoice_services: list[str] = Field(default_factory=list)
    invoice_days_before_admission: int = Field(default=0, ge=0)
    invoice_days_after_discharge: int = Field(default=7, ge=0)
    list_vs_record_days: int = Field(default=1, ge=0)
    hospital_aliases: list[list[str]] = Field(default_factory=list)
    institution_suffixes: list[str] = Field(default_factory=list)
    generic_names: list[str] = Field(default_factory=list)
    generic_prefixes: list[str] = Field(default_factory=list)
    provinces: list[str] = Field(default_factory=list)
    max_edit_distance_short: int = Field(default=1, ge=0)
    max_edit_distance_long: int = Field(default=2, ge=0)
    long_name_chars: int = Field(default=10, ge=1)


@lru_cache(maxsize=1)
def load_rules(path: Path = RULES_PATH) -> ConsistencyRules:
    return ConsistencyRules.model_validate(read_yaml(path.read_text(encoding="utf-8")) or {})


# --------------------------------------------------------------------------- parsing: the one parser of pipeline.text

parse_money = to_decimal
parse_upper_amount = upper_to_decimal
parse_date = to_date


def fmt_money(d: Decimal) -> str:
    return f"{d:.2f}"


# --------------------------------------------------------------------------- field access

T = TypeVar("T")


@dataclass
class Read(Generic[T]):
    """A parsed field of one material."""

    value: T
    fv: FieldValue
    material: MaterialResult
    field: str

    def confident(self, rules: ConsistencyRules) -> bool:
        return self.fv.confidence >= rules.min_confidence

    def evidence(self) -> list[Evidence]:
        return [Evidence(page=self.fv.page, box=self.fv.box)] if self.fv.page is not None else []


def read(m: MaterialResult, name: str, parser: Callable[[str], T | None]) -> Read[T] | None:
    if m.document is None:
        return None
    fv = m.document.fields.get(name)
    if fv is None or not fv.value:
        return None
    v = parser(fv.value)
    return None if v is None else Read(v, fv, m, name)


def invoice_total(m: MaterialResult) -> Read[Decimal] | None:
    """The invoice's printed total; the amount of its QR code (exact) when the print was not read."""
    printed = read(m, "total_amount", parse_money)
    if printed is not None:
        return printed
    qr = m.quality.qr
    if not isinstance(qr, dict):
        return None
    amount = parse_money(qr.get("amount"))
    if amount is None:
        return None
    return Read(
        amount, FieldValue(value=fmt_money(amount), confidence=1.0, page=qr.get("page")), m, "total_amount"
    )


def _severity(rules: ConsistencyRules, *reads: Read[Any] | None) -> Severity:
    ok = all(r.confident(rules) for r in reads if r is not None)
    return Severity.BLOCKER if ok else Severity.WARNING


def _evidence(*reads: Read[Any] | None) -> list[Evidence] | None:
    ev = [e for r in reads if r is not None for e in r.evidence()]
    return ev or None


def _money_eq(a: Decimal, b: Decimal, rules: ConsistencyRules) -> bool:
    return abs(a - b) <= rules.amount_tolerance


# --------------------------------------------------------------------------- amounts


def amount_flags(ctx: CaseContext, rules: ConsistencyRules) -> Iterator[Flag]:
    invoices = ctx.of_type(DocType.MEDICAL_INVOICE)
    lists = ctx.of_type(DocType.EXPENSE_LIST)
    settlements = ctx.of_type(DocType.SETTLEMENT_STATEMENT)

    inv_totals = [invoice_total(m) for m in invoices]
    # 1. upper-case vs numeric, per invoice
    for m, total in zip(invoices, inv_totals, strict=True):
        upper = read(m, "total_amount_upper", parse_money)
        if total is None or upper is None or _money_eq(total.value, upper.value, rules):
            continue
        yield make_flag(
            "consistency.amount_mismatch#upper_case",
            _severity(rules, total, upper),
            material=m.file,
            params={"file": m.file, "upper": fmt_money(upper.value), "total": fmt_money(total.value)},
            field="total_amount_upper",
            expected=fmt_money(total.value),
            found=fmt_money(upper.value),
            evidence=_evidence(total, upper),
        )

    # 2. invoices vs expense lists (sums over all of them; only when every total was read)
    list_totals = [read(m, "total_amount", parse_money) for m in lists]
    if (
        invoices
        and lists
        and all(t is not None for t in inv_totals)
        and all(t is not None for t in list_totals)
    ):
        inv_reads = [t for t in inv_totals if t is not None]
        list_reads = [t for t in list_totals if t is not None]
        inv_sum = sum((t.value for t in inv_reads), Decimal(0))
        list_sum = sum((t.value for t in list_reads), Decimal(0))
        # every list matched by one invoice of the same amount: extra invoices are other visits
        pool = [t.value for t in inv_reads]
        paired = True
        for lt in list_reads:
            hit = next((i for i, v in enumerate(pool) if _money_eq(v, lt.value, rules)), None)
            if hit is None:
                paired = False
                break
            pool.pop(hit)
        if not _money_eq(inv_sum, list_sum, rules) and not paired:
            target = lists[0].file if len(lists) == 1 else (invoices[0].file if len(invoices) == 1 else None)
            yield make_flag(
                "consistency.amount_mismatch#invoice_list",
                _severity(rules, *inv_reads, *list_reads),
                material=target,
                params={"invoice_sum": fmt_money(inv_sum), "list_sum": fmt_money(list_sum)},
                field="total_amount",
                expected=fmt_money(inv_sum),
                found=fmt_money(list_sum),
                evidence=_evidence(*inv_reads, *list_reads) if target else None,
            )

    # 3. settlement statements vs invoices: the total must equal the invoices' sum or one invoice
    inv_reads = [t for t in inv_totals if t is not None]
    if inv_reads and len(inv_reads) == len(invoices):
        inv_sum = sum((t.value for t in inv_reads), Decimal(0))
        for m in settlements:
            st = read(m, "total_amount", parse_money)
            if st is None:
                continue
            if _money_eq(st.value, inv_sum, rules) or any(
                _money_eq(st.value, t.value, rules) for t in inv_reads
            ):
                continue
            yield make_flag(
                "consistency.amount_mismatch#settlement",
                _severity(rules, st, *inv_reads),
                material=m.file,
                params={"file": m.file, "settlement": fmt_money(st.value), "invoice_sum": fmt_money(inv_sum)},
                field="total_amount",
                expected=fmt_money(inv_sum),
                found=fmt_money(st.value),
                evidence=_evidence(st),
            )


# --------------------------------------------------------------------------- dates


@dataclass
class Stay:
    start: Read[date]
    end: Read[date]
    material: MaterialResult


def _stays(materials: list[MaterialResult], start: str, end: str) -> list[Stay]:
    out = []
    for m in materials:
        a, b = read(m, start, parse_date), read(m, end, parse_date)
        if a is not None and b is not None and a.value <= b.value:
            out.append(Stay(a, b, m))
    return out


def _late_filing_allowed(ctx: CaseContext) -> bool:
    from validators.support.rules import rules_for_case

    try:
        return rules_for_case(ctx.case.region).policy.referral_after_admission_allowed
    except Exception:  # an unknown region: the base rule
        return False


def date_flags(ctx: CaseContext, rules: ConsistencyRules) -> Iterator[Flag]:
    records = ctx.of_type(DocType.DISCHARGE_RECORD)
    lists = ctx.of_type(DocType.EXPENSE_LIST)

    # 1. a document's own range is reversed
    ranges = [(m, "admission_date", "discharge_date", "出院日期早于入院日期") for m in records]
    ranges += [(m, "start_date", "end_date", "费用结束日期早于开始日期") for m in lists]
    for m, f_start, f_end, what in ranges:
        a, b = read(m, f_start, parse_date), read(m, f_end, parse_date)
        if a is not None and b is not None and b.value < a.value:
            yield make_flag(
                "consistency.date_mismatch",
                _severity(rules, a, b),
                material=m.file,
                params={
                    "file": m.file,
                    "what": what,
                    "start": a.value.isoformat(),
                    "end": b.value.isoformat(),
                    "start_field": f_start,
                    "end_field": f_end,
                },
                field=f_end,
                expected=f"≥ {a.value.isoformat()}",
                found=b.value.isoformat(),
                evidence=_evidence(a, b),
            )

    rec_stays = _stays(records, "admission_date", "discharge_date")
    list_stays = _stays(lists, "start_date", "end_date")
    stays = rec_stays + list_stays

    # 2. invoices of an inpatient-type service fall inside a stay
    if ctx.case.service.value in rules.stay_invoice_services and stays:
        before = timedelta(days=rules.invoice_days_before_admission)
        after = timedelta(days=rules.invoice_days_after_discharge)
        for m in ctx.of_type(DocType.MEDICAL_INVOICE):
            d = read(m, "issue_date", parse_date)
            if d is None:
                continue
            if any(s.start.value - before <= d.value <= s.end.value + after for s in stays):
                continue
            near = min(
                stays,
                key=lambda s: min(abs((d.value - s.start.value).days), abs((d.value - s.end.value).days)),
            )
            span = f"{near.start.value.isoformat()} 至 {(near.end.value + after).isoformat()}"
            yield make_flag(
                "consistency.date_mismatch#invoice_outside_stay",
                _severity(rules, d, near.start, near.end),
                material=m.file,
                params={
                    "file": m.file,
                    "date": d.value.isoformat(),
                    "start": near.start.value.isoformat(),
                    "end": near.end.value.isoformat(),
                    "stay_file": near.material.file,
                },
                field="issue_date",
                expected=span,
                found=d.value.isoformat(),
                evidence=_evidence(d),
            )

    # 3. the referral must not be issued after admission (emergencies may be referred afterwards)
    admissions = [s.start for s in rec_stays] or [s.start for s in list_stays]
    if admissions and not ctx.case.filing.emergency:
        first = min(admissions, key=lambda r: r.value)
        for m in ctx.of_type(DocType.REFERRAL_SLIP):
            r = read(m, "issue_date", parse_date)
            if r is None or r.value <= first.value:
                continue
            # Jingmen measure 7: a filing may be completed after admission, before discharge -> doubt
            late_ok = _late_filing_allowed(ctx) and any(r.value <= s.end.value for s in rec_stays)
            yield make_flag(
                "consistency.date_mismatch#referral_after_admission",
                Severity.WARNING if late_ok else _severity(rules, r, first),
                material=m.file,
                params={
                    "file": m.file,
                    "issued": r.value.isoformat(),
                    "admission": first.value.isoformat(),
                    "stay_file": first.material.file,
                },
                field="issue_date",
                expected=f"≤ {first.value.isoformat()}",
                found=r.value.isoformat(),
                evidence=_evidence(r, first),
            )

    # 4. expense lists cover the stay of a discharge record: a list over several days starts and ends
    #    with the stay (alone or with the other lists inside it); a one-day list lies inside it
    if rec_stays:
        tol = timedelta(days=rules.list_vs_record_days)
        spans: list[tuple[MaterialResult, list[Read[date]]]] = []
        for m in lists:
            a, b = read(m, "start_date", parse_date), read(m, "end_date", parse_date)
            got = [x for x in (a, b) if x is not None]
            if got and not (a is not None and b is not None and b.value < a.value):
                spans.append((m, got))

        def inside(got: list[Read[date]], s: Stay) -> bool:
            return all(s.start.value - tol <= x.value <= s.end.value + tol for x in got)

        def covers(got: list[Read[date]], s: Stay) -> bool:
            if len(got) < 2 or got[0].value == got[1].value:
                return inside(got, s)
            # together with the other lists inside this stay, the list spans admission to discharge
            group = [g for _, g in spans if inside(g, s)]
            first = min(x.value for g in group for x in g)
            last = max(x.value for g in group for x in g)
            return (
                abs((first - s.start.value).days) <= tol.days and abs((last - s.end.value).days) <= tol.days
            )

        for m, got in spans:
            if any(inside(got, s) and covers(got, s) for s in rec_stays):
                continue
            s = min(
                rec_stays,
                key=lambda s: sum(
                    abs((x.value - y).days) for x, y in zip(got, (s.start.value, s.end.value), strict=False)
                ),
            )
            found = " 至 ".join(x.value.isoformat() for x in got)
            yield make_flag(
                "consistency.date_mismatch#list_vs_stay",
                _severity(rules, *got, s.start, s.end),
                material=m.file,
                params={
                    "file": m.file,
                    "found": found,
                    "start": s.start.value.isoformat(),
                    "end": s.end.value.isoformat(),
                    "stay_file": s.material.file,
                },
                field="end_date" if len(got) == 2 else got[0].field,
                expected=f"{s.start.value.isoformat()} 至 {s.end.value.isoformat()}",
                found=found,
                evidence=_evidence(*got),
            )


# --------------------------------------------------------------------------- hospitals

_BRACKETS = re.compile(r"[（(【\[〔<《][^）)】\]〕>》]*[）)】\]〕>》]")
_NOT_WORD = re.compile(r"[^0-9A-Za-z\u3400-\u9fff]")
_ORDINALS = set("一二三四五六七八九十0123456789")

Relation = Literal["same", "different", "unsure"]


def normalize_hospital(name: str | None) -> str:
    """Full-width to ASCII, bracketed campus/department dropped, punctuation and spaces removed."""
    if not name:
        return ""
    s = unicodedata.normalize("NFKC", name)
    s = _BRACKETS.sub("", s)
    s = s.replace("醫", "医").replace("衛", "卫").replace("門", "门")
    return _NOT_WORD.sub("", s).upper()


class HospitalMatcher:
    """Decides whether two hospital names are the same institution, conservatively."""

    def __init__(self, rules: ConsistencyRules) -> None:
        self.rules = rules
        self.alias: dict[str, int] = {}
        for i, group in enumerate(rules.hospital_aliases):
            for n in group:
                self.alias[normalize_hospital(n)] = i
        self.provinces = sorted((normalize_hospital(p) for p in rules.provinces), key=len, reverse=True)
        self.generic = {normalize_hospital(g) for g in rules.generic_names}
        self.generic_prefixes = sorted(rules.generic_prefixes, key=len, reverse=True)

    def strip_province(self, n: str) -> str:
        for p in self.provinces:
            if n.startswith(p) and len(n) > len(p) + 1:
                return n[len(p) :]
        return n

    def is_generic(self, n: str) -> bool:
        changed = True
        while changed and n not in self.generic:
            changed = False
            for p in self.generic_prefixes:
                if n.startswith(p) and len(n) > len(p):
                    n, changed = n[len(p) :], True
                    break
        return n in self.generic

    def is_institution(self, n: str) -> bool:
        return len(n) >= 3 and (
            n in self.alias or any(n.endswith(s) for s in self.rules.institution_suffixes)
        )

    def _alias(self, n: str) -> int | None:
        hit = self.alias.get(n)
        return hit if hit is not None else self.alias.get(self.strip_province(n))

    def _close(self, x: str, y: str) -> bool:
        """Same name up to OCR noise (a character or two), ordinals excepted."""
        if [c for c in x if c in _ORDINALS] != [c for c in y if c in _ORDINALS]:
            return False
        limit = (
            self.rules.max_edit_distance_long
            if min(len(x), len(y)) >= self.rules.long_name_chars
            else self.rules.max_edit_distance_short
        )
        return Levenshtein.distance(x, y) <= limit

    def relation(self, a: str | None, b: str | None) -> Relation:
        na, nb = normalize_hospital(a), normalize_hospital(b)
        if not na or not nb:
            return "unsure"
        if na == nb:
            return "same"
        ga, gb = self._alias(na), self._alias(nb)
        if ga is not None and ga == gb:
            return "same"
        for x, y in ((na, nb), (self.strip_province(na), self.strip_province(nb))):
            short, long_ = sorted((x, y), key=len)
            if short == long_ or short in long_:
                return "unsure" if self.is_generic(short) else "same"
            if self._close(x, y):
                return "same"
            # the shorter name found, up to one OCR slip, inside the longer one ("浙江舟山医阮")
            if len(short) >= 4 and not self.is_generic(short):
                al = fuzz.partial_ratio_alignment(short, long_)
                if al is not None:
                    window = long_[al.dest_start : al.dest_end]
                    if self._close(short, window) and Levenshtein.distance(short, window) <= 1:
                        return "same"
        if self.is_institution(na) and self.is_institution(nb) and min(len(na), len(nb)) >= 4:
            return "different"
        return "unsure"


# Stay documents: they describe one hospital stay and must name one hospital.
_STAY_FIELDS: list[tuple[DocType, str]] = [
    (DocType.MEDICAL_INVOICE, "payee"),
    (DocType.SETTLEMENT_STATEMENT, "hospital"),
    (DocType.DISCHARGE_RECORD, "hospital"),
    (DocType.EXPENSE_LIST, "hospital"),
]
# Supporting records: may come from the referring hospital too; a mismatch is only a warning.
_SUPPORT_FIELDS: list[tuple[DocType, str]] = [
    (DocType.DIAGNOSIS_CERTIFICATE, "hospital"),
    (DocType.MEDICAL_RECORD, "hospital"),
]
_AUTHORITY = {t: i for i, (t, _) in enumerate(_STAY_FIELDS)}


def _names(ctx: CaseContext, fields: list[tuple[DocType, str]]) -> list[Read[str]]:
    out = []
    for t, fname in fields:
        for m in ctx.of_type(t):
            r = read(m, fname, lambda v: v.strip() or None)
            if r is not None:
                out.append(r)
    return out


def _doc_name(m: MaterialResult) -> str:
    from pipeline.codes import DOC_NAMES

    return DOC_NAMES.get(m.detected_type, "材料")


def hospital_flags(ctx: CaseContext, rules: ConsistencyRules) -> Iterator[Flag]:
    hm = HospitalMatcher(rules)
    stay = [r for r in _names(ctx, _STAY_FIELDS) if hm.is_institution(normalize_hospital(r.value))]

    # cluster the stay documents: names not "different" go together (single linkage)
    clusters: list[list[Read[str]]] = []
    for r in stay:
        joined = [c for c in clusters if any(hm.relation(r.value, o.value) != "different" for o in c)]
        merged = [r] + [x for c in joined for x in c]
        clusters = [c for c in clusters if all(c is not j for j in joined)] + [merged]

    main: list[Read[str]] = []
    if clusters:

        def rank(c: list[Read[str]]) -> tuple[int, int, int]:
            kinds = {x.material.detected_type for x in c}
            return (len(kinds), -min(_AUTHORITY[k] for k in kinds), len(c))

        main = max(clusters, key=rank)
        only_invoices = all(r.material.detected_type == DocType.MEDICAL_INVOICE for r in stay)
        if not only_invoices:  # outpatient invoices from several hospitals are normal
            anchor = min(main, key=lambda x: _AUTHORITY[x.material.detected_type])
            for c in clusters:
                if c is main or len({x.material.detected_type for x in c}) >= 2:
                    continue  # a complete set of its own (a transfer between hospitals)
                for r in c:
                    yield make_flag(
                        "consistency.hospital_mismatch",
                        _severity(rules, r, anchor),
                        material=r.material.file,
                        params={
                            "doc": _doc_name(r.material),
                            "file": r.material.file,
                            "hospital": r.value,
                            "anchor_doc": _doc_name(anchor.material),
                            "anchor_hospital": anchor.value,
                            "field": r.field,
                            "anchor_field": anchor.field,
                            "anchor_file": anchor.material.file,
                        },
                        field=r.field,
                        expected=anchor.value,
                        found=r.value,
                        evidence=_evidence(r),
                    )

    # supporting records: must match some hospital of the case (stay, referral, filing)
    known: list[str] = [r.value for r in stay]
    for m in ctx.of_type(DocType.REFERRAL_SLIP):
        for fname in ("from_hospital", "to_hospital"):
            v = m.document.value(fname) if m.document else None
            if v:
                known.append(v)
    if ctx.case.filing.hospital:
        known.append(ctx.case.filing.hospital)
    if stay:
        for r in _names(ctx, _SUPPORT_FIELDS):
            if not hm.is_institution(normalize_hospital(r.value)):
                continue
            if any(hm.relation(r.value, k) != "different" for k in known):
                continue
            ref = main[0] if main else stay[0]
            yield make_flag(
                "consistency.hospital_mismatch#not_of_stay",
                Severity.WARNING,
                material=r.material.file,
                params={
                    "doc": _doc_name(r.material),
                    "file": r.material.file,
                    "hospital": r.value,
                    "stay_hospital": ref.value,
                    "field": r.field,
                },
                field=r.field,
                expected=ref.value,
                found=r.value,
                evidence=_evidence(r),
            )

    # the referral slip's destination vs the filed hospital / the stay
    for m in ctx.of_type(DocType.REFERRAL_SLIP):
        to = read(m, "to_hospital", lambda v: v.strip() or None)
        if to is None or not hm.is_institution(normalize_hospital(to.value)):
            continue
        filed = ctx.case.filing.hospital
        if (
            ctx.case.service.value == "remote.referral"
            and filed
            and hm.relation(to.value, filed) == "different"
        ):
            yield make_flag(
                "consistency.hospital_mismatch#referral_vs_filing",
                _severity(rules, to),
                material=m.file,
                params={"file": m.file, "to_hospital": to.value, "filed": filed},
                field="to_hospital",
                expected=filed,
                found=to.value,
                evidence=_evidence(to),
            )
        elif main and all(hm.relation(to.value, r.value) == "different" for r in main):
            yield make_flag(
                "consistency.hospital_mismatch#referral_vs_stay",
                Severity.WARNING,
                material=m.file,
                params={"file": m.file, "to_hospital": to.value, "stay_hospital": main[0].value},
                field="to_hospital",
                expected=main[0].value,
                found=to.value,
                evidence=_evidence(to),
            )


# --------------------------------------------------------------------------- the case checks


def amount_consistency(ctx: CaseContext) -> Iterable[Flag]:
    return list(amount_flags(ctx, load_rules()))


def date_consistency(ctx: CaseContext) -> Iterable[Flag]:
    return list(date_flags(ctx, load_rules()))


def hospital_consistency(ctx: CaseContext) -> Iterable[Flag]:
    return list(hospital_flags(ctx, load_rules()))


# --------------------------------------------------------------------------- this family's checks, in order

CASE_CHECKS: tuple[CaseCheck, ...] = (amount_consistency, date_consistency, hospital_consistency)
