"""Avatars and images are copied as small WebP files, or refused, over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import io
import socket
from pathlib import Path
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from conversation_images import GPS_IFD, picture, png_bomb
from media_server import MediaServer
from PIL import Image, ImageFile

from site_gen.conversations.image_encoding import MAX_PIXELS, encode_image
from site_gen.conversations.media import MAX_BYTES, CopiedMedia, MediaCopier

SITE_URL = "https://blog.example"


async def _copy(site: Path, url: str, role: Any = "avatar", **options: Any) -> CopiedMedia:
    async with MediaCopier(site, site_url=SITE_URL, allow_private=True, **options) as copier:
        return await copier.copy(url, role)


def _opened(site: Path, copied: CopiedMedia) -> Image.Image:
    assert copied.error is None, copied.error
    assert copied.file is not None
    assert copied.file.startswith("media/")
    path = site / "conversations" / copied.file
    assert path.name == f"{path.stem}.webp"
    assert len(path.stem) == 32
    image = Image.open(io.BytesIO(path.read_bytes()))
    assert image.format == "WEBP"
    return image


@pytest.mark.anyio
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
async def test_each_format_becomes_a_96_px_webp_avatar(
    fmt: str, media_server: MediaServer, tmp_path: Path
) -> None:
    media_server.files["/avatar"] = (f"image/{fmt.lower()}", picture(fmt))
    copied = await _copy(tmp_path, media_server.url("/avatar"))
    image = _opened(tmp_path, copied).convert("RGB")
    assert image.size == (96, 96)
    assert (copied.width, copied.height) == (96, 96)
    # The centre square of a red-left, blue-right picture is still red left, blue right.
    red, blue = image.getpixel((5, 48)), image.getpixel((90, 48))
    assert red[0] > 150 > red[2], red
    assert blue[2] > 150 > blue[0], blue


@pytest.mark.anyio
async def test_an_image_is_fitted_within_1280_px(media_server: MediaServer, tmp_path: Path) -> None:
    media_server.files["/photo.jpg"] = ("image/jpeg", picture("JPEG", (3000, 1500)))
    media_server.files["/small.png"] = ("image/png", picture("PNG", (300, 200)))
    async with MediaCopier(tmp_path, site_url=SITE_URL, allow_private=True) as copier:
        big = await copier.copy(media_server.url("/photo.jpg"), "image")
        small = await copier.copy(media_server.url("/small.png"), "image")
    assert _opened(tmp_path, big).size == (1280, 640) == (big.width, big.height)
    assert _opened(tmp_path, small).size == (300, 200)  # never enlarged


@pytest.mark.anyio
async def test_exif_and_gps_are_gone(media_server: MediaServer, tmp_path: Path) -> None:
    sent = picture("JPEG", gps=True)
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(GPS_IFD)  # the input does carry GPS
    assert b"Secret Camera" in sent
    media_server.files["/gps.jpg"] = ("image/jpeg", sent)
    copied = await _copy(tmp_path, media_server.url("/gps.jpg"), "image")
    image = _opened(tmp_path, copied)
    assert dict(image.getexif()) == {}
    assert "icc_profile" not in image.info
    assert "xmp" not in image.info
    data = (tmp_path / "conversations" / str(copied.file)).read_bytes()
    assert b"Secret Camera" not in data
    assert b"EXIF" not in data


def test_orientation_is_applied_before_resizing() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (400, 200), (0, 0, 0)).save(out, "JPEG", exif=exif)
    encoded = encode_image(out.getvalue(), "image")
    assert not isinstance(encoded, str)
    assert (encoded.width, encoded.height) == (200, 400)


@pytest.mark.anyio
async def test_a_text_file_sent_as_png_is_refused(
    media_server: MediaServer, tmp_path: Path
) -> None:
    media_server.files["/fake.png"] = ("image/png", b"<script>alert(1)</script>\n" * 10)
    copied = await _copy(tmp_path, media_server.url("/fake.png"))
    assert copied.file is None
    assert copied.permanent
    assert "not an image" in str(copied.error)
    assert not (tmp_path / "conversations" / "media").exists()


@pytest.mark.anyio
@pytest.mark.parametrize("size", [(100_000, 100_000), (8_000, 6_000)])
async def test_a_decompression_bomb_is_refused_without_decoding(
    size: tuple[int, int],
    media_server: MediaServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert size[0] * size[1] > MAX_PIXELS
    decoded: list[object] = []

    def refuse_to_decode(image: object) -> None:
        decoded.append(image)
        raise AssertionError("the bomb's pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_decode)
    media_server.files["/bomb.png"] = ("image/png", png_bomb(*size))
    copied = await _copy(tmp_path, media_server.url("/bomb.png"), "image")
    assert copied.file is None
    assert copied.permanent
    assert "pixels" in str(copied.error)
    assert decoded == []


@pytest.mark.anyio
async def test_over_the_byte_cap_is_refused(media_server: MediaServer, tmp_path: Path) -> None:
    media_server.files["/huge.png"] = ("image/png", b"\x89PNG" + b"0" * MAX_BYTES["avatar"])
    copied = await _copy(tmp_path, media_server.url("/huge.png"))
    assert copied.file is None
    assert copied.permanent
    assert "too_large" in str(copied.error)


@pytest.mark.anyio
async def test_a_server_error_is_worth_trying_again(
    media_server: MediaServer, tmp_path: Path
) -> None:
    copied = await _copy(tmp_path, media_server.url("/broken"))
    assert copied.file is None
    assert not copied.permanent
    assert "HTTP 503" in str(copied.error)


@pytest.mark.anyio
async def test_a_redirect_is_followed(media_server: MediaServer, tmp_path: Path) -> None:
    media_server.files["/avatar.png"] = ("image/png", picture("PNG"))
    copied = await _copy(tmp_path, media_server.url("/redirect"))
    assert _opened(tmp_path, copied).size == (96, 96)


@pytest.mark.anyio
async def test_the_same_image_twice_is_one_file_and_one_url_one_fetch(
    media_server: MediaServer, tmp_path: Path
) -> None:
    data = picture("PNG")
    media_server.files["/a.png"] = ("image/png", data)
    media_server.files["/b.png"] = ("image/png", data)
    async with MediaCopier(tmp_path, site_url=SITE_URL, allow_private=True) as copier:
        copies = await asyncio.gather(
            copier.copy(media_server.url("/a.png"), "avatar"),
            copier.copy(media_server.url("/a.png"), "avatar"),
            copier.copy(media_server.url("/b.png"), "avatar"),
        )
    assert len({c.file for c in copies}) == 1
    assert len(list((tmp_path / "conversations" / "media").iterdir())) == 1
    assert media_server.requests == {"/a.png": 1, "/b.png": 1}
    # A later run finds the file and reuses it as it is.
    path = tmp_path / "conversations" / str(copies[0].file)
    before = path.stat().st_mtime_ns
    again = await _copy(tmp_path, media_server.url("/b.png"))
    assert again == copies[0]
    assert path.stat().st_mtime_ns == before


class MappedResolver(AbstractResolver):
    """Answers every name with one chosen address, without DNS."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(hostname=host, host=self.address, port=port, family=socket.AF_INET,
                          proto=0, flags=socket.AI_NUMERICHOST)
        ]  # fmt: skip

    async def close(self) -> None:
        return None


@pytest.mark.anyio
@pytest.mark.parametrize("address", ["10.0.0.1", "127.0.0.1", "169.254.169.254"])
async def test_a_private_address_is_refused_before_any_packet(
    address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[Any] = []
    loop = asyncio.get_running_loop()

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        pytest.fail("a connection was attempted")

    monkeypatch.setattr(loop, "sock_connect", refuse)
    monkeypatch.setattr(loop, "create_connection", refuse)
    resolver = MappedResolver(address)
    async with MediaCopier(tmp_path, site_url=SITE_URL, resolver=resolver) as copier:
        by_name = await copier.copy("https://avatars.example/a.png", "avatar")
        by_literal = await copier.copy(f"http://{address}/a.png", "avatar")
    for copied in (by_name, by_literal):
        assert copied.file is None
        assert copied.permanent
        assert "refused" in str(copied.error)
    assert resolver.asked == ["avatars.example"]
    assert attempts == []


@pytest.mark.anyio
async def test_many_avatars_copy_concurrently(media_server: MediaServer, tmp_path: Path) -> None:
    for number in range(200):
        size = (400, 400 - number % 7)  # several distinct pictures, each fetched and encoded
        kind = "JPEG" if number % 2 else "PNG"
        media_server.files[f"/{number}"] = (f"image/{kind.lower()}", picture(kind, size))
    async with MediaCopier(tmp_path, site_url=SITE_URL, allow_private=True) as copier:
        copies = await asyncio.gather(
            *(copier.copy(media_server.url(f"/{n}"), "avatar") for n in range(200))
        )
    assert all(c.error is None for c in copies)
    assert len(media_server.requests) == 200  # each URL once (the speed is bench's)
