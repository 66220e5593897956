"""
The image library: uploads refused for what they are (never for their name) with
nothing stored, metadata stripped, renditions, the markup pages get, media served,
images placed in sections (gated with them), lead and share images.
"""

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image as PILImage

from briefings.images import processing
from briefings.images.models import Image
from briefings.importing.exporting import briefing_to_markdown
from briefings.importing.running import briefings_import
from briefings.markdown import render_markdown
from briefings.models import Briefing, Section
from delivery.rendering import ChannelRenderer
from members.access import Audience, ReaderStatus
from tests.briefings.conftest import login_as
from tests.briefings.newsroom import change_url, form_data
from tests.factories import (
    BriefingFactory,
    SectionFactory,
    StaffFactory,
    gated_briefing,
    image_bytes,
    image_upload,
    library_image,
)

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.fixture
def editor_client(client):
    client.force_login(StaffFactory(group="editors"))
    return client


def post_upload(client, upload, **fields):
    data = {"title": "Grid substation", "slug": "", "alt_text": "A grid substation", **fields}
    return client.post(reverse("admin:briefings_image_add"), {**data, "upload": upload})


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` by `height` pixels: a decompression bomb."""
    real = image_bytes(1, 1, "PNG")
    ihdr_at = real.index(b"IHDR")
    body = struct.pack(">II", width, height) + real[ihdr_at + 12 : ihdr_at + 17]
    chunk = b"IHDR" + body
    patched = chunk + struct.pack(">I", zlib.crc32(chunk))
    return real[:ihdr_at] + patched + real[ihdr_at + len(patched) :]


# --- Refused uploads: a clear reason, nothing stored -----------------------------------


EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400 + b"PE\x00\x00"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("evil.jpg", EXECUTABLE, "is not a JPEG, PNG, WebP or GIF image, whatever its name says"),
        ("bomb.png", png_claiming(60_000, 60_000), "This image is 3,600 megapixels"),
        ("wide.png", png_claiming(20_000, 10), "20,000 \N{MULTIPLICATION SIGN} 10 pixels"),
        ("cut.jpg", image_bytes(800, 600)[:3000], "damaged or incomplete"),
        ("cut.png", image_bytes(800, 600, "PNG")[:2000], "damaged or incomplete"),
        ("scan.jpg", image_bytes(40, 30, "BMP"), "This is a BMP image"),
    ],
    ids=["renamed-executable", "bomb", "too-wide", "truncated-jpeg", "truncated-png", "bmp"],
)
def test_bad_uploads_are_refused_with_the_reason_and_nothing_stored(
    editor_client, name, data, message
):
    response = post_upload(editor_client, image_upload(name, data))
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["upload"])
    assert message in errors
    assert not Image.objects.exists()
    assert stored_files() == []


def test_a_50_mb_file_is_refused_by_its_size(editor_client):
    data = image_bytes(64, 64) + b"\x00" * (50 * 1024 * 1024)
    response = post_upload(editor_client, image_upload("huge.jpg", data))
    errors = " ".join(response.context["adminform"].form.errors["upload"])
    assert "This file is 50.0" in errors and "at most 10.0" in errors
    assert not Image.objects.exists()
    assert stored_files() == []


def test_an_animated_gif_is_refused(editor_client):
    frames = [PILImage.new("RGB", (40, 40), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    response = post_upload(editor_client, image_upload("moving.gif", out.getvalue()))
    assert "animated" in " ".join(response.context["adminform"].form.errors["upload"])
    assert stored_files() == []


def test_alt_text_is_required(editor_client):
    response = post_upload(editor_client, image_upload(), alt_text="")
    assert response.context["adminform"].form.errors["alt_text"]
    assert stored_files() == []


def test_the_limits_are_settings(settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(processing.ValidationError, match="at most 1000"):
        processing.upload_checked(image_upload(data=image_bytes(400, 300)))


# --- Accepted uploads --------------------------------------------------------------------


def gps_exif() -> bytes:
    exif = PILImage.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "Editor's laptop"  # Software
    exif[0x0112] = 6  # Orientation: rotated, so the stored image must be turned upright
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    return exif.tobytes()


def test_an_upload_is_stored_without_any_metadata_and_upright(editor_client):
    data = image_bytes(1800, 1200, exif=gps_exif())
    assert PILImage.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the GPS is there
    response = post_upload(editor_client, image_upload("phone.jpg", data))
    assert response.status_code == 302
    image = Image.objects.get()
    # Orientation 6 is a quarter turn: the stored picture is 1200 wide, 1800 high.
    assert (image.width, image.height) == (1200, 1800)
    assert image.uploaded_by is not None and image.slug == "grid-substation"
    for name in image.storage_names:
        raw = default_storage.open(name).read()
        assert b"SecretCam" not in raw and b"Editor's laptop" not in raw
        stored = PILImage.open(io.BytesIO(raw))
        assert not stored.getexif(), name
        assert "exif" not in stored.info and "icc_profile" not in stored.info
        assert b"Exif" not in raw and b"GPS" not in raw


def test_renditions_at_each_width_never_wider_than_the_upload():
    image = library_image(width=1800, height=1200)
    widths = {fmt: [r["width"] for r in image.renditions_in(fmt)] for fmt in ("avif", "webp")}
    assert widths == {"avif": [480, 960, 1600], "webp": [480, 960, 1600]}
    [jpeg] = image.renditions_in("jpg")
    assert (jpeg["width"], jpeg["height"]) == (1200, 800)
    for rendition in image.renditions:
        opened = PILImage.open(default_storage.open(rendition["name"]))
        assert opened.format == {"avif": "AVIF", "webp": "WEBP", "jpg": "JPEG"}[rendition["format"]]
        assert opened.size == (rendition["width"], rendition["height"])

    small = library_image(title="Small", width=700, height=350, fmt="PNG")
    assert [r["width"] for r in small.renditions_in("webp")] == [480, 700]
    assert small.renditions_in("jpg")[0]["width"] == 700
    assert small.original.endswith(".png")


def test_rendition_names_are_random_not_the_slug():
    image = library_image(title="Secret grid map")
    names = [r["name"] for r in image.renditions]
    assert all(name.startswith("images/") and "secret" not in name for name in names)
    folder = names[0].split("/")[1]
    assert len(folder) >= 22 and all(name.split("/")[1] == folder for name in names)
    assert image.original.startswith("image-originals/")


# --- Served media ------------------------------------------------------------------------


def test_renditions_are_served_and_cached_originals_never(client):
    image = library_image()
    webp = image.renditions_in("webp")[0]
    response = client.get(image.url(webp))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Security-Policy" in response
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"  # e-mails, feed readers
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    assert client.get(f"{settings.MEDIA_URL}{image.original}").status_code == 404
    assert client.get(f"{settings.MEDIA_URL}images/../image-originals/x.jpg").status_code == 404
    assert client.get(f"{settings.MEDIA_URL}images/nothing/480.webp").status_code == 404


# --- The markup --------------------------------------------------------------------------


def test_a_placed_image_is_a_figure_with_srcset_sizes_and_dimensions():
    image = library_image(caption="Transformers awaiting delivery", credit="Photo: Demo")
    html = render_markdown(
        f"Before.\n\n![](image:{image.slug})\n\nAfter.", images={image.slug: image}
    )
    assert "<figure" in html and "<figcaption>Transformers awaiting delivery" in html
    assert 'type="image/avif"' in html and 'type="image/webp"' in html
    webp = image.renditions_in("webp")
    assert ", ".join(f"{image.url(r)} {r['width']}w" for r in webp) in html
    assert 'sizes="(min-width: 60rem) 42rem, 100vw"' in html
    assert 'width="1200" height="800"' in html and 'alt="A substation at dusk"' in html
    assert 'loading="lazy"' in html


def test_text_in_the_brackets_is_the_alt_text_of_that_place_and_cannot_inject():
    image = library_image()
    html = render_markdown(
        f'![The yard "at night" <b>](image:{image.slug})', images={image.slug: image}
    )
    assert 'alt="The yard &quot;at night&quot; &lt;b&gt;"' in html


def test_a_forged_marker_or_an_outside_image_renders_nothing():
    html = render_markdown("\ue000abc:0\ue001 ![x](https://example.org/x.png) ![](image:nope)")
    assert "<img" not in html and "example.org" not in html


def test_a_section_renders_its_images_when_saved():
    image = library_image()
    section = SectionFactory(body=f"![](image:{image.slug})")
    assert image.url(image.renditions_in("jpg")[0]) in section.body_html


def test_editing_an_images_words_renders_its_sections_again(editor_client):
    image = library_image()
    section = SectionFactory(body=f"![](image:{image.slug})")
    response = editor_client.post(
        reverse("admin:briefings_image_change", args=[image.pk]),
        {"title": image.title, "alt_text": "New words", "caption": "New caption", "credit": ""},
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert 'alt="New words"' in section.body_html and "New caption" in section.body_html


def test_an_image_in_use_cannot_be_deleted(editor_client):
    image = library_image()
    SectionFactory(body=f"![](image:{image.slug})")
    response = editor_client.post(
        reverse("admin:briefings_image_delete", args=[image.pk]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert "a section of" in response.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()


def test_an_unused_image_is_deleted_with_its_files(
    editor_client, django_capture_on_commit_callbacks
):
    image = library_image()
    assert stored_files()
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            reverse("admin:briefings_image_delete", args=[image.pk]), {"post": "yes"}
        )
    assert not Image.objects.exists()
    assert stored_files() == []


def test_the_library_shows_the_snippet_to_copy(editor_client):
    image = library_image()
    page = editor_client.get(reverse("admin:briefings_image_changelist")).content.decode()
    assert f'value="![](image:{image.slug})"' in page
    page = editor_client.get(reverse("admin:briefings_image_change", args=[image.pk]))
    assert f"![](image:{image.slug})" in page.content.decode()


def test_a_section_naming_an_unknown_image_is_refused_in_admin(editor_client):
    briefing = BriefingFactory(status=Briefing.Status.DRAFT)
    data = form_data(
        briefing,
        sections=[{"position": 1, "heading": "The fact", "audience": 0, "body": "![](image:nope)"}],
    )
    response = editor_client.post(change_url(briefing), data)
    assert response.status_code == 200
    assert "No image “nope” in the image library" in response.content.decode()
    assert not Section.objects.filter(briefing=briefing).exists()


def test_an_import_naming_an_unknown_image_fails_that_file(tmp_path):
    library_image(title="Known")
    good = tmp_path / "good.md"
    good.write_text(
        "---\ntitle: With a known image\nsummary: S.\n---\n\n## The fact\n![](image:known)\n"
    )
    bad = tmp_path / "bad.md"
    bad.write_text(
        "---\ntitle: With an unknown image\nsummary: S.\n---\n\n## The fact\nText.\n\n"
        "## More {access=strategic-circle}\n![](image:missing-one)\n"
    )
    report = briefings_import(paths=[good, bad])
    failed = [r for r in report.results if r.outcome == "failed"]
    assert len(failed) == 1 and "bad.md" in failed[0].message
    assert "line 9" in failed[0].message and "“missing-one”" in failed[0].message
    assert Briefing.objects.filter(title="With a known image").exists()
    assert not Briefing.objects.filter(title="With an unknown image").exists()
    section = Section.objects.get(briefing__title="With a known image")
    assert "<figure" in section.body_html


# --- Gated with their section ------------------------------------------------------------


def test_an_image_in_a_circle_section_reaches_exactly_the_circles_readers(client, settings):
    settings.PUBLIC_PAGE_MAX_AGE = 0
    image = library_image(title="Circle map", alt_text="Circle-only map", caption="Circle caption")
    briefing = gated_briefing(circle=f"Members' text.\n\n![](image:{image.slug})")
    url = briefing.get_absolute_url()
    secret = image.renditions[0]["name"].split("/")[1]
    page = client.get(url).content.decode()
    assert secret not in page and "Circle-only map" not in page and "Circle caption" not in page
    login_as(client, Audience.STRATEGIC_CIRCLE)
    page = client.get(url).content.decode()
    assert secret in page and 'alt="Circle-only map"' in page and "Circle caption" in page


# --- Lead and share images ---------------------------------------------------------------


def test_the_lead_image_heads_the_page_and_its_cards_and_is_the_share_image(client):
    lead = library_image(title="Lead", alt_text="Lead picture")
    briefing = BriefingFactory(lead_image=lead)
    jpeg = lead.url(lead.renditions_in("jpg")[0])
    page = client.get(briefing.get_absolute_url()).content.decode()
    assert 'fetchpriority="high"' in page and 'alt="Lead picture"' in page
    assert f'<meta property="og:image" content="http://testserver{jpeg}">' in page
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert f'"image": ["http://testserver{jpeg}"]' in page
    home = client.get(reverse("briefings:home")).content.decode()
    assert 'alt="Lead picture"' in home  # the home page's lead, loaded at once
    cards = client.get(reverse("briefings:list")).content.decode()
    assert 'alt="Lead picture"' in cards and 'loading="lazy"' in cards
    assert "18rem" in cards  # the card's sizes: phones and lists get small renditions


def test_the_social_image_wins_and_without_either_the_card_is_a_summary(client):
    lead = library_image(title="Lead")
    social = library_image(title="Social", alt_text="Share picture")
    briefing = BriefingFactory(lead_image=lead, social_image=social)
    page = client.get(briefing.get_absolute_url()).content.decode()
    assert social.url(social.renditions_in("jpg")[0]) in page.split("og:image")[1]
    assert '<meta property="og:image:alt" content="Share picture">' in page
    plain = client.get(BriefingFactory().get_absolute_url()).content.decode()
    assert "og:image" not in plain and '<meta name="twitter:card" content="summary">' in plain


@pytest.mark.parametrize("size", [2, 12])
def test_cards_with_lead_images_cost_no_extra_query(client, django_assert_num_queries, size):
    lead = library_image()
    for _ in range(size):
        BriefingFactory(lead_image=lead)
    # The same four queries as cards without images (tests/briefings/test_views.py: three
    # for the cards, one for the tiers' wording of the reader's offer, then cached).
    with django_assert_num_queries(4):
        assert (
            'alt="A substation at dusk"' in client.get(reverse("briefings:home")).content.decode()
        )


def test_an_email_has_full_image_addresses_and_its_plain_text_names_each_image(settings):
    settings.SITE_URL = "https://briefings.example.com"
    image = library_image(caption="Queue by <b>region</b>", credit="Demo")
    briefing = gated_briefing(public=f"Text before.\n\n![](image:{image.slug})\n\nAfter.")
    rendered = ChannelRenderer().briefing(briefing.pk, ReaderStatus())
    jpeg = image.url(image.renditions_in("jpg")[0])
    assert f'src="https://briefings.example.com{jpeg}"' in rendered.html
    webp = image.renditions_in("webp")
    assert f"https://briefings.example.com{image.url(webp[0])} 480w, " in rendered.html
    assert "image:" not in rendered.text
    expected = "[Image: A substation at dusk Queue by <b>region</b> Demo]"
    assert f"{expected} <https://briefings.example.com{jpeg}>" in rendered.text


def test_lead_and_social_images_are_imported_and_exported_by_slug(tmp_path):
    lead = library_image(title="Lead photo")
    library_image(title="Share card")
    path = tmp_path / "with-images.md"
    path.write_text(
        "---\ntitle: With images\nsummary: S.\nlead_image: lead-photo\n"
        "social_image: share-card\n---\n\n## The fact\nText.\n"
    )
    briefings_import(paths=[path])
    briefing = Briefing.objects.get(title="With images")
    assert briefing.lead_image == lead and briefing.social_image.slug == "share-card"
    exported = briefing_to_markdown(briefing)
    assert "lead_image: lead-photo" in exported and "social_image: share-card" in exported

    path.write_text("---\ntitle: Missing lead\nsummary: S.\nlead_image: gone\n---\n\nText.\n")
    [result] = briefings_import(paths=[path]).results
    assert result.outcome == "failed"
    assert "lead_image: No image “gone” in the image library" in result.message


def test_a_picture_over_the_pixel_limit_but_under_pillows_is_refused_by_the_setting(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(processing.ValidationError, match="200 \N{MULTIPLICATION SIGN} 100 pixels"):
        processing.upload_checked(image_upload(data=image_bytes(200, 100)))
    assert processing.upload_checked(image_upload(data=image_bytes(100, 100))).size == (100, 100)


@pytest.mark.parametrize(("group", "may_delete"), [("writers", False), ("editors", True)])
def test_writers_and_editors_use_the_library_and_editors_alone_delete(client, group, may_delete):
    image = library_image()
    client.force_login(StaffFactory(group=group))
    assert client.get(reverse("admin:briefings_image_add")).status_code == 200
    assert client.get(reverse("admin:briefings_image_change", args=[image.pk])).status_code == 200
    delete = client.get(reverse("admin:briefings_image_delete", args=[image.pk]))
    assert delete.status_code == (200 if may_delete else 403)


def test_an_image_only_in_unpublished_changes_cannot_be_deleted(editor_client):
    image = library_image()
    briefing = gated_briefing()
    data = form_data(briefing)
    data["sections-0-body"] = f"Changed.\n\n![](image:{image.slug})"
    assert editor_client.post(change_url(briefing), data).status_code == 302
    briefing.refresh_from_db()
    assert briefing.pending_change and image.slug not in briefing.sections.get(position=1).body
    response = editor_client.post(
        reverse("admin:briefings_image_delete", args=[image.pk]), {"post": "yes"}
    )
    assert "changes not yet published" in response.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()
