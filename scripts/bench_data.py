"""
The bench's data set: briefings written with COPY in a realistic vocabulary (Zipf's law
over 6,000 words), for `scripts/bench.py` and the scripts beside it.
"""

import itertools
import random
import sys
import time


def log(message):
    print(message, file=sys.stderr, flush=True)


WORDS = [
    "compute",
    "capacity",
    "datacentre",
    "hyperscale",
    "interconnect",
    "fibre",
    "subsea",
    "cable",
    "spectrum",
    "licence",
    "regulator",
    "tariff",
    "grid",
    "power",
    "cooling",
    "megawatt",
    "campus",
    "colocation",
    "latency",
    "sovereign",
    "cloud",
    "model",
    "training",
    "inference",
    "accelerator",
    "export",
    "control",
    "supply",
    "chain",
    "semiconductor",
    "foundry",
    "packaging",
    "memory",
    "bandwidth",
    "operator",
    "investor",
    "policy",
    "market",
    "consolidation",
    "acquisition",
    "partnership",
    "financing",
    "bond",
    "yield",
    "pricing",
    "contract",
    "enterprise",
    "adoption",
    "migration",
    "workload",
    "region",
    "availability",
    "resilience",
    "outage",
    "failure",
    "path",
    "relationship",
    "evidence",
    "counterparty",
    "exposure",
    "timeline",
    "milestone",
    "phase",
    "permit",
    "zoning",
    "water",
    "renewable",
    "nuclear",
    "storage",
    "battery",
    "transmission",
    "substation",
]
REGIONS = ["Asia Pacific", "Europe", "North America", "Middle East", "Latin America", "Africa"]
TOPICS = ["Technology", "Energy", "Policy", "Finance", "Security"]

# The data set's text is written in a vocabulary like a real one: English function words
# at the top (PostgreSQL's english configuration drops them), the domain words above
# spread over ranks 80 to about 2,500, and made-up words to VOCABULARY_SIZE, drawn with
# Zipf's law (a word's frequency proportional to 1/rank), so a common word is in most
# briefings and a rare one in a few, as in real writing.
VOCABULARY_SIZE = 6000
FUNCTION_WORDS = [
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as", "by", "at",
    "from", "its", "this", "are", "be", "was", "has", "it", "an", "or", "which", "will",
    "have", "not", "but", "their", "more", "than", "into", "over", "after",
]  # fmt: skip
SYLLABLES = [
    "ka", "ri", "to", "ne", "sa", "mo", "lu", "vi", "de", "ra", "po", "ti", "ga", "no", "be",
    "lo", "mi", "ta", "ve", "su", "co", "dra", "pre", "stro", "fen", "mar", "tel", "quin",
    "bor", "gal", "hest", "lim", "nor", "pax", "ser", "tun", "vor", "wen", "yal", "zen",
]  # fmt: skip


def vocabulary(rng) -> list[str]:
    """The bench's words by rank, most frequent first (see VOCABULARY_SIZE)."""
    made_up = []
    taken = set(WORDS) | set(FUNCTION_WORDS)
    wanted = VOCABULARY_SIZE - len(taken)
    while len(made_up) < wanted:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            made_up.append(word)
    ranked = list(FUNCTION_WORDS) + made_up
    # Domain word i at rank 60 + 20 x 1.07^i: "datacentre", "cooling", "export" among the
    # common words (in most briefings), "nuclear" and "battery" in a few percent of them.
    for index, word in enumerate(WORDS):
        ranked.insert(min(len(ranked), 60 + int(20 * 1.07**index)), word)
    return ranked


class Writer:
    """Sentences and paragraphs of Zipf-distributed words, of varied length."""

    def __init__(self, rng):
        self.rng = rng
        self.words = vocabulary(rng)
        self.cum_weights = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.words) + 1))
        )

    def sentence(self, n=None):
        n = n or self.rng.randint(6, 24)
        words = self.rng.choices(self.words, cum_weights=self.cum_weights, k=n)
        return " ".join(words).capitalize() + "."

    def paragraph(self, sentences=None):
        sentences = sentences or self.rng.randint(2, 6)
        return " ".join(self.sentence() for _ in range(sentences))

    def section(self):
        """One to four paragraphs: sections from a line to a page."""
        return "\n\n".join(self.paragraph() for _ in range(self.rng.choice([1, 1, 2, 2, 3, 4])))


# --- data set ------------------------------------------------------------------------


def copy_rows(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def build_dataset(*, briefings, sections, citations, start_id=0, rng=None):
    """Writes briefings with COPY: the ORM would spend minutes on 300,000 rows."""
    from django.db import connection
    from django.utils import timezone

    from briefings.markdown import render_markdown
    from briefings.models import Category, Region, Source, Topic

    rng = rng or random.Random(42)  # noqa: S311 — reproducible bench data, not secrets
    categories = list(Category.objects.order_by("id").values_list("id", flat=True))
    if not categories:
        Category.objects.bulk_create(
            Category(name=f"Category {i:02d}", slug=f"category-{i:02d}") for i in range(50)
        )
        Region.objects.bulk_create(
            Region(name=n, slug=n.lower().replace(" ", "-")) for n in REGIONS
        )
        Topic.objects.bulk_create(Topic(name=n, slug=n.lower()) for n in TOPICS)
        Source.objects.bulk_create(
            Source(
                title=Writer(rng).sentence(6),
                publisher="Bench Wire",
                url=f"https://example.org/{i}",
            )
            for i in range(500)
        )
        categories = list(Category.objects.order_by("id").values_list("id", flat=True))
    regions = list(Region.objects.values_list("id", flat=True))
    topics = list(Topic.objects.values_list("id", flat=True))
    sources = list(Source.objects.values_list("id", flat=True))
    now = timezone.now()

    writer = Writer(rng)
    text = writer.sentence
    notes = [text(14) for _ in range(100)]
    notes_html = [render_markdown(n) for n in notes]

    columns = [
        "id", "kind", "title", "slug", "summary", "authors", "status", "published_at",
        "created_at", "updated_at", "version", "category_id", "region_id", "topic_id",
        "category_rationale", "region_rationale", "signal_focus", "signal_focus_rationale",
        "content_type_rationale", "primary_domain", "primary_domain_rationale",
        "topic_rationale", "impact", "impact_rationale", "confidence", "confidence_rationale",
        "reporting_summary", "key_points", "signal", "signal_type", "market_class",
        "operating_surface", "market_context", "operational_relevance", "time_horizon",
        "watch_items", "meta_title", "meta_description",
    ]  # fmt: skip

    def briefing_rows():
        for i in range(start_id + 1, start_id + briefings + 1):
            title = f"{text(7)[:-1]} {i}"
            yield [
                i, rng.choice(["article", "signal-brief"]), title, f"bench-{i}",
                writer.paragraph(2), "Bench Desk", "published",
                now - timezone.timedelta(minutes=i), now, now, 1,
                rng.choice(categories), rng.choice(regions), rng.choice(topics),
                text(10), text(10), "Technology", text(10),
                text(10), "Technology", text(10), text(10),
                rng.choice(["low", "medium", "high"]), text(10), rng.randint(40, 95),
                text(10), writer.paragraph(3), "\n".join(text(9) for _ in range(3)),
                title, "Bench signal", "Datacenter", text(12), text(12),
                "medium", "Next quarter", text(12), "", "",
            ]  # fmt: skip

    def section_rows():
        for i in range(start_id + 1, start_id + briefings + 1):
            for position in range(sections):
                audience = 0 if position < sections // 2 else (1 if position % 2 else 2)
                body = writer.section()
                yield [i, position, text(4)[:-1], body, render_markdown(body), audience]

    def citation_rows():
        for i in range(start_id + 1, start_id + briefings + 1):
            for position, source in enumerate(rng.sample(sources, citations)):
                note = rng.randrange(len(notes))
                yield [i, source, position, notes[note], notes_html[note]]

    with connection.cursor() as cursor:
        raw = cursor.cursor
        copy_rows(raw, "briefings_briefing", columns, briefing_rows())
        copy_rows(
            raw,
            "briefings_section",
            ["briefing_id", "position", "heading", "body", "body_html", "audience"],
            section_rows(),
        )
        copy_rows(
            raw,
            "briefings_citation",
            ["briefing_id", "source_id", "position", "note", "note_html"],
            citation_rows(),
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('briefings_briefing', 'id'), "
            "(SELECT MAX(id) FROM briefings_briefing))"
        )
    reindex_all()
    # Vacuumed and analysed, as autovacuum leaves a table soon after a real import:
    # without statistics the planner guesses, and the first reads of freshly copied rows
    # would pay for marking them (hint bits), which no steady-state search does.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def reindex_all():
    """Rebuilds search documents when the search module offers a bulk rebuild."""
    try:
        from briefings import search
    except ImportError:
        return
    for name in ("reindex_all", "briefings_reindex_all", "briefing_reindex_all"):
        if hasattr(search, name):
            started = time.perf_counter()
            getattr(search, name)()
            log(f"    search documents rebuilt in {time.perf_counter() - started:.1f}s")
            return
