"""Screenshots of the sample site for the README, at a phone's size and a desktop's.

usage: python bench/screenshots.py [--out docs/screenshots]

Builds the sample site (`content/`), serves it on 127.0.0.1 and has headless Chromium
(/usr/bin/chromium, or $CHROME_PATH) take the home page and a post with a conversation at
390x844 (a phone) and 1280x800 (a desktop). The PNGs are reduced to a 256-colour palette
with Pillow: the theme's flat colours survive it and each file stays small enough to live
in the repository.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from PIL import Image
from sample_site import REPO, served_sample_site

PHONE, DESKTOP = (390, 844), (1280, 800)
# (file name, path, window): the home page and a post with a conversation.
SHOTS = (
    ("home-desktop", "/", DESKTOP),
    ("home-phone", "/", PHONE),
    ("post-desktop", "/posts/static-sites/", DESKTOP),
    ("post-phone", "/posts/static-sites/", PHONE),
)
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    "--force-device-scale-factor=1",
    "--virtual-time-budget=3000",  # the page settled (fonts, lazy images) before the shot
)


def screenshot(url: str, size: tuple[int, int], target: Path, profile: Path) -> None:
    """One screenshot of `url` in a window of `size`, written to `target` as it comes."""
    chromium = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    command = [
        chromium,
        *CHROME_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={target}",
        url,
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def shrink(source: Path, target: Path) -> None:
    """A palette PNG of `source`: a fraction of the bytes, the same picture to the eye."""
    with Image.open(source) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(target, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="site-gen-shots-") as folder,
        served_sample_site() as origin,
    ):
        work = Path(folder)
        for name, path, size in SHOTS:
            raw = work / f"{name}.png"
            screenshot(origin + path, size, raw, work / "profile")
            target = args.out / f"{name}.png"
            shrink(raw, target)
            print(f"{target}: {target.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
