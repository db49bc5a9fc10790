"""Printed documents, shared by every app that hands out a PDF: a QR code as inline SVG and a template rendered
to PDF with WeasyPrint.

The fetcher allows only `data:` addresses: the CSS is inline and the QR code is inline SVG, so rendering never
waits on the network and no address of ours (perhaps with a person's token in it) leaves the server.
"""

import qrcode
import qrcode.image.svg
import weasyprint
from django.template.loader import render_to_string


def qr_svg(url: str) -> str:
    """The QR code as an SVG element: medium error correction and the standard quiet zone of four modules, so a
    phone reads it from a creased or smudged card."""
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    return image.to_string(encoding="unicode")


def render_pdf(template: str, context: dict) -> bytes:
    """The template rendered (in the active language) and turned into PDF bytes, fetching only `data:` URLs."""
    html = render_to_string(template, context)
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
