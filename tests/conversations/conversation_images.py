"""Real images made with Pillow for the copy tests (a module, so tests import it by name)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def picture(fmt: str, size: tuple[int, int] = (400, 300), *, gps: bool = False) -> bytes:
    """A two-colour picture (left red, right blue) in `fmt`, with EXIF and GPS when asked."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    options: dict[str, object] = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "Secret Camera"
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)})
        options["exif"] = exif
    out = io.BytesIO()
    if fmt == "GIF":
        frames = [image, Image.new("RGB", size, (0, 200, 0))]
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    else:
        image.save(out, fmt, **options)
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares `width` x `height` (its IHDR checksum made right)."""
    out = io.BytesIO()
    Image.new("1", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)
