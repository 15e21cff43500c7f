"""Checking uploaded photos and certification documents by their content, and cleaning them, before storing."""

import io
import re
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

from common.uploads import MAX_UPLOAD_BYTES

# Enough for a 48-megapixel phone photo; beyond it a small file can still expand into
# gigabytes of pixels (a decompression bomb), so the header alone decides.
MAX_IMAGE_PIXELS = 50_000_000
# PNG and WebP decode only at full size: 4 bytes a pixel at most, so 24 megapixels (a 24 MP camera, a 400 dpi
# scan of a letter page) cost at most ~100 MB while decoded. A JPEG decodes at a fraction of its size
# (Image.draft), so a JPEG keeps the general cap (figures: tests/perf/bench_uploads.py).
DECODED_MAX_PIXELS = 24_000_000
# A scanned certificate is read by a verifier: A4 at 300 dpi is 2480 x 3508; larger scans are reduced to it.
DOCUMENT_MAX_SIDE = 3508
PHOTO_MAX_SIDE = 1200
# Reduce in integer steps (Image.reduce, or a JPEG's DCT scaling) to within this factor of the target first,
# then resample: memory and time follow the reduced image, the quality a direct resample would give.
REDUCING_GAP = 2.0
THUMBNAIL_SIDE = 144
JPEG_QUALITY = 85

# Pillow identifies by content; the uploader's file name and Content-Type are never trusted.
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "PDF": ".pdf"}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp", ".pdf": "application/pdf"}
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")

# A truncated image must fail, never be silently padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

SIZE_MESSAGE = "The file is larger than 10 MB. Please upload a smaller one."
EMPTY_MESSAGE = "The file is empty."
IMAGE_TYPE_MESSAGE = "This is not a JPEG, PNG or WebP image. Please upload a photo in one of those formats."
DOCUMENT_TYPE_MESSAGE = "This is not a PDF or a JPEG, PNG or WebP image. Please upload the document in one of those."
BROKEN_MESSAGE = "The image could not be read; it may be damaged or incomplete. Please upload it again."
PIXELS_MESSAGE = "The image has too many pixels (more than {megapixels} megapixels). Please upload a smaller one."
BUSY_MESSAGE = "We are busy processing other uploads. Please try again in a minute."
PDF_BROKEN_MESSAGE = "This PDF could not be read; it may be damaged. Please export it again or upload a scan."
PDF_LIMIT_MESSAGE = (
    "This PDF is too large to check (more than {pages} pages or too much content). Please upload the pages we need."
)
PDF_ACTIVE_MESSAGE = (
    "This PDF contains scripts, attached files or actions that start programs. Please upload a plain PDF "
    "(print it to PDF again) or a scan."
)
PDF_ENCRYPTED_MESSAGE = "This PDF is password-protected. Please upload it without a password."

# Limits of a certification PDF: a license or certificate is a page or two.
PDF_MAX_PAGES = 50
PDF_MAX_OBJECTS = 20_000
# What all its compressed streams may inflate to, together: a small file must not expand into gigabytes.
PDF_MAX_INFLATED_BYTES = 100_000_000
_PDF_INFLATE_CHUNK = 1_000_000
# Names that make a PDF do something rather than show something: scripts, launched programs, attached
# files, multimedia, XFA forms (which carry scripts), and actions that send or fetch data.
PDF_ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/Sound",
        "/Movie",
    }
)
# Markup a browser would render if it ever sniffed the file as a page; no certificate carries it.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta)\b", re.IGNORECASE)
_PDF_END = re.compile(rb"%%EOF[ \t\r\n\x00\x0c]*")


@dataclass(frozen=True)
class ProcessedPhoto:
    """A profile photo re-encoded without metadata, and its square thumbnail (both JPEG)."""

    photo: bytes
    thumbnail: bytes
    width: int
    height: int


@dataclass(frozen=True)
class CleanDocument:
    """A certification document ready to store: its bytes and the extension its content proves."""

    content: bytes
    extension: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.extension]


def read_upload(upload) -> bytes:
    """The whole upload, once its size is known to be within the limit."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(SIZE_MESSAGE, code="too_large")
    upload.seek(0)
    content = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError(SIZE_MESSAGE, code="too_large")
    if not content:
        raise ValidationError(EMPTY_MESSAGE, code="empty")
    return content


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _image_slots() -> threading.BoundedSemaphore:
    """The process's slots for decoding uploads, UPLOAD_IMAGE_CONCURRENCY of them."""
    size = max(1, settings.UPLOAD_IMAGE_CONCURRENCY)
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(size))


@contextmanager
def image_processing_slot() -> Iterator[None]:
    """Decode at most UPLOAD_IMAGE_CONCURRENCY uploads at once in a process: each may need ~100 MB while
    decoded, and eight at once took a worker from 278 MB to 3 GB. A request that gets no slot within
    UPLOAD_IMAGE_WAIT_SECONDS is told to try again (a form error), never left hanging or answered with a 5xx."""
    slots = _image_slots()
    if not slots.acquire(timeout=settings.UPLOAD_IMAGE_WAIT_SECONDS):
        raise ValidationError(BUSY_MESSAGE, code="busy")
    try:
        yield
    finally:
        slots.release()


def _pixels_error(max_pixels: int) -> ValidationError:
    return ValidationError(PIXELS_MESSAGE.format(megapixels=max_pixels // 1_000_000), code="too_many_pixels")


def open_image(content: bytes, *, max_side: int | None = None, max_pixels=lambda image_format: MAX_IMAGE_PIXELS):
    """A decoded image of an allowed format, or a ValidationError that says what is wrong.

    With `max_side`, the image is decoded at reduced size where the format allows (a JPEG's DCT scaling) and
    reduced to fit `max_side` before anything else, so memory follows the result, not the upload. The pixel
    cap (`max_pixels`, by format) is checked on the header, before any pixel is decoded.
    """
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; here any excess is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(content), formats=IMAGE_FORMATS)
            width, height = probe.size
            limit = max_pixels(probe.format)
            if width * height > limit:
                raise _pixels_error(limit)
            probe.verify()
            # verify() leaves the image unusable; decoding again proves every pixel is there.
            image = Image.open(io.BytesIO(content), formats=IMAGE_FORMATS)
            if max_side is not None and max(image.size) > max_side:
                # A JPEG decodes straight to the smallest DCT scale still at least the size kept (thumbnail()'s
                # own draft asks for the square box, which often leaves a landscape image at full size).
                scale = max_side / max(image.size)
                image.draft(None, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
                image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _pixels_error(MAX_IMAGE_PIXELS) from error
    except UnidentifiedImageError as error:
        raise ValidationError(IMAGE_TYPE_MESSAGE, code="not_an_image") from error
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001
        # A crafted file can make Pillow's decoders raise almost anything (OSError, SyntaxError,
        # struct.error, IndexError, ...); to the uploader every one of them means "damaged".
        raise ValidationError(BROKEN_MESSAGE, code="broken_image") from error
    return image


def decoded_max_pixels(image_format: str) -> int:
    """A JPEG decodes at a fraction of its size; PNG and WebP only whole, so they have the lower cap."""
    return MAX_IMAGE_PIXELS if image_format in ("JPEG", "MPO") else DECODED_MAX_PIXELS


def _clean_pixels(image: Image.Image) -> Image.Image:
    """Upright, RGB pixels only: a new image carries no EXIF, GPS, ICC, XMP or text chunks."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
    else:
        flat = upright.convert("RGB")
    clean = Image.new("RGB", flat.size)
    clean.paste(flat)
    return clean


def _encode(image: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif image_format == "WEBP":
        image.save(buffer, "WEBP", quality=JPEG_QUALITY)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _cleaned(image: Image.Image) -> Image.Image:
    try:
        return _clean_pixels(image)
    except Exception as error:  # noqa: BLE001
        # Odd modes or a malformed EXIF block can still fail here, after decoding succeeded.
        raise ValidationError(BROKEN_MESSAGE, code="broken_image") from error


def process_photo(upload) -> ProcessedPhoto:
    """Check a profile photo by content and re-encode it upright, resized, without metadata."""
    content = read_upload(upload)
    with image_processing_slot():
        image = open_image(content, max_side=PHOTO_MAX_SIDE, max_pixels=decoded_max_pixels)
        clean = _cleaned(image)
        # Turned upright after the reduction, the photo may be a pixel off the side; thumbnail() only shrinks.
        clean.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
        thumbnail = ImageOps.fit(clean, (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
        return ProcessedPhoto(
            photo=_encode(clean, "JPEG"), thumbnail=_encode(thumbnail, "JPEG"), width=clean.width, height=clean.height
        )


def _walk_pdf(reader) -> Iterator:
    """Every object reachable from the trailer, once each, up to PDF_MAX_OBJECTS."""
    seen: set[tuple[int, int]] = set()
    pending = [reader.trailer]
    while pending:
        obj = pending.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > PDF_MAX_OBJECTS:
                raise ValidationError(PDF_LIMIT_MESSAGE.format(pages=PDF_MAX_PAGES), code="pdf_too_large")
            obj = obj.get_object()
        yield obj
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                yield key
                pending.append(value)
        elif isinstance(obj, ArrayObject):
            pending.extend(obj)


def _inflated_size(stream, budget: int) -> int:
    """How many bytes a Flate stream inflates to, counted in chunks and given up past the budget."""
    inflater = zlib.decompressobj()
    data, total = stream._data, 0
    while data and total <= budget:
        total += len(inflater.decompress(data, _PDF_INFLATE_CHUNK))
        data = inflater.unconsumed_tail
    return total


def check_pdf(content: bytes) -> bytes:
    """A PDF that pypdf parses within the limits and that only shows something, as sent; a ValidationError else.

    Anything after the last %%EOF is cut off (a file appended to a PDF, e.g. a page or an archive, is not part of
    it); markup anywhere, scripts, attachments and launch actions are refused; the pages and the compressed
    streams are counted with limits, so neither a huge page count nor a stream that inflates to a gigabyte gets
    through.
    """
    ends = list(_PDF_END.finditer(content))
    if not ends:
        raise ValidationError(PDF_BROKEN_MESSAGE, code="pdf_broken")
    content = content[: ends[-1].end()]
    if _MARKUP.search(content):
        raise ValidationError(PDF_ACTIVE_MESSAGE, code="pdf_active")
    budget = PDF_MAX_INFLATED_BYTES
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every repairable flaw; only failures count here
            reader = PdfReader(io.BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise ValidationError(PDF_ENCRYPTED_MESSAGE, code="pdf_encrypted")
            pages = len(reader.pages)
            if not 1 <= pages <= PDF_MAX_PAGES:
                code = "pdf_too_large" if pages else "pdf_broken"
                raise ValidationError(
                    PDF_LIMIT_MESSAGE.format(pages=PDF_MAX_PAGES) if pages else PDF_BROKEN_MESSAGE, code=code
                )
            for obj in _walk_pdf(reader):
                if isinstance(obj, NameObject) and obj in PDF_ACTIVE_NAMES:
                    raise ValidationError(PDF_ACTIVE_MESSAGE, code="pdf_active")
                if isinstance(obj, StreamObject) and "/FlateDecode" in str(obj.get("/Filter", "")):
                    budget -= _inflated_size(obj, budget)
                    if budget < 0:
                        raise ValidationError(PDF_LIMIT_MESSAGE.format(pages=PDF_MAX_PAGES), code="pdf_too_large")
    except ValidationError:
        raise
    except (PyPdfError, zlib.error) as error:
        raise ValidationError(PDF_BROKEN_MESSAGE, code="pdf_broken") from error
    except Exception as error:  # noqa: BLE001
        # As with images, a crafted file can make a parser raise almost anything; it means "damaged".
        raise ValidationError(PDF_BROKEN_MESSAGE, code="pdf_broken") from error
    return content


def clean_document(upload) -> CleanDocument:
    """A PDF that parses and only shows something, kept as sent (less anything after its end), or an image
    re-encoded without metadata."""
    content = read_upload(upload)
    with image_processing_slot():
        if _PDF_HEADER.match(content):
            return CleanDocument(content=check_pdf(content), extension=".pdf")
        try:
            image = open_image(content, max_side=DOCUMENT_MAX_SIDE, max_pixels=decoded_max_pixels)
        except ValidationError as error:
            if error.code == "not_an_image":
                raise ValidationError(DOCUMENT_TYPE_MESSAGE, code="not_a_document") from error
            raise
        # Re-encoding drops anything hidden after or inside the image (HTML, scripts, GPS tags). Phones write
        # JPEGs with extra frames that Pillow names MPO; the first frame is kept, as a plain JPEG.
        image_format = "JPEG" if image.format == "MPO" else image.format
        return CleanDocument(content=_encode(_cleaned(image), image_format), extension=EXTENSIONS[image_format])


def content_type_for(name: str) -> str:
    """The Content-Type of a stored document, from the extension its checked content gave it."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")
