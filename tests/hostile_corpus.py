"""Hostile-input corpus generator (issue 16): one case folder per kind of bad input.

Every kind starts from the passing sample case XJ-2025-000149 (query.person: ID front + back) and
makes one change: a hostile file added as a material (``declared_type: null``), a material
replaced, or case.json edited. ``expect`` says what ``intake check`` must do with it: the exit
code, and for exit 0 the flag on the target material, or that the decision is not ``pass``.

``python -m tests.hostile_corpus OUT`` writes the corpus to OUT (for manual probing).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from tests.pdfbuild import (
    build_pdf,
    deep_pages_pdf,
    flate_chunks,
    looping_pages_pdf,
    many_objects_pdf,
    one_page_pdf,
    stream_obj,
)

REPO = Path(__file__).resolve().parents[1]
BASE = REPO / "samples" / "cases" / "XJ-2025-000149"
TARGET = "hostile.bin"


@dataclass
class Expect:
    rc: int = 0
    material: str | None = None  # the material the finding must be on
    codes: tuple[str, ...] = ()  # one of these codes on it (exit 0)
    not_pass: bool = True  # the decision must not be pass (no silent pass)
    decision: str | None = None  # exact decision, when it matters
    rest_checked: bool = True  # id_back still read as id_card_back
    summary: bool = False  # run without --json: the human summary, no raw control characters
    extra: Callable[[dict[str, Any]], str | None] | None = None  # a further check -> problem or None


@dataclass
class Kind:
    name: str
    what: str
    build: Callable[[Path], None]
    expect: Expect = field(default_factory=Expect)


# --------------------------------------------------------------------------- helpers


def _case_json(case: Path) -> dict[str, Any]:
    return json.loads((case / "case.json").read_text("utf-8"))


def _save_case(case: Path, data: dict[str, Any]) -> None:
    (case / "case.json").write_text(json.dumps(data, ensure_ascii=False, indent=2), "utf-8")


def add_material(case: Path, name: str, data: bytes | None, declared: str | None = None) -> None:
    if data is not None:
        (case / name).write_bytes(data)
    c = _case_json(case)
    c["materials"].append({"file": name, "declared_type": declared})
    _save_case(case, c)


def replace_front(case: Path, data: bytes) -> None:
    (case / "id_front.jpg").write_bytes(data)


def img(im: Image.Image, fmt: str, **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def jpeg_sof(width: int, height: int) -> bytes:
    d = bytearray(img(Image.new("RGB", (64, 64), "white"), "JPEG"))
    i = d.find(b"\xff\xc0")
    struct.pack_into(">HH", d, i + 5, height, width)
    return bytes(d)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_ztxt_bomb(inflated: int = 100 << 20) -> bytes:
    base = img(Image.new("RGB", (64, 32), "white"), "PNG")
    c = zlib.compressobj(9)
    body = b"".join(c.compress(b"\0" * (1 << 20)) for _ in range(inflated >> 20)) + c.flush()
    iend = base.rfind(b"\0\0\0\0IEND")
    return base[:iend] + png_chunk(b"zTXt", b"Comment\0\0" + body) + base[iend:]


def bmp_huge() -> bytes:
    header = b"BM" + struct.pack("<IHHI", 70, 0, 0, 54)
    dib = struct.pack("<IiiHHIIiiII", 40, 100000, 100000, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return header + dib + b"\0" * 16


def flate_repeat(unit: bytes, mib: int) -> bytes:
    """``mib`` MiB of ``unit`` deflated in about 1 KB per MiB (full-flush blocks repeat)."""
    c = zlib.compressobj(9)
    chunk = unit * ((1 << 20) // len(unit))
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    steady = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    return first + steady * (mib - 1) + c.flush()  # (its checksum covers 2 MiB only: a bomb anyway)


def pdf_image_bomb(side: int = 20000) -> bytes:
    data = flate_repeat(b"\xff", side * side >> 20)
    return build_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /XObject << /Im1 5 0 R >> >> >>",
            4: stream_obj(b"q 595 0 0 842 0 0 cm /Im1 Do Q", flate=False),
            5: stream_obj(
                data,
                f"/Type /XObject /Subtype /Image /Width {side} /Height {side} "
                "/ColorSpace /DeviceGray /BitsPerComponent 8 ".encode(),
            ),
        }
    )


def pdf_external_refs() -> bytes:
    return build_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /Names << /JavaScript << /Names "
            b"[(x) << /S /JavaScript /JS (app.alert(1)) >>] >> >> >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> "
            b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /GoToR "
            b"/F (file:///etc/shadow) /D [0 /Fit] >> >>] >>",
            4: b"<< /Length 0 /F (/etc/passwd) >>\nstream\n\nendstream",
            5: b"<< /S /Launch /F (/etc/passwd) >>",
        }
    )


def text_pdf_pages(n: int, password: str | None = None) -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    enc = pdfencrypt.StandardEncryption(password, ownerPassword="owner") if password else None
    c = canvas.Canvas(buf, encrypt=enc)
    for i in range(n):
        c.drawString(72, 720, f"page {i + 1} of a document")
        c.showPage()
    c.save()
    return buf.getvalue()


def tiff_frames(n: int) -> bytes:
    frames = [Image.new("L", (32, 32), i % 255) for i in range(n)]
    return img(frames[0], "TIFF", save_all=True, append_images=frames[1:])


def gif_animated() -> bytes:
    a, b = Image.new("P", (32, 32), 1), Image.new("P", (32, 32), 2)
    return img(a, "GIF", save_all=True, append_images=[b])


def deep_json(n: int) -> str:
    return "[" * n + "]" * n


def _sparse(path: Path, size: int, head: bytes) -> None:
    with path.open("wb") as f:
        f.write(head)
        f.truncate(size)


# --------------------------------------------------------------------------- expectations

UNREADABLE = Expect(material=TARGET, codes=("material.unreadable",))


def unreadable(name: str = TARGET) -> Expect:
    return Expect(material=name, codes=("material.unreadable",))


def flagged(name: str, *codes: str, **kw: Any) -> Expect:
    return Expect(material=name, codes=codes, **kw)


CASE_ERROR = Expect(rc=2, rest_checked=False)


def _no_fields_from(name: str) -> Callable[[dict[str, Any]], str | None]:
    def check(report: dict[str, Any]) -> str | None:
        for m in report.get("materials", []):
            if m["file"] == name and (m.get("fields") or m.get("detected_type") not in (None, "unknown")):
                return f"{name} was read: {m.get('detected_type')}"
        return None

    return check


# --------------------------------------------------------------------------- the kinds


def _kinds() -> list[Kind]:
    k: list[Kind] = []

    def add(name: str, what: str, build: Callable[[Path], None], expect: Expect = UNREADABLE) -> None:
        k.append(Kind(name, what, build, expect))

    def material(data_fn: Callable[[], bytes], name: str = TARGET) -> Callable[[Path], None]:
        return lambda case: add_material(case, name, data_fn())

    white = Image.new("RGB", (1000, 630), "white")
    front = (BASE / "id_front.jpg").read_bytes()

    # disguised and broken files
    add("zero_byte", "zero-byte .jpg", material(lambda: b""))
    add("jpeg_cut", "JPEG cut to a third", material(lambda: front[: len(front) // 3]))
    add("png_cut", "PNG cut to a third", material(lambda: (lambda d: d[: len(d) // 3])(img(white, "PNG"))))
    add("text_as_jpg", "UTF-8 text named .jpg", material(lambda: "这不是图片\n".encode() * 50))
    add(
        "html_as_png",
        "HTML with <script> named .png",
        material(lambda: b"<html><script>alert(1)</script></html>"),
    )
    add(
        "svg_as_png",
        "SVG with onload",
        material(lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>'),
    )
    add("zip_as_pdf", "ZIP named .pdf", material(lambda: b"PK\x03\x04" + b"\0" * 200))
    add(
        "heic_garbage",
        "ftypheic box + random bytes",
        material(lambda: b"\0\0\0\x18ftypheic" + os.urandom(2000)),
    )
    add("gif_animated", "animated GIF", material(gif_animated))
    add("tiff_41_frames", "TIFF with 41 frames", material(lambda: tiff_frames(41)))
    add(
        "sparse_100mb",
        "100 MB sparse .jpg",
        lambda c: (_sparse(c / TARGET, 100 << 20, front[:1024]), add_material(c, TARGET, None)),
    )
    # pixel and decompression bombs
    add(
        "png_30000_1bit",
        "PNG 30000x30000 1-bit",
        material(lambda: img(Image.new("1", (30000, 30000), 1), "PNG")),
    )
    add(
        "png_7700_white",
        "PNG 7700x7700 white (under the pixel guard)",
        material(lambda: img(Image.new("L", (7700, 7700), 255), "PNG")),
        flagged(TARGET, "material.unrecognized", "material.unreadable"),
    )
    add("jpeg_sof_65000", "JPEG header 65000x65000, 691 B", material(lambda: jpeg_sof(65000, 65000)))
    add("jpeg_sof_lying", "JPEG header 8000x7000, body 691 B", material(lambda: jpeg_sof(8000, 7000)))
    add("bmp_header_huge", "BMP header 100000x100000, 70 B", material(bmp_huge))
    add("png_ztxt_bomb", "PNG zTXt chunk inflating to 100 MB", material(png_ztxt_bomb))
    # the required ID front replaced
    add(
        "blank_id_front",
        "ID front replaced by a white page",
        lambda c: replace_front(c, img(white, "JPEG")),
        flagged("id_front.jpg", "material.unrecognized", decision="return"),
    )
    add(
        "grey_id_front",
        "ID front replaced by a uniform grey PNG",
        lambda c: replace_front(c, img(Image.new("RGB", (1000, 630), (128, 128, 128)), "PNG")),
        flagged("id_front.jpg", "material.unrecognized", decision="return"),
    )
    add(
        "lying_id_front",
        "ID front replaced by a 691 B JPEG claiming 56 MP",
        lambda c: replace_front(c, jpeg_sof(8000, 7000)),
        flagged("id_front.jpg", "material.unreadable", decision="return"),
    )
    add(
        "noise_id_front",
        "ID front replaced by random noise",
        lambda c: replace_front(
            c, img(Image.frombytes("RGB", (500, 315), os.urandom(500 * 315 * 3)), "JPEG")
        ),
        Expect(material="id_front.jpg", codes=()),
    )
    add(
        "jpeg_plus_zip",
        "ID front with a ZIP appended (polyglot)",
        lambda c: replace_front(c, front + b"PK\x03\x04" + b"\0" * 100),
        Expect(material=None, not_pass=False, decision="pass"),
    )
    # PDFs
    add(
        "pdf_flate_bomb_1g",
        "1 MB PDF inflating to 1 GiB of spaces",
        material(lambda: one_page_pdf(flate_repeat(b" ", 1024))),
    )
    add(
        "pdf_flate_bomb_digits",
        "PDF inflating to 128 MB of '0'",
        material(lambda: one_page_pdf(flate_repeat(b"0", 128))),
    )
    add(
        "pdf_slow_tokens",
        "PDF of 15 MB of numbers (under the stream limits; stopped by the time limit)",
        material(lambda: one_page_pdf(flate_chunks(b"0 ", 15 << 20))),
    )
    add("pdf_image_bomb", "PDF with a 20000x20000 Flate image", material(pdf_image_bomb))
    add("pdf_many_objects", "PDF with 250,000 objects", material(lambda: many_objects_pdf(250_000)))
    add(
        "pdf_looping_pages",
        "PDF whose /Pages Kids contain itself",
        material(looping_pages_pdf),
        flagged(TARGET, "material.unreadable", "material.unrecognized"),
    )
    add(
        "pdf_deep_pages",
        "PDF page tree 5000 levels deep",
        material(lambda: deep_pages_pdf(5000)),
        flagged(TARGET, "material.unreadable", "material.unrecognized"),
    )
    add(
        "pdf_count_0",
        "PDF with /Count 0",
        material(
            lambda: build_pdf(
                {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"}
            )
        ),
    )
    add("pdf_cut", "PDF cut in half", material(lambda: (lambda d: d[: len(d) // 2])(text_pdf_pages(3))))
    add("pdf_encrypted", "PDF encrypted with a user password", material(lambda: text_pdf_pages(1, "secret")))
    add("pdf_500_pages", "PDF with 500 pages", material(lambda: text_pdf_pages(500)))
    add(
        "pdf_external_refs",
        "PDF with JavaScript, Launch /etc/passwd, GoToR, /F stream",
        material(pdf_external_refs),
        flagged(TARGET, "material.unreadable", "material.unrecognized"),
    )
    add(
        "pdf_huge_page",
        "PDF page of 14400x14400 pt",
        material(lambda: one_page_pdf(b"", flate=False, media=b"[0 0 14400 14400]")),
        flagged(TARGET, "material.unreadable", "material.unrecognized"),
    )
    # a closed case folder
    add(
        "symlink_outside",
        "material symlinked to an ID image outside the folder",
        lambda c: (os.symlink(c.parent / "outside-front.jpg", c / TARGET), add_material(c, TARGET, None)),
        Expect(material=TARGET, codes=("material.unreadable",), extra=_no_fields_from(TARGET)),
    )
    add(
        "symlink_passwd",
        "material symlinked to /etc/passwd",
        lambda c: (os.symlink("/etc/passwd", c / TARGET), add_material(c, TARGET, None)),
    )
    add(
        "symlink_dir",
        "etc -> /etc, material etc/passwd",
        lambda c: (os.symlink("/etc", c / "etc"), add_material(c, "etc/passwd", None)),
        unreadable("etc/passwd"),
    )
    add(
        "symlink_dev_zero",
        "material symlinked to /dev/zero",
        lambda c: (os.symlink("/dev/zero", c / TARGET), add_material(c, TARGET, None)),
    )
    add(
        "symlink_dangling",
        "material is a dangling symlink",
        lambda c: (os.symlink(c / "nowhere", c / TARGET), add_material(c, TARGET, None)),
    )
    add("fifo", "listed material is a FIFO", lambda c: (os.mkfifo(c / TARGET), add_material(c, TARGET, None)))
    add(
        "directory",
        "listed material is a folder",
        lambda c: ((c / TARGET).mkdir(), add_material(c, TARGET, None)),
        flagged(TARGET, "material.unreadable", "material.not_uploaded"),
    )
    # odd names
    add(
        "name_not_utf8",
        "unlisted file named b'scan\\xff\\xfe.jpg'",
        lambda c: (c / os.fsdecode(b"scan\xff\xfe.jpg")).write_bytes(b"x"),
        flagged("scan\\xff\\xfe.jpg", "material.unlisted", not_pass=True),
    )
    esc = "a\x1b[31mred\x07\x08.jpg"
    add(
        "name_escapes_summary",
        "material named with terminal escapes (human summary)",
        lambda c: add_material(c, esc, b"not an image"),
        Expect(summary=True, rest_checked=False),
    )
    add(
        "name_rlo",
        "material named 'scan\\u202egpj.exe'",
        lambda c: add_material(c, "scan\u202egpj.exe", b"MZ" + b"\0" * 64),
        unreadable("scan\u202egpj.exe"),
    )
    add(
        "name_dash",
        "material named '-rf.jpg'",
        lambda c: add_material(c, "-rf.jpg", b"\0" * 10),
        unreadable("-rf.jpg"),
    )
    # case.json
    add(
        "json_deep",
        "case.json nested 100,000 deep",
        lambda c: (c / "case.json").write_text(deep_json(100_000)),
        CASE_ERROR,
    )
    add(
        "json_extra_deep",
        "valid case + an extra key nested 100,000 deep",
        lambda c: (c / "case.json").write_text(
            (c / "case.json").read_text("utf-8").rstrip().rstrip("}") + ', "x": ' + deep_json(100_000) + "}",
            "utf-8",
        ),
        CASE_ERROR,
    )
    add(
        "json_duplicate_key",
        "two 'applicant' keys",
        lambda c: (c / "case.json").write_text(
            (c / "case.json").read_text("utf-8").rstrip().rstrip("}")
            + ', "applicant": {"name": "王五", "id_number": "420802198503121234"}}',
            "utf-8",
        ),
        CASE_ERROR,
    )
    add(
        "json_gbk",
        "case.json in GBK",
        lambda c: (c / "case.json").write_bytes(json.dumps(_case_json(c), ensure_ascii=False).encode("gbk")),
        CASE_ERROR,
    )
    add(
        "json_utf16",
        "case.json UTF-16",
        lambda c: (c / "case.json").write_text(json.dumps(_case_json(c)), "utf-16"),
        CASE_ERROR,
    )
    add("json_array", "case.json = [1,2,3]", lambda c: (c / "case.json").write_text("[1,2,3]"), CASE_ERROR)
    add("json_empty", "empty case.json", lambda c: (c / "case.json").write_bytes(b""), CASE_ERROR)
    add("json_missing", "no case.json", lambda c: (c / "case.json").unlink(), CASE_ERROR)
    add(
        "json_is_dir",
        "case.json is a folder",
        lambda c: ((c / "case.json").unlink(), (c / "case.json").mkdir()),
        CASE_ERROR,
    )
    add(
        "json_symlink",
        "case.json symlinked outside the folder",
        lambda c: (
            shutil.copy(c / "case.json", c.parent / "outside-case.json"),
            (c / "case.json").unlink(),
            os.symlink(c.parent / "outside-case.json", c / "case.json"),
        ),
        CASE_ERROR,
    )
    add(
        "json_dev_zero",
        "case.json -> /dev/zero",
        lambda c: ((c / "case.json").unlink(), os.symlink("/dev/zero", c / "case.json")),
        CASE_ERROR,
    )
    add(
        "json_traversal",
        "materials file '../../etc/passwd'",
        lambda c: add_material(c, "../../etc/passwd", None),
        CASE_ERROR,
    )
    add(
        "json_absolute",
        "materials file '/etc/passwd'",
        lambda c: add_material(c, "/etc/passwd", None),
        CASE_ERROR,
    )
    add(
        "json_listed_twice",
        "same file listed twice",
        lambda c: add_material(c, "id_back.jpg", None),
        CASE_ERROR,
    )
    add(
        "json_wrong_types",
        "materials 'abc', applicant 5",
        lambda c: _save_case(c, dict(_case_json(c), materials="abc", applicant=5)),
        CASE_ERROR,
    )
    return k


KINDS = _kinds()


def build_case(kind: Kind, root: Path) -> Path:
    """The kind's case folder under ``root`` (a copy of the base case plus one change)."""
    root.mkdir(parents=True, exist_ok=True)
    outside = root / "outside-front.jpg"
    if not outside.exists():
        shutil.copy(BASE / "id_front.jpg", outside)
    case = root / kind.name
    shutil.copytree(BASE, case, ignore=shutil.ignore_patterns("expected.json"))
    kind.build(case)
    return case


def main(out: str) -> None:
    for kind in KINDS:
        build_case(kind, Path(out))
    print(f"{len(KINDS)} kinds written to {out}")


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1])
