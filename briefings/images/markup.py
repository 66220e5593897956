"""
The HTML that shows a library image: a `<picture>` with AVIF and WebP `srcset`s, the
JPEG as the `<img>`'s `src` for anything that reads neither (e-mail clients), and the
width and height of the picture so the page keeps its place while the image arrives.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from briefings.images.models import Image
from briefings.images.processing import FALLBACK_FORMAT, MODERN_FORMATS

# How wide each placement is drawn (static/css/site.css): the browser picks a rendition.
SIZES = {
    "card": "(min-width: 60rem) 18rem, (min-width: 40rem) 45vw, 100vw",
    "lead": "(min-width: 60rem) 46rem, 100vw",
    "section": "(min-width: 60rem) 42rem, 100vw",
}
TYPES = {"avif": "image/avif", "webp": "image/webp"}


def srcset(image: Image, fmt: str) -> str:
    return ", ".join(f"{image.url(r)} {r['width']}w" for r in image.renditions_in(fmt))


def fallback(image: Image) -> dict | None:
    found = image.renditions_in(FALLBACK_FORMAT)
    return found[-1] if found else None


def picture(image: Image, *, placement: str, alt: str = "", eager: bool = False) -> SafeString:
    """`<picture>` for `image` drawn at `placement` (a key of SIZES)."""
    jpeg = fallback(image)
    if jpeg is None:
        return SafeString("")
    sizes = SIZES[placement]
    modern = [fmt for fmt in MODERN_FORMATS if image.renditions_in(fmt)]
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        ((TYPES[fmt], srcset(image, fmt), sizes) for fmt in modern),
    )
    loading = (
        SafeString('fetchpriority="high"')
        if eager
        else SafeString('loading="lazy" decoding="async"')
    )
    # data-image names the library image, so the plain-text part of an e-mail can say
    # which picture stood where (delivery.templatetags.channel).
    return format_html(
        '<picture class="picture picture--{}">{}<img src="{}" alt="{}" width="{}" '
        'height="{}" {} data-image="{}"></picture>',
        placement,
        sources,
        image.url(jpeg),
        alt or image.alt_text,
        jpeg["width"],
        jpeg["height"],
        loading,
        image.slug,
    )


def figure(image: Image, *, alt: str = "", placement: str = "section") -> SafeString:
    """The image as a figure with its caption and credit, as sections place it."""
    caption = ""
    if image.caption or image.credit:
        caption = format_html(
            "<figcaption>{}{}</figcaption>",
            image.caption,
            format_html(' <span class="figure__credit">{}</span>', image.credit)
            if image.credit
            else "",
        )
    return format_html(
        '<figure class="figure">{}{}</figure>',
        picture(image, placement=placement, alt=alt),
        caption,
    )
