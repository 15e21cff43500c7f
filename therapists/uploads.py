"""Checking uploaded photos and certification documents by their content, and cleaning them, before storing."""

import io
import re
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from common.uploads import MAX_UPLOAD_BYTES

# Enough for a 48-megapixel phone photo; beyond it a small file can still expand into
# gigabytes of pixels (a decompression bomb), so the header alone decides.
MAX_IMAGE_PIXELS = 50_000_000
PHOTO_MAX_SIDE = 1200
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
PIXELS_MESSAGE = "The image has too many pixels (more than 50 megapixels). Please upload a smaller one."


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


def open_image(content: bytes) -> Image.Image:
    """A fully decoded image of an allowed format, or a ValidationError that says what is wrong."""
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; here any excess is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(content), formats=IMAGE_FORMATS)
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(PIXELS_MESSAGE, code="too_many_pixels")
            probe.verify()
            # verify() leaves the image unusable; decoding again proves every pixel is there.
            image = Image.open(io.BytesIO(content), formats=IMAGE_FORMATS)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(PIXELS_MESSAGE, code="too_many_pixels") from error
    except UnidentifiedImageError as error:
        raise ValidationError(IMAGE_TYPE_MESSAGE, code="not_an_image") from error
    except ValidationError:
        raise
    except Exception as error:  # noqa: BLE001
        # A crafted file can make Pillow's decoders raise almost anything (OSError, SyntaxError,
        # struct.error, IndexError, ...); to the uploader every one of them means "damaged".
        raise ValidationError(BROKEN_MESSAGE, code="broken_image") from error
    return image


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
    clean = _cleaned(open_image(read_upload(upload)))
    clean.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    thumbnail = ImageOps.fit(clean, (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        photo=_encode(clean, "JPEG"), thumbnail=_encode(thumbnail, "JPEG"), width=clean.width, height=clean.height
    )


def clean_document(upload) -> CleanDocument:
    """A PDF (checked by its header) kept as sent, or an image re-encoded without metadata."""
    content = read_upload(upload)
    if _PDF_HEADER.match(content):
        return CleanDocument(content=content, extension=".pdf")
    try:
        image = open_image(content)
    except ValidationError as error:
        if error.code == "not_an_image":
            raise ValidationError(DOCUMENT_TYPE_MESSAGE, code="not_a_document") from error
        raise
    # Re-encoding drops anything hidden after or inside the image (HTML, scripts, GPS tags). Phones
    # write JPEGs with extra frames that Pillow names MPO; the first frame is kept, as a plain JPEG.
    image_format = "JPEG" if image.format == "MPO" else image.format
    return CleanDocument(content=_encode(_cleaned(image), image_format), extension=EXTENSIONS[image_format])


def content_type_for(name: str) -> str:
    """The Content-Type of a stored document, from the extension its checked content gave it."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")
