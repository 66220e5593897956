"""
The image library in admin: upload (checked and cleaned by briefings.images.processing
before anything is stored), the words readers get (alt text, caption, credit), the
snippet that places an image in a section, where each image is used, and deleting one
only while nothing shows it.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join

from briefings.images import markup, processing
from briefings.images.models import Image
from briefings.images.references import referenced_slugs, section_html, sections_placing
from briefings.models import Briefing, PendingChange, Section
from briefings.search import briefings_reindex


class ImageForm(forms.ModelForm):
    upload = forms.FileField(
        label="Image file",
        help_text="JPEG, PNG, WebP or a still GIF. Its metadata (camera, place, date) is "
        "removed; smaller copies are made for phones and lists.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )

    class Meta:
        model = Image
        fields = ["upload", "title", "slug", "alt_text", "caption", "credit"]
        widgets = {"alt_text": forms.TextInput(attrs={"size": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cleaned_image = None
        if self.instance.pk:
            # The picture of an image is fixed: a new picture is a new image, so the
            # sections that place this one keep showing what their editor chose.
            del self.fields["upload"]
        elif "upload" in self.fields:
            self.fields[
                "upload"
            ].help_text += f" At most {filesizeformat(settings.IMAGE_MAX_UPLOAD_BYTES)}."

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        self.cleaned_image = processing.upload_cleaned(upload)
        return upload

    def clean_slug(self):
        slug = self.cleaned_data.get("slug", "")
        if slug and Image.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another image has this slug; choose another.")
        return slug


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail", "title", "snippet_column", "dimensions", "created_at"]
    list_display_links = ["thumbnail", "title"]
    search_fields = ["title", "slug", "alt_text", "caption", "credit"]
    readonly_fields = ["preview", "snippet_field", "dimensions", "renditions_list", "used_in"]
    ordering = ["-created_at", "-id"]

    def get_fieldsets(self, request, obj=None):
        words = ("Words readers get", {"fields": ["alt_text", "caption", "credit"]})
        if obj is None:
            return [(None, {"fields": ["upload", "title", "slug"]}), words]
        return [
            (None, {"fields": ["preview", "snippet_field", "title", "slug"]}),
            words,
            ("Files", {"fields": ["dimensions", "renditions_list", "used_in"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # A slug changed under a section's reference would lose the image from it.
        return [*self.readonly_fields, "slug"] if obj is not None else self.readonly_fields

    # Columns and read-only fields ---------------------------------------------------

    @admin.display(description="Image")
    def thumbnail(self, obj):
        return format_html(
            '<span class="image-thumb">{}</span>', markup.picture(obj, placement="card")
        )

    @admin.display(description="Place in a section with")
    def snippet_column(self, obj):
        return format_html(
            '<input class="image-snippet" type="text" readonly value="{}" '
            'aria-label="Snippet for {}" size="{}">',
            obj.snippet,
            obj.title,
            len(obj.snippet),
        )

    @admin.display(description="Snippet")
    def snippet_field(self, obj):
        return format_html(
            '{}<div class="help">Copy this into the text of a section, on a line of its own, '
            "to show the image there with its caption. Text between the brackets replaces "
            "the alt text for that place. A section for members shows its images to "
            "members only.</div>",
            self.snippet_column(obj),
        )

    @admin.display(description="Preview")
    def preview(self, obj):
        return format_html(
            '<div class="image-preview">{}</div>', markup.picture(obj, placement="lead", eager=True)
        )

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width} \N{MULTIPLICATION SIGN} {obj.height} px, {obj.format}"

    @admin.display(description="Renditions")
    def renditions_list(self, obj):
        return format_html_join(
            ", ",
            '<a href="{}">{} {} px</a>',
            ((obj.url(r), r["format"].upper(), r["width"]) for r in obj.renditions),
        )

    @admin.display(description="Used in")
    def used_in(self, obj):
        uses = image_uses(obj)
        if not uses:
            return "Not used yet."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((u,) for u in uses)))

    # Saving and deleting -------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            if {"alt_text", "caption", "credit"} & set(form.changed_data):
                sections_rerender(obj)
            return
        stored = processing.cleaned_store(form.cleaned_image)
        for name, value in stored.items():
            setattr(obj, name, value)
        obj.uploaded_by = request.user
        try:
            super().save_model(request, obj, form, change)
        except Exception:
            processing.files_delete(obj.storage_names)
            raise

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for image in objs:
            protected += [f"{image}: {use}" for use in image_uses(image, foreign_keys=False)]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        names = obj.storage_names
        super().delete_model(request, obj)
        transaction.on_commit(lambda: processing.files_delete(names))

    def delete_queryset(self, request, queryset):
        names = [name for image in queryset for name in image.storage_names]
        super().delete_queryset(request, queryset)
        transaction.on_commit(lambda: processing.files_delete(names))


def image_uses(image: Image, *, foreign_keys: bool = True) -> list[str]:
    """
    Where `image` shows or will: sections that place it, changes not published yet, and
    (unless `foreign_keys` is False: deleting finds those itself) briefings it leads or
    is shared with.
    """
    uses = [
        f"a section of “{section.briefing.title}” ({section.briefing.get_status_display()})"
        for section in sections_placing(image, Section.objects.select_related("briefing"))
    ]
    # Changes to live briefings not published yet would show it once published.
    for change in PendingChange.objects.select_related("briefing"):
        bodies = [row.get("body", "") for row in change.data.get("sections", [])]
        fields = change.data.get("fields", {})
        if any(image.slug in referenced_slugs(body) for body in bodies) or image.pk in (
            fields.get("lead_image_id"),
            fields.get("social_image_id"),
        ):
            uses.append(f"changes not yet published to “{change.briefing.title}”")
    if foreign_keys:
        uses += [f"lead image of “{b}”" for b in Briefing.objects.filter(lead_image=image)]
        uses += [f"social image of “{b}”" for b in Briefing.objects.filter(social_image=image)]
    return uses


def sections_rerender(image: Image) -> None:
    """Render again every section placing `image`, so its new words reach every reader."""
    sections = sections_placing(image, Section.objects.all())
    for section in sections:
        section.body_html = section_html(section.body)
    Section.objects.bulk_update(sections, ["body_html"])
    if sections:
        # Captions are searchable text of the sections' audiences.
        briefings_reindex(briefing_ids={s.briefing_id for s in sections})
