"""Hand-made PDFs for hostile-input tests: bombs, loops, broken trees (real bytes, no library)."""

from __future__ import annotations

import zlib


def flate_chunks(unit: bytes, total: int, level: int = 9) -> bytes:
    """``unit`` repeated to ``total`` bytes, deflated without ever holding the inflated data."""
    c = zlib.compressobj(level)
    block = unit * max(1, (1 << 20) // len(unit))
    out = []
    left = total
    while left > 0:
        piece = block[: min(left, len(block))]
        out.append(c.compress(piece))
        left -= len(piece)
    out.append(c.flush())
    return b"".join(out)


def build_pdf(objects: dict[int, bytes], root: int = 1, trailer_extra: bytes = b"") -> bytes:
    """A PDF with the given ``n 0 obj`` bodies and a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objects[num] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for num in range(1, size):
        out += f"{offsets.get(num, 0):010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root {root} 0 R ".encode() + trailer_extra + b">>\n"
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def stream_obj(data: bytes, dict_extra: bytes = b"", flate: bool = True) -> bytes:
    filt = b"/Filter /FlateDecode " if flate else b""
    return b"<< /Length %d " % len(data) + filt + dict_extra + b">>\nstream\n" + data + b"\nendstream"


def one_page_pdf(content: bytes, flate: bool = True, media: bytes = b"[0 0 595 842]") -> bytes:
    """One page whose content stream is ``content`` (already deflated when ``flate``)."""
    return build_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox " + media + b" /Contents 4 0 R /Resources << >> >>",
            4: stream_obj(content, flate=flate),
        }
    )


def flate_bomb_pdf(inflated: int, unit: bytes = b" ") -> bytes:
    return one_page_pdf(flate_chunks(unit, inflated))


def looping_pages_pdf() -> bytes:
    """A page tree whose /Kids contain the tree itself."""
    return build_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
        }
    )


def deep_pages_pdf(depth: int = 5000) -> bytes:
    """A page tree nested ``depth`` levels deep above a single page."""
    objs: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    for k in range(depth):
        num = 2 + k
        objs[num] = f"<< /Type /Pages /Kids [{num + 1} 0 R] /Count 1 >>".encode()
    leaf = 2 + depth
    objs[leaf] = b"<< /Type /Page /MediaBox [0 0 595 842] /Resources << >> >>"
    return build_pdf(objs)


def many_objects_pdf(n: int) -> bytes:
    objs: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>",
    }
    for k in range(4, 4 + n):
        objs[k] = b"null"
    return build_pdf(objs)
