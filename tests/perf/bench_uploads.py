"""Upload benchmark: peak memory and time of checking photos and documents, the full decode against the reduced one.

    .venv/bin/python tests/perf/bench_uploads.py

Each case runs in a fresh process, so its peak resident memory (ru_maxrss) is its own; the figure printed is
the growth over the process's baseline. "full decode" is how every photo was read before issue 10 (every
pixel decoded, then cleaned and resized); "process_photo" / "clean_document" are the paths the site runs now.
Prints figures; asserts nothing.
"""

import io
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _png(width: int, height: int) -> bytes:
    """A real image (not a header trick) that compresses well, like the 158 KB PNG of the report."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 90)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _full_decode(content: bytes):
    from PIL import Image

    from therapists import uploads

    image = uploads.open_image(content)  # no max_side: every pixel decoded, as before issue 10
    clean = uploads._cleaned(image)
    clean.thumbnail((uploads.PHOTO_MAX_SIDE, uploads.PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)


def _make(make: str, size: tuple[int, int], path: str) -> None:
    Path(path).write_bytes({"png": _png, "jpeg": _jpeg}[make](*size))


def _run(case: str, path: str, queue) -> None:
    _setup()
    content = Path(path).read_bytes()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from therapists import uploads

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    outcome = "ok"
    try:
        if case == "full decode":
            _full_decode(content)
        elif case == "process_photo":
            uploads.process_photo(SimpleUploadedFile("p", content))
        else:
            uploads.clean_document(SimpleUploadedFile("d", content))
    except ValidationError as error:
        outcome = "refused: " + error.messages[0][:48]
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((len(content), (peak - baseline) / 1024, elapsed, outcome))


CASES = [
    ("PNG 7,071 x 7,071 (the report's)", "png", (7071, 7071)),
    ("PNG 4,898 x 4,898 (just under the new 24 MP cap)", "png", (4898, 4898)),
    ("PNG 4,000 x 3,000 (12 MP)", "png", (4000, 3000)),
    ("JPEG 8,000 x 6,000 (48 MP phone)", "jpeg", (8000, 6000)),
    ("JPEG 4,032 x 3,024 (12 MP phone)", "jpeg", (4032, 3024)),
]


def main() -> None:
    context = multiprocessing.get_context("spawn")
    print(f"{'image':48} {'path':15} {'file':>9} {'peak +MB':>9} {'seconds':>8}  outcome")
    folder = Path(tempfile.mkdtemp(prefix="bench_uploads_"))
    for label, make, size in CASES:
        # Made in a process of its own: a child starts with its parent's peak (ru_maxrss survives fork and exec),
        # so this one stays small.
        path = str(folder / f"{make}-{size[0]}x{size[1]}")
        maker = context.Process(target=_make, args=(make, size, path))
        maker.start()
        maker.join()
        for case in ("full decode", "process_photo", "clean_document"):
            queue = context.Queue()
            process = context.Process(target=_run, args=(case, path, queue))
            process.start()
            file_size, peak_mb, elapsed, outcome = queue.get()
            process.join()
            print(f"{label:48} {case:15} {file_size / 1024:>7.0f}KB {peak_mb:>9.0f} {elapsed:>8.2f}  {outcome}")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()
