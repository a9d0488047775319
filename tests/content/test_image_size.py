"""Image sizes from header bytes, for each supported format."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from site_gen.content.image_size import image_size, image_size_of_bytes

REPO = Path(__file__).resolve().parents[2]


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_png_gif_jpeg_webp_svg() -> None:
    assert image_size_of_bytes(_png(640, 480)) == (640, 480)
    assert image_size_of_bytes(b"GIF89a" + struct.pack("<HH", 12, 34) + b"\x00" * 8) == (12, 34)
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", 16)
        + b"JFIF\x00"
        + b"\x00" * 9
        + b"\xff\xc0"
        + struct.pack(">HBHH", 17, 8, 300, 400)
        + b"\x03"
        + b"\x00" * 9
    )
    assert image_size_of_bytes(jpeg) == (400, 300)
    vp8x = (
        b"RIFF\x00\x00\x00\x00WEBPVP8X"
        + b"\x00" * 8
        + (99).to_bytes(3, "little")
        + (49).to_bytes(3, "little")
    )
    assert image_size_of_bytes(vp8x) == (100, 50)
    assert image_size_of_bytes(b'<svg xmlns="x" width="20px" height="10">') == (20, 10)
    assert image_size_of_bytes(b'<svg viewBox="0 0 800 600"></svg>') == (800, 600)
    assert image_size_of_bytes(b"not an image") is None


def test_sample_site_images() -> None:
    images = REPO / "content" / "static" / "images"
    assert image_size(images / "wheel.png") == (320, 200)
    assert image_size(images / "tulips.png") == (800, 600)
