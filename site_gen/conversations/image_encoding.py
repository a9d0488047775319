"""A remote image made small and harmless: bytes in, a re-encoded WebP out, or a refusal.

Nothing a stranger sent is kept as sent. The bytes must open as PNG, JPEG, GIF or WebP and
pass Pillow's `verify`; the size in the header is checked against `MAX_PIXELS` before a
single pixel is decoded (a 100,000 x 100,000 PNG of a few kilobytes is a decompression bomb).
Then: the EXIF orientation is applied, the first frame of an animation kept, the picture
scaled (an avatar cropped to a 96 px square around its centre, an image fitted within 1,280
px) and written as WebP with no EXIF, ICC or XMP: a photo's GPS position never reaches the
repository. Sans-IO and CPU-bound: the copier runs it in a thread (Pillow releases the GIL).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "AVATAR_SIZE",
    "IMAGE_MAX_SIDE",
    "MAX_PIXELS",
    "EncodedImage",
    "Role",
    "encode_image",
]

Role = Literal["avatar", "image"]
AVATAR_SIZE = 96
IMAGE_MAX_SIDE = 1280
MAX_PIXELS = 40_000_000  # a 40 Mpx photo decodes to 160 MB: the most we ever decode
_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")
_QUALITY = 80
_METHOD = 2  # libwebp's effort 0-6: 2 is several times faster than 4 for a few % more bytes


@dataclass(frozen=True)
class EncodedImage:
    """The WebP bytes and their size in pixels."""

    data: bytes
    width: int
    height: int


def encode_image(data: bytes, role: Role) -> EncodedImage | str:
    """The re-encoded image, or why it is refused (a sentence)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check warns above its limit: an error here, never a decode.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            checked = _checked(data)
            if isinstance(checked, str):
                return checked
            return _encoded(checked, role)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"more than {MAX_PIXELS:,} pixels"
    except UnidentifiedImageError:
        return "not an image (PNG, JPEG, GIF or WebP)"
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # a damaged file
        return f"not a valid image ({type(exc).__name__})"


def _checked(data: bytes) -> Any:
    """The opened image (its pixels not decoded yet), or why it is refused."""
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=_FORMATS) as probe:
        width, height = probe.size
        if width * height > MAX_PIXELS:
            return f"{width} x {height} is more than {MAX_PIXELS:,} pixels"
        probe.verify()  # structure and checksums, without decoding the picture
    return Image.open(io.BytesIO(data), formats=_FORMATS)


def _encoded(image: Any, role: Role) -> EncodedImage:
    from PIL import ImageOps

    with image:
        target = _target_size(image.size, role)
        if image.format == "JPEG":
            image.draft("RGB", target)  # decode at 1/2, 1/4 or 1/8 scale when that is enough
        image.seek(0)  # the first frame of an animation
        image.load()
        upright = ImageOps.exif_transpose(image)
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        pixels = upright.convert("RGBA" if has_alpha else "RGB")
    if role == "avatar":
        size = (AVATAR_SIZE, AVATAR_SIZE)
        pixels = pixels.resize(size, box=_centre_square(pixels.size), reducing_gap=2.0)
    else:
        pixels.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE), reducing_gap=2.0)
    pixels.info.clear()  # no EXIF, ICC or XMP is carried over into the new file
    out = io.BytesIO()
    pixels.save(out, "WEBP", quality=_QUALITY, method=_METHOD, exif=b"", icc_profile=None)
    return EncodedImage(out.getvalue(), pixels.width, pixels.height)


def _target_size(size: tuple[int, int], role: Role) -> tuple[int, int]:
    """The smallest size the decoder may scale down to without losing what is kept."""
    width, height = size
    if role == "avatar":
        scale = AVATAR_SIZE / max(1, min(width, height))
    else:
        scale = IMAGE_MAX_SIDE / max(1, width, height)
    scale = min(1.0, scale)
    return (max(1, round(width * scale + 0.5)), max(1, round(height * scale + 0.5)))


def _centre_square(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest square around the centre: what an avatar keeps."""
    width, height = size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return (left, top, left + side, top + side)
