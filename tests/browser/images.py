"""Files the browser tests upload or store: a drawn portrait and a one-page certificate, made on the spot."""

import colorsys
import io

from PIL import Image, ImageDraw


def _rgb(hue: int, saturation: float, lightness: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return round(red * 255), round(green * 255), round(blue * 255)


def portrait_jpeg(hue: int = 160, size: int = 480) -> bytes:
    """A calm, flat portrait silhouette (head and shoulders) on a soft background, as JPEG bytes."""
    image = Image.new("RGB", (size, size), _rgb(hue, 0.35, 0.88))
    draw = ImageDraw.Draw(image)
    figure = _rgb(hue, 0.25, 0.45)
    draw.ellipse((size * 0.18, size * 0.62, size * 0.82, size * 1.25), fill=figure)
    draw.ellipse((size * 0.33, size * 0.2, size * 0.67, size * 0.58), fill=_rgb(25, 0.35, 0.72))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def certificate_pdf() -> bytes:
    """A minimal, valid one-page PDF: what a therapist uploads as the scan of a license."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    text = b"BT /F1 24 Tf 72 700 Td (Licensed Massage Therapist) Tj ET"
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()
