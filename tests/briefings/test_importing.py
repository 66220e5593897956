"""Parsing briefing files (no database writes)."""

import pytest

from briefings.importing import (
    BriefingFileError,
    derive_title,
    find_repeated_tail,
    parse_file,
)
from briefings.models import Briefing
from members.access import Audience
from tests.briefings.helpers import SEED_000, SEED_001, write

GOOD = """---
kind: signal-brief
title: HKSTP and SenseTime partner on Hong Kong AI data centre
summary: One or two public sentences.
status: published
published_at: 2026-11-20T08:00:00Z
category: Datacenter
region: Asia Pacific
topic: Technology
impact: medium
confidence: 90
key_points:
  - First point
  - Second point
sources:
  - title: Public reference title
    publisher: Publisher
    url: https://example.org/report
    note: Source note (Leadership Alliance only)
---

## The fact
Public text.

## Deeper Trend Context {access=strategic-circle}
Members' text.

```
## not a heading inside code
```

## Failure paths {access=leadership-alliance}
Leadership Alliance text.
"""


def test_markdown_document(tmp_path):
    document = parse_file(write(tmp_path / "good.md", GOOD))
    assert document.fields["kind"] == Briefing.Kind.SIGNAL_BRIEF
    assert document.slug == "hkstp-and-sensetime-partner-on-hong-kong-ai-data-centre"
    assert document.fields["confidence"] == 90
    assert document.fields["key_points"] == "First point\nSecond point"
    assert (document.category, document.region, document.topic) == (
        "Datacenter",
        "Asia Pacific",
        "Technology",
    )
    assert [(s.heading, s.audience) for s in document.sections] == [
        ("The fact", Audience.PUBLIC),
        ("Deeper Trend Context", Audience.STRATEGIC_CIRCLE),
        ("Failure paths", Audience.LEADERSHIP_ALLIANCE),
    ]
    assert "## not a heading inside code" in document.sections[1].body
    assert document.sources[0].note == "Source note (Leadership Alliance only)"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no front matter here\n", 1, "front matter"),
        ("---\ntitle: x\nsummary: y\n", 1, "never closed"),
        ("---\ntitle: [unclosed\nsummary: y\n---\n", 3, "not valid YAML"),
        ("---\n- a list\n---\n", 2, "key: value"),
        ("---\nsummary: no title\n---\n", 1, "no title"),
        ("---\ntitle: T\nsummary: S\nkind: podcast\n---\n", 4, "unknown kind 'podcast'"),
        ("---\ntitle: T\nsummary: S\nstatus: live\n---\n", 4, "unknown status"),
        ("---\ntitle: T\nsummary: S\nconfidence: 140\n---\n", 4, "confidence"),
        ("---\ntitle: T\nsummary: S\ntitel: typo\n---\n", 4, "unknown key 'titel'"),
        ("---\ntitle: T\nsummary: S\npublished_at: soon\n---\n", 4, "published_at"),
        ("---\ntitle: T\nsummary: S\nstatus: scheduled\n---\n", 4, "needs published_at"),
        (
            "---\ntitle: T\nsummary: S\n---\n\n## Secret {access=vip}\ntext\n",
            6,
            "unknown audience 'vip'",
        ),
        ("---\ntitle: T\nsummary: S\n---\n## H {colour=red}\n", 5, "unknown section attribute"),
        (
            "---\ntitle: T\nsummary: S\nsources:\n  - publisher: P\n---\n",
            5,
            "source 1: has no title",
        ),
        (
            "---\ntitle: T\nsummary: S\nsources:\n  - title: A\n    url: ftp://x\n---\n",
            5,
            "not an http(s) address",
        ),
    ],
)
def test_markdown_errors_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path / "bad.md", text)
    with pytest.raises(BriefingFileError) as caught:
        parse_file(path)
    assert caught.value.line == line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{path}, line {line}: ")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", "\n\n  \n", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("latin.txt", "caf\xe9 society\nmore".encode("latin-1"), "not UTF-8"),
        ("notes.csv", "a,b\n1,2\n", "not a briefing file"),
        ("one-line.txt", "Just one line of text without a body.\n", "only one line"),
        ("podcast.txt", "Podcast / Datacenter\n\nTitle\n\nSummary.\n", "unknown kind 'Podcast'"),
    ],
)
def test_files_that_are_not_briefings(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(BriefingFileError) as caught:
        parse_file(path)
    assert message in caught.value.message
    assert str(path) in str(caught.value)


def test_seed_001_every_element_lands_in_its_field():
    document = parse_file(SEED_001)
    fields = document.fields
    assert fields["kind"] == Briefing.Kind.SIGNAL_BRIEF
    assert fields["title"] == "HKSTP and SenseTime partner on Hong Kong AI data centre"
    assert fields["summary"].startswith("HKSTP is a central Hong Kong technology ecosystem")
    assert fields["status"] == Briefing.Status.PUBLISHED
    assert (document.category, document.region, document.topic) == (
        "Datacenter",
        "Asia Pacific",
        "Technology",
    )
    assert fields["category_rationale"].startswith("operates Hong Kong Science Park")
    assert fields["region_rationale"] == (
        "Asia Pacific is the jurisdictional context visible in the evidence."
    )
    assert fields["signal_focus"] == "Technology"
    assert fields["signal_focus_rationale"].startswith("operates Hong Kong Science Park")
    assert fields["content_type_rationale"].startswith("The partnership signals")
    assert fields["primary_domain"] == "Technology"
    assert fields["primary_domain_rationale"].startswith("The partnership signals")
    assert fields["topic_rationale"].startswith("HKSTP is a central")
    assert fields["impact"] == "medium"
    assert fields["impact_rationale"].startswith("The partnership signals")
    assert fields["confidence"] == 90
    assert "confidence_rationale" not in fields
    assert fields["reporting_summary"].startswith("Hong Kong Science and Technology Parks")
    assert fields["key_points"].splitlines() == [
        "Three-stage project targets 40,000 petaflops of computing power by 2030",
        "Project frames Hong Kong as an AI processing and commercialisation layer",
    ]
    assert [(s.heading, s.audience) for s in document.sections] == [
        ("The fact", Audience.PUBLIC),
        ("The Assessment", Audience.PUBLIC),
        ("What to Watch", Audience.PUBLIC),
    ]
    assert fields["signal"] == "HKSTP and SenseTime partner on Hong Kong AI data centre"
    assert fields["signal_type"] == "AI Data Centre Partnership"
    assert fields["market_class"] == "Datacenter"
    assert fields["operating_surface"].startswith("Published sources should identify")
    assert fields["market_context"].startswith("The partnership signals")
    assert "Operational relevance" not in fields["market_context"]
    assert fields["operational_relevance"] == "medium"
    assert fields["time_horizon"] == "Next quarter"
    assert fields["watch_items"].startswith("Watch for official statements")
    assert document.sources == []
    notices = " ".join(document.notices)
    assert "no public references" in notices
    assert "Strategic Circle and Leadership Alliance" in notices
    assert "nothing was imported for them" in notices


def test_seed_000_title_repeat_and_trailing_lines():
    document = parse_file(SEED_000)
    assert document.fields["status"] == Briefing.Status.DRAFT
    assert document.fields["kind"] == Briefing.Kind.ARTICLE
    assert document.fields["title"] == (
        "Alibaba Cloud executives say Hong Kong\u2019s artificial intelligence sector is moving "
        "from experimentation to large-scale enterprise use"
    )
    assert document.fields["summary"].startswith("Alibaba Cloud executives say")
    (section,) = document.sections
    assert section.heading == ""
    paragraphs = section.body.split("\n\n")
    assert len(paragraphs) == len(set(paragraphs)) == 22
    assert paragraphs[0].startswith("SYSTEM-DRIVEN dynamics")
    assert paragraphs[-1].startswith("The result is a maturing ecosystem")
    assert not section.body.endswith("\n")
    notices = " ".join(document.notices)
    assert "derived" in notices and "draft" in notices
    assert "second copy was dropped" in notices
    assert "trailing blank lines ignored" in notices


def test_repeated_tail_detection():
    assert find_repeated_tail(["a", "b", "c", "b", "c"]) == 2
    assert find_repeated_tail(["a", "b", "a", "b"]) == 2
    assert find_repeated_tail(["a", "b", "c"]) == 0
    assert find_repeated_tail(["a", "a"]) == 1


def test_derived_title_is_the_first_clause():
    assert derive_title("Ports reopen after the storm, officials say, with delays.") == (
        "Ports reopen after the storm"
    )
    assert derive_title("Short one. Then more.") == "Short one"
    assert len(derive_title("word " * 80)) <= 150
