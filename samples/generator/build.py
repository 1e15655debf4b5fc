"""Build the labelled corpus: every case of the catalogue (:data:`samples.generator.cases.ALL`) becomes a
folder with ``case.json``, the material files and ``expected.json``; the applicants go to ``enrollment.csv``.

Deterministic for a seed: every random choice is seeded from the seed and the case's key.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import shutil
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from pipeline.codes import FLAG_CATEGORIES, DocType
from pipeline.stores.enrollment import COLUMNS
from samples.generator.cases import ALL
from samples.generator.catalog import load_catalog
from samples.generator.documents import FILING_LABELS, RENDERERS, Opts, Rendered, render_document
from samples.generator.materials import Capture, capture_bytes
from samples.generator.people import Person, add_years, corrupt_check_digit, new_person
from samples.generator.spec import (
    DESTINATIONS,
    FORM_TITLES,
    PHARMACIES,
    SAME,
    UNIT_SERVICES,
    CaseSpec,
    MaterialSpec,
    default_materials,
)
from samples.generator.story import Story, money, new_story

ENROLLMENT_COLUMNS = list(COLUMNS)  # the contract's enrollment columns, in order
ALL_CODES = sorted(c for c in FLAG_CATEGORIES if c != "system.processing_failed")


@dataclass
class Built:
    case_id: str
    folder: Path
    materials: int
    bytes: int


def _seed(base: int, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{base}:{key}".encode()).digest()[:6], "big")


def _person(rng: random.Random, c: CaseSpec) -> Person:
    cat = load_catalog()
    kw = dict(c.person)
    special = kw.pop("special", None)
    sp = None
    if special:
        sp = next(x for x in [*cat.people.rare, *cat.people.minority] if x.name == special)
    if c.service == "remote.retiree_relocation" and "age" not in kw:
        kw["age"] = (61, 72)
    return new_person(rng, c.region, c.submitted, special=sp, **kw)


def _story(rng: random.Random, c: CaseSpec, person: Person) -> Story:
    cat = load_catalog()
    sk = c.story
    inpatient = sk.get("inpatient", True)
    disease = sk.get("disease")
    if disease is None and c.service.startswith(("remote.", "chronic.")):
        disease = rng.choice([d.name for d in cat.diseases if d.chronic])
    s = new_story(rng, person, c.submitted, c.region, disease=disease, inpatient=inpatient)
    if c.service.startswith("remote."):
        dest_name = sk.get("dest") or rng.choice(DESTINATIONS)
        dest = cat.hospital(dest_name)
        s.dest_hospital = dest
        s.destination = dest.destination
        s.filing_label = sk.get("form_label") or FILING_LABELS[c.service]
        if sk.get("referral_from"):
            s.referral_from = cat.hospital(sk["referral_from"])
        else:
            s.referral_from = s.hospital
        s.visit_date = c.submitted - timedelta(days=rng.randint(2, 12))
        if sk.get("emergency"):
            s.emergency = True
            s.hospital = dest
            s.visit_date = c.submitted - timedelta(days=rng.randint(1, 5))
        s.permit_issuer = (
            f"{dest.city}公安局{dest.county.replace('区', '')}分局"
            if dest.county.endswith("区")
            else f"{dest.county}公安局"
        )
        s.permit_address = f"{dest.destination}{rng.choice(['兴建路', '新港大道', '文化路', '和平路'])}{rng.randint(1, 300)}号"
        if sk.get("permit_recent"):
            s.permit_from = c.submitted - timedelta(days=rng.randint(45, 90))
        elif sk.get("permit_expired"):
            s.permit_from = add_years(c.submitted, -5) - timedelta(days=rng.randint(30, 200))
        else:
            s.permit_from = c.submitted - timedelta(days=rng.randint(400, 1200))
        s.permit_until = add_years(s.permit_from, 5)
        if c.service == "remote.retiree_relocation" or sk.get("hukou_at_dest"):
            s.hukou_address = s.permit_address
        s.employer = rng.choice(cat.people.employers.get(c.region, ["新疆天润建设工程有限公司"]))
        if sk.get("contract_expired"):
            s.contract_until = c.submitted - timedelta(days=rng.randint(20, 120))
            s.contract_from = add_years(s.contract_until, -3) + timedelta(days=1)
        else:
            s.contract_from = c.submitted - timedelta(days=rng.randint(100, 700))
            s.contract_until = add_years(s.contract_from, 3) - timedelta(days=1)
    if c.service == "chronic.qualification":
        s.inpatient = False
        s.visit_date = c.submitted - timedelta(days=rng.randint(3, 20))
    if c.service in FORM_TITLES:
        s.form_title = FORM_TITLES[c.service]
    if c.service in UNIT_SERVICES:
        if c.service.endswith("medical_institution"):
            s.employer = s.hospital.name
        elif c.service.endswith("pharmacy"):
            s.employer = PHARMACIES[c.region]
            s.contract_from = c.submitted - timedelta(days=rng.randint(100, 700))  # the staff's contracts
            s.contract_until = add_years(s.contract_from, 3) - timedelta(days=1)
        else:
            s.employer = rng.choice(cat.people.employers.get(c.region, ["新疆天润建设工程有限公司"]))
    if sk.get("agent"):
        s.agent = new_person(rng, c.region, c.submitted, age=(35, 50))
    if c.service == "maternity.prenatal" or c.service == "maternity.family_planning":
        s.ward = "妇产科"
    return s


_HOMOPHONES = {
    "明": "铭",
    "伟": "玮",
    "华": "骅",
    "丽": "莉",
    "静": "婧",
    "敏": "珉",
    "涛": "韬",
    "军": "君",
    "芳": "方",
    "强": "蔷",
}


def _homophone(name: str) -> str:
    for i in range(len(name) - 1, 0, -1):
        if name[i] in _HOMOPHONES:
            return name[:i] + _HOMOPHONES[name[i]] + name[i + 1 :]
    return name[:-1] + ("娟" if name[-1] != "娟" else "涓")


def _resolve_override(m: MaterialSpec, s: Story, other: Person) -> dict[str, str]:
    """Turn symbolic overrides (``shift_year``, ``plus_27`` ...) into printed values."""
    out: dict[str, str] = {}
    for k, v in m.opts.get("override", {}).items():
        if v == "shift_year":
            b = s.person.birth_date
            out[k] = b.replace(year=b.year + 1 if b.month != 2 or b.day != 29 else b.year + 4).isoformat()
        elif v == "homophone":
            out[k] = _homophone(s.person.name)
        elif v == "relative":
            out[k] = other.id_number
        elif v == "plus_27":
            out[k] = money(s.total + 27)
        elif v == "minus_100":
            out[k] = money(s.total - 100)
        elif v == "minus_20_days":
            assert s.admission is not None
            out[k] = (s.admission - timedelta(days=20)).isoformat()
        elif v == "plus_9_days":
            assert s.discharge is not None
            out[k] = (s.discharge + timedelta(days=9)).isoformat()
        elif v == "other_hospital":
            cat = load_catalog()
            out[k] = next(
                h.name
                for h in cat.hospitals
                if h.region == s.region and h.referral_qualified and h.name != s.hospital.name
            )
        else:
            out[k] = v
    return out


#: how the materials of the corpus are captured when a case does not say (the faults come on top)
CAPTURE_MIX = (("clean", 0.45), ("photo", 0.40), ("scan", 0.15))
HOLDOUT_SHARE = 0.25


def _variety(mats: list[MaterialSpec], seed: int, c: CaseSpec) -> list[MaterialSpec]:
    """Realistic variety: layouts (a quarter on the holdout layout of a type) and, in passing cases, captures
    (phone photos and scans besides clean renders). Explicit choices in the spec are kept."""
    out = []
    for i, m in enumerate(mats):
        rng = random.Random(_seed(seed, f"{c.key}/{i}/variety"))
        layouts = RENDERERS[m.doc][1]
        layout = m.layout
        if layout is None and len(layouts) > 1:
            layout = layouts[-1] if rng.random() < HOLDOUT_SHARE else layouts[0]
        cap = m.cap
        if not c.must and not m.broken and m.cap == Capture():
            x, acc = rng.random(), 0.0
            for kind, share in CAPTURE_MIX:
                acc += share
                if x < acc:
                    cap = Capture(kind)
                    break
        out.append(replace(m, layout=layout, cap=cap))
    return out


def _qr_override(m: MaterialSpec, s: Story) -> dict[str, str]:
    if m.opts.get("qr") == "other_number":  # the printed number was altered; the QR keeps the real one
        n = s.invoice_number
        return {"invoice_number": n[:-3] + f"{(int(n[-3:]) + 417) % 1000:03d}"}
    return {}


def _broken_bytes(kind: str, good: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    if kind == "corrupt_jpeg":
        head = good[:600]
        return head + bytes(rng.randrange(256) for _ in range(4000))
    if kind == "truncated_pdf":
        return good[: len(good) // 3]
    if kind == "text_as_jpg":
        return "出院记录见附件，照片稍后补传。\n联系电话：0724-2345678\n".encode()
    raise ValueError(kind)


def _encrypted_pdf(r: Rendered) -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from samples.generator.canvas import _register_cid

    _register_cid()
    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption("intake-user", ownerPassword="intake-owner", canPrint=0, strength=128)
    page = r.pages[0]
    c = Canvas(buf, pagesize=(page.width * mm, page.height * mm), invariant=1, encrypt=enc)
    c.setFont("STSong-Light", 14)
    c.drawString(30 * mm, (page.height - 30) * mm, "转诊转院证明")
    c.showPage()
    c.save()
    return buf.getvalue()


def build_corpus(out: Path, seed: int = 2024, only: set[str] | None = None) -> list[Built]:
    """Write every case folder under ``out`` and ``enrollment.csv`` (in ``out``'s parent when ``out`` is
    named ``cases``, else in ``out``; not when ``only`` picks cases). Deterministic for a seed."""
    out.mkdir(parents=True, exist_ok=True)
    counters = {"xinjiang": 0, "jingmen": 0}
    enrollment: dict[str, dict[str, str]] = {}
    memo: dict[str, tuple[Person, Story]] = {}
    built: list[Built] = []
    for c in ALL:
        counters[c.region] += 1
        prefix = "XJ" if c.region == "xinjiang" else "JM"
        case_id = f"{prefix}-{c.submitted.year}-{100 + counters[c.region]:06d}"
        rng = random.Random(_seed(seed, c.key))
        if c.same_as:
            person, prev = memo[c.same_as]
            story = replace(prev, submitted_on=c.submitted)
            if c.service in FORM_TITLES:
                story = replace(story, form_title=FORM_TITLES[c.service])
        else:
            person = _person(rng, c)
            story = _story(rng, c, person)
        memo[c.key] = (person, story)
        if only is not None and c.key not in only:
            continue
        other = new_person(random.Random(_seed(seed, c.key + "/other")), c.region, c.submitted)
        folder = out / case_id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        mats = case_materials(c, seed)
        listed: list[dict[str, Any]] = []
        truth: dict[str, Any] = {}
        total = 0
        for i, m in enumerate(mats):
            r, data = render_material(c, i, m, story, other, seed)
            if m.present:
                (folder / m.name).write_bytes(data)
                total += len(data)
                truth[m.name] = material_truth(m, r)
            if m.listed:
                listed.append(listed_material(m))
        _write_json(folder / "case.json", case_json(c, case_id, person, story, listed))
        _write_json(folder / "expected.json", expected_json(c, truth))
        row = enrollment_row(c, person, story)
        if row is not None:
            enrollment[row["id_number"]] = row
        built.append(Built(case_id, folder, len([m for m in mats if m.present]), total))
    if only is None:
        _write_enrollment(
            out.parent / "enrollment.csv" if out.name == "cases" else out / "enrollment.csv", enrollment
        )
    return built


def case_materials(c: CaseSpec, seed: int) -> list[MaterialSpec]:
    """The case's materials: the service's defaults (or ``c.materials``) with the case's edit, then the
    regional habits and the variety of layouts and captures."""
    mats = c.materials if c.materials is not None else default_materials(c.service)
    if c.edit:
        mats = c.edit(mats)
    if c.region == "jingmen":  # Jingmen's online channels generate the filing form as a PDF (measure 13)
        mats = [
            replace(m, cap=Capture("pdf_text"))
            if m.doc == DocType.REMOTE_CARE_FORM and m.cap == Capture() and m.layout is None and not m.broken
            else m
            for m in mats
        ]
    return _variety(mats, seed, c)


def render_material(
    c: CaseSpec, i: int, m: MaterialSpec, story: Story, other: Person, seed: int
) -> tuple[Rendered, bytes]:
    """Render the ``i``-th material of a case and capture it: the document and the uploaded file's bytes
    (broken on purpose where the spec says so)."""
    mseed = _seed(seed, f"{c.key}/{i}")
    st = story
    if m.of_agent and story.agent is not None:
        st = replace(story, person=story.agent)
    opts = Opts(
        seal=m.opts.get("seal", True),
        omit=m.opts.get("omit", frozenset()),
        override=_resolve_override(m, story, other),
        seal_over_text=m.opts.get("seal_over_text", False),
        qr_override=_qr_override(m, story),
        emergency_mark=m.opts.get("emergency_mark"),
        seed=mseed % 100000,
    )
    r = render_document(m.doc, st, m.layout, opts)
    if m.broken == "encrypted_pdf":
        data = _encrypted_pdf(r)
    elif m.broken:
        good = capture_bytes(
            r, Capture("clean") if m.broken != "truncated_pdf" else Capture("pdf_text"), mseed
        )
        data = _broken_bytes(m.broken, good, mseed)
    else:
        data = capture_bytes(r, m.cap, mseed)
    return r, data


def listed_material(m: MaterialSpec) -> dict[str, Any]:
    """The material's entry in case.json's ``materials`` (file and declared type)."""
    declared = (
        m.doc.value if m.declared == SAME else (m.declared.value if isinstance(m.declared, DocType) else None)
    )
    if m.doc == DocType.UNKNOWN and m.declared == SAME:
        declared = None
    return {"file": m.name, "declared_type": declared}


def material_truth(m: MaterialSpec, r: Rendered) -> dict[str, Any]:
    """The ground truth of an uploaded material (expected.json's ``materials``)."""
    entry: dict[str, Any] = {
        "type": r.doc_type.value if not m.broken else "unknown",
        "fields": r.truth if not m.broken else {},
        "layout": r.layout,
        "holdout": r.holdout,
        "capture": m.broken or m.cap.label,
    }
    if m.broken:
        entry["broken"] = m.broken
        entry["intended_type"] = r.doc_type.value
    if not m.listed:
        entry["listed"] = False
    return entry


def case_json(
    c: CaseSpec, case_id: str, person: Person, story: Story, listed: list[dict[str, Any]]
) -> dict[str, Any]:
    """case.json: the filing as the portal sends it (contract section 1)."""
    applicant = {"name": person.name, "id_number": person.id_number, "ssc_number": None}
    if c.applicant.get("id_number") == "bad_check_digit":
        applicant["id_number"] = corrupt_check_digit(person.id_number)
    if c.applicant.get("ssc_number") == "card":
        applicant["ssc_number"] = person.ssc_number
    filing: dict[str, Any] = {}
    if c.service.startswith("remote."):
        filing = {
            "destination": story.destination,
            "hospital": story.dest_hospital.name if story.dest_hospital else None,
            "disease": story.disease.name if c.service == "remote.referral" else None,
            "emergency": bool(story.emergency),
        }
    elif c.service == "chronic.qualification":
        filing = {"hospital": story.hospital.name, "disease": story.disease.name}
    elif c.service.startswith(("reimburse.", "maternity.", "assistance.")):
        filing = {"hospital": story.hospital.name, "disease": story.disease.name, "emergency": False}
    filing.update(c.filing)
    return {
        "case_id": case_id,
        "service": c.service,
        "region": c.region,
        "submitted_on": c.submitted.isoformat(),
        "applicant": applicant,
        "filing": filing,
        "materials": listed,
    }


def expected_json(c: CaseSpec, truth: dict[str, Any]) -> dict[str, Any]:
    """expected.json: what a correct pipeline says about the case, and the truth of every material."""
    decision = c.decision or ("return" if c.must else "pass")
    must_not = [code for code in ALL_CODES if code not in c.must and code not in c.allow]
    return {
        "decision": decision,
        "must": sorted(c.must),
        "must_not": must_not,
        "allow": sorted(c.allow),
        "key": c.key,
        "note": c.note,
        "materials": truth,
    }


def enrollment_row(c: CaseSpec, person: Person, story: Story) -> dict[str, str] | None:
    """The applicant's row of enrollment.csv (contract section 2); None when the case says ``absent``."""
    e = dict(c.enroll)
    if e.pop("absent", False):
        return None
    age = person.age(c.submitted)
    retired = age >= 60
    ins = "employee" if (age > 30 and c.service != "assistance.reimbursement") else "resident"
    if c.service == "remote.posted_worker":
        ins = "employee"
    ssc = person.ssc_number
    if e.get("ssc_number") == "other":
        ssc = ssc[0] + "".join(str((int(ch) + 3) % 10) for ch in ssc[1:])
        e.pop("ssc_number")
    row = {
        "id_number": person.id_number,
        "name": person.enrolled_as or person.name,
        "ssc_number": ssc,
        "insurance_type": ins,
        "status": "active",
        "card_activated": "true",
        "region": c.region,
        "retired": "true" if retired else "false",
        "chronic_diseases": "",
    }
    if c.service == "remote.retiree_relocation" and "retired" not in e:
        row["retired"] = "true"
    row.update({k: str(v) for k, v in e.items()})
    return row


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_enrollment(path: Path, rows: dict[str, dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=ENROLLMENT_COLUMNS, lineterminator="\n")
    w.writeheader()
    for key in sorted(rows):
        w.writerow(rows[key])
    path.write_text(buf.getvalue(), encoding="utf-8")
