"""Width and height of an image from its header bytes: PNG, JPEG, GIF, WebP and SVG.

Pages need width/height to avoid layout shift, and ActivityPub attachments carry them;
reading a few header bytes is enough, so no imaging library is needed.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

__all__ = ["image_size", "image_size_of_bytes"]

_SVG_LENGTH = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$")
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _png(data: bytes) -> tuple[int, int] | None:
    if len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def _gif(data: bytes) -> tuple[int, int] | None:
    if len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    return None


def _jpeg(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        (length,) = struct.unpack(">H", data[index + 2 : index + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return int(width & 0x3FFF), int(height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def _svg_length(value: str | None) -> int | None:
    match = _SVG_LENGTH.match(value or "")
    return round(float(match.group(1))) if match else None


def _svg(data: bytes) -> tuple[int, int] | None:
    text = data.decode("utf-8", errors="replace")
    root = re.search(r"<svg\b([^>]*)>", text, re.DOTALL)
    if root is None:
        return None
    attributes = dict(re.findall(r'([\w:-]+)\s*=\s*["\']([^"\']*)["\']', root.group(1)))
    width = _svg_length(attributes.get("width"))
    height = _svg_length(attributes.get("height"))
    if width and height:
        return width, height
    box = attributes.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return round(float(box[2])), round(float(box[3]))
        except ValueError:
            return None
    return None


def image_size_of_bytes(data: bytes) -> tuple[int, int] | None:
    """(width, height) of an image, or None when the format is unknown or the header broken."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if b"<svg" in data[:4096]:
        return _svg(data)
    return None


def image_size(path: Path) -> tuple[int, int] | None:
    """Read just enough of the file (SVG and JPEG headers can be long) to find its size."""
    with path.open("rb") as handle:
        data = handle.read(256 * 1024)
    return image_size_of_bytes(data)
