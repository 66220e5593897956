"""A wrong value in one file is that file's failure, named with its line; the rest import."""

import pytest

from briefings.importing import BriefingFileError, briefings_import, parse_file
from briefings.models import Briefing, Source
from members.access import Audience
from tests.briefings.helpers import write
from tests.briefings.test_commands import run
from tests.briefings.test_importing import GOOD

SOURCE_URL = "    url: https://example.org/report\n"


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "published_at: 2026-11-20T08:00:00Z",
            "published_at: 2026-02-30",
            6,
            "published_at '2026-02-30' is not a real date and time",
        ),
        (
            "published_at: 2026-11-20T08:00:00Z",
            "published_at: 2026-11-20T25:00:00Z",
            6,
            "is not a real date and time",
        ),
        (
            SOURCE_URL,
            SOURCE_URL + "    published_on: 2026-13-45\n",
            16,
            "source 1: published_on '2026-13-45' is not a real date",
        ),
        (
            SOURCE_URL,
            "    url: https://example.org/" + "x" * 600 + "\n",
            16,
            "source 1: url is 620 characters long; the limit is 500",
        ),
        (
            "  - title: Public reference title",
            "  - title: " + "T" * 301,
            16,
            "source 1: title is 301 characters long; the limit is 300",
        ),
        (
            "    publisher: Publisher",
            "    publisher: " + "P" * 201,
            16,
            "source 1: publisher is 201 characters long; the limit is 200",
        ),
        ("kind: signal-brief", "kind: signal-brief\nslug: " + "s" * 201, 3, "slug is 201"),
        ("kind: signal-brief", "kind: signal-brief\nauthors: " + "A" * 301, 3, "authors is 301"),
    ],
    ids=[
        "no such day",
        "no such hour",
        "no such source date",
        "long url",
        "long source title",
        "long publisher",
        "long slug",
        "long authors",
    ],
)
def test_a_wrong_value_is_named_with_its_line(tmp_path, old, new, line, message):
    assert old in GOOD
    path = write(tmp_path / "bad.md", GOOD.replace(old, new))
    with pytest.raises(BriefingFileError) as caught:
        parse_file(path)
    assert caught.value.line == line
    assert message in str(caught.value)


def test_values_yaml_would_read_as_dates_stay_text(tmp_path):
    text = GOOD.replace(
        "title: HKSTP and SenseTime partner on Hong Kong AI data centre", "title: 2026-01-01"
    ).replace(SOURCE_URL, SOURCE_URL + "    published_on: 2026-11-02T10:00:00Z\n")
    document = parse_file(write(tmp_path / "dated.md", text))
    assert document.fields["title"] == "2026-01-01"
    assert str(document.sources[0].published_on) == "2026-11-02"
    assert document.fields["published_at"].isoformat() == "2026-11-20T08:00:00+00:00"


@pytest.mark.django_db
def test_one_mistyped_date_fails_its_file_and_every_other_file_imports(tmp_path):
    paths = []
    for n in range(150):
        text = GOOD.replace("title: HKSTP", f"title: Number {n:03} HKSTP")
        if n == 120:
            text = text.replace("published_at: 2026-11-20T08:00:00Z", "published_at: 2026-02-30")
        paths.append(write(tmp_path / f"{n:03}.md", text))
    out, err = run("import_briefings", str(tmp_path))
    assert f"failed: {paths[120]}, line 6: published_at '2026-02-30'" in err
    assert "149 created, 0 updated, 0 skipped, 1 failed" in out
    assert Briefing.objects.count() == 149
    assert not Briefing.objects.filter(title__startswith="Number 120 ").exists()


@pytest.mark.django_db
def test_an_over_long_url_is_not_stored_cut(tmp_path):
    text = GOOD.replace(SOURCE_URL, "    url: https://example.org/" + "x" * 600 + "\n")
    report = briefings_import(paths=[write(tmp_path / "long.md", text)])
    [result] = report.results
    assert result.outcome == "failed"
    assert Source.objects.count() == 0


GATED_HEADING = "## Failure paths {access=leadership-alliance}"


@pytest.mark.parametrize(
    "heading",
    [
        GATED_HEADING + " ##",
        GATED_HEADING + "\u00a0",
        "   " + GATED_HEADING,
        "## Failure paths   {access=leadership-alliance}  #####",
    ],
    ids=["closing hashes", "non-breaking space", "indented", "spaces and hashes"],
)
def test_every_way_of_writing_a_gated_heading_gates_its_section(tmp_path, heading):
    assert GATED_HEADING in GOOD
    document = parse_file(write(tmp_path / "gated.md", GOOD.replace(GATED_HEADING, heading)))
    last = document.sections[-1]
    assert (last.heading, last.audience) == ("Failure paths", Audience.LEADERSHIP_ALLIANCE)
    assert "Leadership Alliance text." in last.body
    for section in document.sections[:-1]:
        assert "Leadership Alliance text." not in section.body


@pytest.mark.parametrize(
    ("heading", "line", "message"),
    [
        ("#### Failure paths {access=leadership-alliance}", 32, "would be public text"),
        ("## Failure {access=leadership-alliance} paths", 32, "must end the heading"),
        ("Failure paths {access=leadership-alliance}", 32, "would be public text"),
    ],
    ids=["not a level-2 heading", "attribute mid-heading", "not a heading at all"],
)
def test_an_access_attribute_that_would_not_gate_is_refused(tmp_path, heading, line, message):
    with pytest.raises(BriefingFileError) as caught:
        parse_file(write(tmp_path / "bad.md", GOOD.replace(GATED_HEADING, heading)))
    assert caught.value.line == line
    assert message in str(caught.value)


# Addresses at the edges of the quick check (briefings.importing.frontmatter.url_valid):
# the plain ones it accepts itself, the rest it leaves to Django's URLValidator.
EDGE_URLS = [
    "https://example.org/report",
    "HTTP://Example.ORG:8080/a/b?c=1#d",
    "https://a.bc",
    "https://a-.bc/",
    "https://-a.bc/",
    "https://a.b/",
    "https://example.123/",
    "https://example.org:123456/",
    "https://example.org/a b",
    "https://example.org/\ta",
    "https://example.org/[x]",
    "https://example.org./",
    "https://" + "a" * 64 + ".com/",
    "https://" + ("a" * 63 + ".") * 4 + "com/",
    "https://example.org/" + "x" * 2048,
    "https://1.2.3.4/",
    "https://[::1]/",
    "https://localhost/",
    "https://xn--bcher-kva.example/",
    "https://bücher.example/",
    "https://user:pass@example.org/",
    "ftp://example.org/",
    "https:/example.org/",
    "example.org",
]


@pytest.mark.parametrize("url", EDGE_URLS)
def test_the_quick_address_check_judges_as_django_does(url):
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    from briefings.importing.frontmatter import url_valid

    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        valid = False
    else:
        valid = True
    assert url_valid(url) is valid
