"""An image in the library: its words, the cleaned original and the renditions made of it."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models

from briefings.slugs import slug_from

# What briefings.images.markup.picture reads of an image: all a card needs fetched.
PICTURE_FIELDS = ("alt_text", "renditions", "slug")


class Image(models.Model):
    title = models.CharField(
        max_length=200, help_text="For the library only; readers never see it."
    )
    slug = models.SlugField(
        max_length=120,
        unique=True,
        blank=True,
        help_text="How section text refers to the image: ![](image:this-slug). "
        "Made from the title when left empty.",
    )
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        help_text="What the image shows, for readers who cannot see it (screen readers, "
        "images turned off). Required.",
    )
    caption = models.CharField(max_length=300, blank=True, help_text="Shown under the image.")
    credit = models.CharField(
        max_length=200, blank=True, help_text="Photographer or source, shown after the caption."
    )
    # The upload as stored: re-encoded from its pixels, so no metadata survives. Kept for
    # making renditions again; never given a URL (config.media serves renditions only).
    original = models.CharField(max_length=255, editable=False)
    format = models.CharField(max_length=10, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    file_size = models.PositiveIntegerField(editable=False, help_text="Bytes of the upload.")
    # [{"format": "webp", "width": 480, "height": 270, "name": "images/<random>/480.webp"}]
    renditions = models.JSONField(default=list, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.free_slug(slug_from(self.title, max_length=110, fallback="image"))
        super().save(*args, **kwargs)

    @classmethod
    def free_slug(cls, base: str) -> str:
        """`base`, or `base-2`, `base-3`... the first that no image has."""
        taken = set(cls.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        return slug

    @property
    def snippet(self) -> str:
        """What an editor pastes into a section's text to place this image there."""
        return f"![](image:{self.slug})"

    def renditions_in(self, fmt: str) -> list[dict]:
        return sorted((r for r in self.renditions if r["format"] == fmt), key=lambda r: r["width"])

    def url(self, rendition: dict) -> str:
        return default_storage.url(rendition["name"])

    @property
    def storage_names(self) -> list[str]:
        return [self.original, *(r["name"] for r in self.renditions)]


def image_field(related_name: str, help_text: str) -> models.ForeignKey:
    """
    An optional library image of another model (a briefing's lead image, which heads its
    page and cards, and its social image, which shared links show instead: seo.share_image).
    An image in use cannot be deleted.
    """
    return models.ForeignKey(
        Image,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
        help_text=help_text,
    )
