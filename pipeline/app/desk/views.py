"""What the case page shows, built from the stored report, the case.json of the original case, the
enrollment reference and the rules (no OCR, no pixels)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import Settings
from pipeline.pii import mask_id, mask_name

log = logging.getLogger("intake.desk")

LOW_CONFIDENCE = 0.8
COMPARED = (("name", "姓名"), ("id_number", "身份证号"), ("ssc_number", "社保卡号"))


@dataclass
class PageView:
    index: int
    width: int
    height: int
    rotation: int
    render_scale: float
    boxes: list[dict[str, Any]] = field(default_factory=list)  # flag index, code, x, y, w, h


@dataclass
class MaterialView:
    index: int
    file: str
    declared_type: str | None
    detected_type: str
    type_confidence: float | None
    fields: list[dict[str, Any]]
    quality: dict[str, Any]
    pages: list[PageView]
    flag_indexes: list[int]
    geometry_known: bool


def _geometry(m: dict[str, Any]) -> list[dict[str, Any]]:
    geo = m.get("page_geometry")
    if isinstance(geo, list) and geo:
        return [g for g in geo if isinstance(g, dict)]
    return []


def materials_view(report: dict[str, Any]) -> list[MaterialView]:
    flags = report.get("flags") or []
    out: list[MaterialView] = []
    for mi, m in enumerate(report.get("materials") or []):
        conf = m.get("field_confidence") or {}
        fields = []
        for k, v in (m.get("fields") or {}).items():
            c = conf.get(k)
            fields.append(
                {"name": k, "value": v, "confidence": c, "low": c is not None and c < LOW_CONFIDENCE}
            )
        geo = _geometry(m)
        n_pages = int(m.get("pages") or 0)
        pages = [
            PageView(
                index=int(g.get("page", i)),
                width=int(g.get("width") or 0),
                height=int(g.get("height") or 0),
                rotation=int(g.get("rotation") or 0),
                render_scale=float(g.get("render_scale") or 1.0),
            )
            for i, g in enumerate(geo)
        ] or [PageView(i, 0, 0, 0, 1.0) for i in range(n_pages)]
        idx = [i for i, f in enumerate(flags) if f.get("material") == m.get("file")]
        for fi in idx:
            for ev in flags[fi].get("evidence") or []:
                box = ev.get("box")
                p = ev.get("page")
                if box and p is not None and 0 <= p < len(pages):
                    x0, y0, x1, y1 = (float(v) for v in box)
                    pages[p].boxes.append(
                        {
                            "flag": fi,
                            "code": flags[fi].get("code"),
                            "x": x0,
                            "y": y0,
                            "w": x1 - x0,
                            "h": y1 - y0,
                        }
                    )
        out.append(
            MaterialView(
                index=mi,
                file=str(m.get("file")),
                declared_type=m.get("declared_type"),
                detected_type=str(m.get("detected_type")),
                type_confidence=m.get("type_confidence"),
                fields=fields,
                quality=m.get("quality") or {},
                pages=pages,
                flag_indexes=idx,
                geometry_known=bool(geo),
            )
        )
    return out


def read_case_json(settings: Settings, location: str) -> dict[str, Any] | None:
    from pipeline.app.desk.previews import PreviewError, read_original

    try:
        raw = json.loads(read_original(settings, location, "case.json").decode("utf-8-sig"))
    except (PreviewError, ValueError, UnicodeDecodeError):
        return None
    return raw if isinstance(raw, dict) else None


def comparison(case: dict[str, Any] | None, enrollment: Any, report: dict[str, Any]) -> list[dict[str, Any]]:
    """Per compared field: the applicant's value (case.json), the enrollment record's, and each
    document's, with ``differs`` set on values that are not the applicant's."""
    applicant = (case or {}).get("applicant") or {}
    rows = []
    for key, label in COMPARED:
        a = applicant.get(key)
        e = getattr(enrollment, key, None) if enrollment is not None else None
        docs = []
        for m in report.get("materials") or []:
            v = (m.get("fields") or {}).get(key)
            if v:
                docs.append({"file": m.get("file"), "value": v, "differs": bool(a) and _norm(v) != _norm(a)})
        if not (a or e or docs):
            continue
        rows.append(
            {
                "key": key,
                "label": label,
                "applicant": a,
                "enrollment": e,
                "enrollment_differs": bool(a) and e is not None and _norm(str(e)) != _norm(a),
                "documents": docs,
            }
        )
    return rows


def _norm(v: Any) -> str:
    return str(v).replace(" ", "").replace("\u3000", "").upper()


def enrollment_record(lookup: Any, case: dict[str, Any] | None) -> Any:
    idn = ((case or {}).get("applicant") or {}).get("id_number")
    if lookup is None or not idn:
        return None
    try:
        return lookup.get(idn)
    except Exception as e:
        log.warning("enrollment lookup failed on the desk: %s", type(e).__name__)
        return None


def checklist(report: dict[str, Any], case: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The service's required materials (rules of the case's region): ✓ when a material of an
    accepted type was found, ✗ when not, ? for papers the pipeline cannot recognise."""
    from validators.support.rules import rules_for_case

    service = report.get("service") or (case or {}).get("service")
    if not service:
        return []
    try:
        rules = rules_for_case(report.get("region") or (case or {}).get("region"))
        rule = rules.services.get(service)  # type: ignore[call-overload]
    except Exception as e:
        log.warning("rules unavailable on the desk: %s", type(e).__name__)
        return []
    if rule is None:
        return []
    filing = _Filing((case or {}).get("filing") or {})
    found = {str(m.get("detected_type")) for m in report.get("materials") or []}
    found |= {str(m.get("declared_type")) for m in report.get("materials") or [] if m.get("declared_type")}
    out = []
    for req in [*rules.global_requirements, *rule.requirements]:
        try:
            if not req.applies(filing):
                continue
        except Exception:
            pass
        accepted = [t.value for t in req.any_of]
        hits = [t for t in accepted if t in found]
        status = "?" if (not req.checked or not accepted) else ("✓" if hits else "✗")
        out.append(
            {
                "id": req.id,
                "name": req.name,
                "status": status,
                "accepted": accepted,
                "found": hits,
                "note": req.note,
                "conditional": req.conditional,
            }
        )
    return out


class _Filing(dict[str, Any]):
    """case.json's filing as the rules' conditions read it (mapping or attributes)."""

    def __getattr__(self, name: str) -> Any:
        return self.get(name)


def return_message(report: dict[str, Any]) -> str:
    """The pre-filled message to the applicant: the flags' applicant messages, numbered, blockers first."""
    order = {"blocker": 0, "warning": 1, "info": 2}
    flags = sorted(report.get("flags") or [], key=lambda f: order.get(f.get("severity"), 3))
    seen: list[str] = []
    for f in flags:
        msg = (f.get("message") or "").strip()
        if msg and msg not in seen and f.get("severity") != "info":
            seen.append(msg)
    if not seen:
        return ""
    return "您好，您提交的材料需要补正：\n" + "\n".join(f"{i}. {m}" for i, m in enumerate(seen, 1))


def masked_applicant(case: dict[str, Any] | None) -> dict[str, str]:
    a = (case or {}).get("applicant") or {}
    return {
        "name": mask_name(a["name"]) if a.get("name") else "",
        "id_number": mask_id(a["id_number"]) if a.get("id_number") else "",
    }
