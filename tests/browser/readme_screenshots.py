"""Refresh the README's screenshots in docs/screenshots/ from the last browser-test run (make test-browser first).

Each is the first screen of a page, downscaled and reduced to a palette so it stays well under 150 KB.
Run: .venv/bin/python tests/browser/readme_screenshots.py
"""

from pathlib import Path

from PIL import Image

SOURCE = Path(__file__).parent / "screenshots"
TARGET = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# name in the README: (screenshot of the run, height of the first screen kept, width it is shown at)
PICKS = {
    "home": ("home-desktop.png", 900, 960),
    "search": ("search-desktop.png", 900, 960),
    "profile": ("profile-desktop.png", 1100, 960),
    "dashboard": ("dashboard-desktop.png", 900, 960),
    "profile-phone": ("profile-375.png", 1500, 375),
    "search-phone": ("search-375.png", 1500, 375),
}
MAX_BYTES = 150_000


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, (source, height, width) in PICKS.items():
        image = Image.open(SOURCE / source).convert("RGB")
        image = image.crop((0, 0, image.width, min(height, image.height)))
        if image.width > width:
            image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
        path = TARGET / f"{name}.png"
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
        size = path.stat().st_size
        print(f"{path.relative_to(TARGET.parents[1])}: {image.width}x{image.height}, {size // 1024} KB")
        if size > MAX_BYTES:
            raise SystemExit(f"{path} is larger than {MAX_BYTES // 1000} KB")


if __name__ == "__main__":
    main()
