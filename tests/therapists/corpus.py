"""The hostile upload corpus, generated in code with Pillow: no binary is checked in."""

import io
import struct
import zlib
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject, TextStringObject

from common.uploads import MAX_UPLOAD_BYTES

ERROR, STORED = "error", "stored"


@dataclass(frozen=True)
class Hostile:
    """One attack file, and what must happen to it as a profile photo and as a certification document."""

    id: str
    filename: str
    content: bytes
    content_type: str
    photo: str
    document: str
    message: str = ""  # the form error both targets show when refused (a stable fragment)
    document_extension: str = ""  # what a stored document's name must end with
    document_message: str = ""  # the document's form error, where it differs from the photo's

    @property
    def document_error(self) -> str:
        return self.document_message or self.message

    def upload(self):
        return SimpleUploadedFile(self.filename, self.content, content_type=self.content_type)


def _noise(size=(320, 240), mode="RGB") -> Image.Image:
    # Noise compresses badly, so truncating the file cuts into the pixel data.
    return Image.frombytes(mode, size, bytes((i * 7919) % 251 for i in range(size[0] * size[1] * len(mode))))


def encode(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def jpeg(size=(320, 240), **params) -> bytes:
    return encode(_noise(size), "JPEG", **params)


def png(size=(64, 48)) -> bytes:
    return encode(_noise(size), "PNG")


def gps_jpeg(size=(200, 100)) -> bytes:
    """A landscape JPEG that says "rotate 90°" and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SpyCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 44.0, 21.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (104.0, 59.0, 25.0)
    return encode(_noise(size), "JPEG", exif=exif)


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb as the header sees it."""
    data = bytearray(encode(Image.new("1", (1, 1)), "PNG"))
    ihdr = bytearray(data[16:29])
    ihdr[0:8] = struct.pack(">II", width, height)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
)


def pdf(pages: int = 1, build=None) -> bytes:
    """A PDF of blank letter pages written by pypdf; `build(writer)` adds what makes it hostile."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    if build:
        build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _flate_bomb(writer: PdfWriter, inflated_bytes: int = 200_000_000) -> None:
    """A page whose content stream is ~200 KB of Flate data that inflates to 200 MB of zeros."""
    deflater = zlib.compressobj(9)
    chunk = b"\0" * 1_000_000
    data = b"".join(deflater.compress(chunk) for _ in range(inflated_bytes // len(chunk))) + deflater.flush()
    stream = StreamObject()
    stream._data = data
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)


def _open_action(writer: PdfWriter, kind: str, key: str, value: str) -> None:
    """An action the reader runs on opening the document: a script, a program to launch."""
    action = DictionaryObject({NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)


PDF = pdf()  # a plain, valid one-page PDF: what the dashboard's tests upload as a license
SCRIPT_PDF = pdf(build=lambda writer: _open_action(writer, "/JavaScript", "/JS", "app.alert('hi');"))
LAUNCH_PDF = pdf(build=lambda writer: _open_action(writer, "/Launch", "/F", "calc"))


def corpus() -> list[Hostile]:
    """At least twelve hostile files; every one refused with a clear message or stored safely."""
    good_jpeg = jpeg()
    cmyk = encode(_noise((64, 48), "CMYK"), "JPEG")
    # What many phones write: a JPEG with a second frame (Pillow's "MPO").
    mpo = encode(_noise((64, 48)), "MPO", save_all=True, append_images=[_noise((64, 48))])
    return [
        Hostile("pixel-bomb", "bomb.png", png_claiming_size(30_000, 30_000), "image/png", ERROR, ERROR,
                "too many pixels"),
        Hostile("pixel-bomb-below-pillow-limit", "big.png", png_claiming_size(8_000, 8_000), "image/png", ERROR,
                ERROR, "too many pixels"),
        # Issue 10: 7,071 x 7,071 was just under the old 50 MP cap and cost +763 MB to decode.
        Hostile("png-just-under-the-old-cap", "big.png", png_claiming_size(7_071, 7_071), "image/png", ERROR,
                ERROR, "more than 24 megapixels"),
        Hostile("png-with-html-after", "photo.png", png() + HTML, "image/png", STORED, STORED,
                document_extension=".png"),
        Hostile("svg-with-script", "logo.svg", SVG, "image/svg+xml", ERROR, ERROR, "not a"),
        Hostile("html-renamed-jpg", "photo.jpg", HTML, "image/jpeg", ERROR, ERROR, "not a"),
        Hostile("truncated-jpeg", "cut.jpg", good_jpeg[: len(good_jpeg) * 2 // 3], "image/jpeg", ERROR, ERROR,
                "could not be read"),
        Hostile("pdf-that-is-not-one", "license.pdf", b"%PDX-1.4 this is text\n" + HTML, "application/pdf", ERROR,
                ERROR, "not a"),
        Hostile("zero-bytes", "empty.jpg", b"", "image/jpeg", ERROR, ERROR, "empty"),
        Hostile("oversize", "huge.jpg", good_jpeg + b"\0" * (MAX_UPLOAD_BYTES + 1 - len(good_jpeg)),
                "image/jpeg", ERROR, ERROR, "larger than 10 MB"),
        Hostile("path-traversal-name", "../../../../etc/cron.d/x.jpg", good_jpeg, "image/jpeg", STORED, STORED,
                document_extension=".jpg"),
        Hostile("jpeg-with-gps", "holiday.jpg", gps_jpeg(), "image/jpeg", STORED, STORED,
                document_extension=".jpg"),
        Hostile("gif-renamed-png", "anim.png", encode(_noise((16, 16), "L").convert("P"), "GIF"), "image/png",
                ERROR, ERROR, "not a"),
        Hostile("bmp-renamed-jpg", "scan.jpg", encode(_noise((16, 16)), "BMP"), "image/jpeg", ERROR, ERROR,
                "not a"),
        Hostile("tiff", "scan.tiff", encode(_noise((16, 16)), "TIFF"), "image/tiff", ERROR, ERROR, "not a"),
        Hostile("png-signature-then-garbage", "x.png", b"\x89PNG\r\n\x1a\n" + b"\xff" * 64, "image/png", ERROR,
                ERROR, ""),
        Hostile("pdf-named-jpg", "selfie.jpg", PDF, "image/jpeg", ERROR, STORED, "not a JPEG",
                document_extension=".pdf"),
        Hostile("pdf-with-javascript", "license.pdf", SCRIPT_PDF, "application/pdf", ERROR, ERROR, "not a JPEG",
                document_message="contains scripts"),
        Hostile("pdf-launching-a-program", "license.pdf", LAUNCH_PDF, "application/pdf", ERROR, ERROR, "not a JPEG",
                document_message="contains scripts"),
        Hostile("pdf-with-an-attached-file", "license.pdf",
                pdf(build=lambda writer: writer.add_attachment("invoice.exe", b"MZ" + b"\0" * 64)),
                "application/pdf", ERROR, ERROR, "not a JPEG", document_message="contains scripts"),
        # HTML after the end is cut off; HTML followed by another %%EOF, to survive the cut, is refused.
        Hostile("pdf-with-html-after", "license.pdf", PDF + HTML, "application/pdf", ERROR, STORED, "not a JPEG",
                document_extension=".pdf"),
        Hostile("pdf-with-html-before-a-second-end", "license.pdf", PDF + HTML + b"\n%%EOF\n", "application/pdf",
                ERROR, ERROR, "not a JPEG", document_message="contains scripts"),
        Hostile("pdf-with-an-archive-after", "license.pdf", PDF + b"PK\x03\x04" + b"\x00" * 26 + b"payload.js",
                "application/pdf", ERROR, STORED, "not a JPEG", document_extension=".pdf"),
        Hostile("pdf-inflating-to-200-mb", "license.pdf", pdf(build=_flate_bomb), "application/pdf", ERROR, ERROR,
                "not a JPEG", document_message="too large to check"),
        Hostile("pdf-of-51-pages", "license.pdf", pdf(pages=51), "application/pdf", ERROR, ERROR, "not a JPEG",
                document_message="too large to check"),
        Hostile("pdf-with-a-password", "license.pdf", pdf(build=lambda writer: writer.encrypt("secret")),
                "application/pdf", ERROR, ERROR, "not a JPEG", document_message="password-protected"),
        Hostile("pdf-header-then-garbage", "license.pdf", b"%PDF-1.7\n" + b"\xff" * 200 + b"\n%%EOF\n",
                "application/pdf", ERROR, ERROR, "not a JPEG", document_message="could not be read"),
        Hostile("pdf-without-an-end", "license.pdf", PDF[: PDF.rfind(b"%%EOF")], "application/pdf", ERROR, ERROR,
                "not a JPEG", document_message="could not be read"),
        Hostile("html-page", "index.html", HTML, "text/html", ERROR, ERROR, "not a"),
        Hostile("very-long-name", "a" * 240 + ".jpg", good_jpeg, "image/jpeg", STORED, STORED,
                document_extension=".jpg"),
        Hostile("cmyk-jpeg", "print.jpg", cmyk, "image/jpeg", STORED, STORED, document_extension=".jpg"),
        Hostile("multi-picture-jpeg", "phone.jpg", mpo, "image/jpeg", STORED, STORED, document_extension=".jpg"),
    ]  # fmt: skip
