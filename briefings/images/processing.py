"""
An upload checked, cleaned and turned into renditions, before anything is stored.

Everything is decided from the file's content, as Pillow reads it, never from its name:
a renamed executable is "not an image" whatever it is called. The checks run in the
order that costs least: the size in bytes, then what Pillow finds in the header (the
format, the dimensions, whether it moves), then the decoded pixels (a truncated file
fails here). The pixels are decoded only once the header says they fit the limits, so
a decompression bomb (a small file that claims a huge picture) is refused unread.

What is stored is re-encoded from the pixels alone, turned upright first and its colours
converted to sRGB: no EXIF, GPS, XMP, IPTC, ICC or comment survives. Renditions are made
at `IMAGE_RENDITION_WIDTHS` (never wider than the upload) in AVIF and WebP, plus one
JPEG for places that read no modern format (e-mail clients, social networks' cards).

Storage names are random (`images/<22 random characters>/<width>.<format>`): a
rendition's address cannot be guessed from the image's slug or from another image, so
an image placed in a gated section is reachable only by someone given its address.
"""

import io
import re
import secrets
import warnings
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError, features

# Served by config.media (its SERVED_DIR); originals live beside, never served.
RENDITIONS_DIR = "images"
ORIGINALS_DIR = "image-originals"
# What Pillow calls the formats we take. MPO is how Pillow reads many cameras' JPEGs.
ACCEPTED = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "png"}
ACCEPTED_NAMES = "JPEG, PNG, WebP or GIF"
# The JPEG for e-mail and social cards: wide enough for a large share card.
FALLBACK_WIDTH = 1200
MODERN_FORMATS = ("avif", "webp") if features.check("avif") else ("webp",)
FALLBACK_FORMAT = "jpg"


@dataclass
class Cleaned:
    """An accepted upload: the facts about it and every file to store, not yet stored."""

    format: str
    width: int
    height: int
    file_size: int
    original: tuple[str, bytes]  # (extension, data)
    renditions: list[tuple[dict, bytes]] = field(default_factory=list)


def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def rendition_widths(width: int) -> list[int]:
    """The widths to make for an image `width` pixels wide: never wider than it is."""
    widths = sorted(w for w in settings.IMAGE_RENDITION_WIDTHS if w > 0)
    if not widths:
        return [width]
    return sorted({*(w for w in widths if w < width), min(width, widths[-1])})


def upload_checked(upload) -> PILImage.Image:
    """
    The upload opened and decoded, or a ValidationError saying why it is refused.
    `upload` is a Django UploadedFile (or any file object with a `size`).
    """
    limit = settings.IMAGE_MAX_UPLOAD_BYTES
    if upload.size > limit:
        _refuse(
            f"This file is {filesizeformat(upload.size)}; an image may be at most "
            f"{filesizeformat(limit)}. Export it smaller (a long side of about 3,000 "
            "pixels is plenty) and upload it again.",
            "too_large",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns above Image.MAX_IMAGE_PIXELS and refuses above twice that; the
            # warning is not needed, IMAGE_MAX_PIXELS is checked below from the header.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            image = PILImage.open(upload)
    except PILImage.DecompressionBombError as exc:
        # Pillow names the pixels it was promised, not the sides.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        _refuse(
            _too_big_message(pixels=int(claimed.group(1)) if claimed else None), "too_many_pixels"
        )
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        _refuse(
            f"This file is not a {ACCEPTED_NAMES} image, whatever its name says. "
            "Upload a photograph or graphic in one of those formats.",
            "not_an_image",
        )
    if image.format not in ACCEPTED:
        _refuse(
            f"This is a {image.format} image; the library takes {ACCEPTED_NAMES} only. "
            "Save it in one of those formats and upload it again.",
            "format",
        )
    if getattr(image, "n_frames", 1) > 1 and image.format != "MPO":
        _refuse(
            "This image is animated; the library takes still images only. "
            "Upload one frame as a still.",
            "animated",
        )
    width, height = image.size
    if (
        width * height > settings.IMAGE_MAX_PIXELS
        or max(width, height) > settings.IMAGE_MAX_SIDE
        or min(width, height) < 1
    ):
        _refuse(_too_big_message(width, height), "too_many_pixels")
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError):
        _refuse(
            "This image is damaged or incomplete: the file ends before the picture does. "
            "Export it again and upload the new file.",
            "truncated",
        )
    return image


def _too_big_message(width=None, height=None, *, pixels=None) -> str:
    if width:
        size = f"{width:,} \N{MULTIPLICATION SIGN} {height:,} pixels"
    elif pixels:
        size = f"{pixels / 1_000_000:,.0f} megapixels"
    else:
        size = "far too many pixels"
    return (
        f"This image is {size}; an image may be at most {settings.IMAGE_MAX_SIDE:,} pixels "
        f"on its longest side and {settings.IMAGE_MAX_PIXELS / 1_000_000:g} megapixels in "
        "all. Resize it and upload it again."
    )


def _pixels_only(image: PILImage.Image) -> PILImage.Image:
    """Upright, in sRGB, RGB or RGBA, carrying no metadata at all."""
    fmt = image.format
    image = ImageOps.exif_transpose(image)
    alpha = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if alpha else "RGB"
    icc = image.info.get("icc_profile")
    converted = None
    if icc and image.mode in {"RGB", "RGBA", "CMYK"}:
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode=mode,
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            converted = None  # an unreadable profile: the plain conversion below
    if converted is None:
        converted = image.convert(mode)
    clean = converted.copy()
    clean.info = {}
    clean.format = fmt
    return clean


def _encoded(image: PILImage.Image, fmt: str, *, original: bool = False) -> bytes:
    out = io.BytesIO()
    if fmt == "jpg":
        if image.mode == "RGBA":
            background = PILImage.new("RGB", image.size, (255, 255, 255))
            background.paste(image, mask=image.getchannel("A"))
            image = background
        image.save(out, "JPEG", quality=90 if original else 82, optimize=True, progressive=True)
    elif fmt == "png":
        image.save(out, "PNG", optimize=True)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=90 if original else 80, method=4)
    elif fmt == "avif":
        image.save(out, "AVIF", quality=60, speed=6)
    return out.getvalue()


def _resized(image: PILImage.Image, width: int) -> PILImage.Image:
    if width >= image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0)


def upload_cleaned(upload) -> Cleaned:
    """Check `upload`, then make the files to store, all in memory; nothing is written."""
    image = upload_checked(upload)
    fmt = image.format
    clean = _pixels_only(image)
    cleaned = Cleaned(
        format="JPEG" if fmt == "MPO" else fmt,
        width=clean.width,
        height=clean.height,
        file_size=upload.size,
        original=(ACCEPTED[fmt], _encoded(clean, ACCEPTED[fmt], original=True)),
    )
    for width in rendition_widths(clean.width):
        resized = _resized(clean, width)
        for modern in MODERN_FORMATS:
            cleaned.renditions.append((_facts(modern, resized), _encoded(resized, modern)))
    fallback = _resized(clean, min(FALLBACK_WIDTH, clean.width))
    cleaned.renditions.append((_facts(FALLBACK_FORMAT, fallback), _encoded(fallback, "jpg")))
    return cleaned


def _facts(fmt: str, image: PILImage.Image) -> dict:
    return {"format": fmt, "width": image.width, "height": image.height}


def cleaned_store(cleaned: Cleaned) -> dict:
    """
    Write the files of `cleaned` to the default storage under fresh random names; the
    model fields that name them. If a write fails, what was written is removed again.
    """
    written = []
    try:
        extension, data = cleaned.original
        original = default_storage.save(
            f"{ORIGINALS_DIR}/{secrets.token_urlsafe(16)}.{extension}", ContentFile(data)
        )
        written.append(original)
        folder = f"{RENDITIONS_DIR}/{secrets.token_urlsafe(16)}"
        renditions = []
        for facts, data in cleaned.renditions:
            name = default_storage.save(
                f"{folder}/{facts['width']}.{facts['format']}", ContentFile(data)
            )
            written.append(name)
            renditions.append({**facts, "name": name})
    except Exception:
        files_delete(written)
        raise
    return {
        "original": original,
        "renditions": renditions,
        "format": cleaned.format,
        "width": cleaned.width,
        "height": cleaned.height,
        "file_size": cleaned.file_size,
    }


def files_delete(names) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
