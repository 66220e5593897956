"""
Search without PostgreSQL (local runs on SQLite): a plain case-insensitive match over the
same per-audience documents, newest first, and their documents written with the ORM.
"""

from django.db.models import F, FilteredRelation, Q

from briefings.models import SearchDocument
from briefings.search.text import simple_terms


def briefings_matching(queryset, *, text: str, document: int):
    """The briefings of `queryset` whose `document` audience's text matches, newest first."""
    queryset = queryset.annotate(
        document=FilteredRelation(
            "search_documents", condition=Q(search_documents__audience=document)
        )
    )
    wanted, unwanted = simple_terms(text)
    if not wanted:
        return queryset.none().order_by("-published_at", "-pk")
    for term in wanted:
        queryset = queryset.filter(_contains(term))
    for term in unwanted:
        queryset = queryset.exclude(pk__in=queryset.filter(_contains(term)).values("pk"))
    return queryset.annotate(snippet=F("document__body")).order_by("-published_at", "-pk")


def _contains(term):
    return (
        Q(document__title__icontains=term)
        | Q(document__summary__icontains=term)
        | Q(document__body__icontains=term)
    )


# The columns written, in the order of a row's values after its `extra`.
_WRITTEN = ["title", "summary", "body", "published_at", "section_audiences", "has_source_notes"]


def documents_save(documents: list[tuple]) -> bool:
    """
    Write the rows `briefings.search.documents` built (their `extra` is not needed here).
    Whether any changed (one more query, the same count whatever the number).
    """
    rows = {
        (briefing_id, audience): (title, summary, body, *rest)
        for briefing_id, audience, title, summary, body, _, *rest in documents
    }
    stored = {
        (briefing_id, audience): tuple(values)
        for briefing_id, audience, *values in (
            SearchDocument.objects.filter(
                briefing_id__in={briefing_id for briefing_id, _ in rows}
            ).values_list("briefing_id", "audience", *_WRITTEN)
        )
    }
    changed = any(stored.get(key) != row for key, row in rows.items())
    # All written, changed or not: the same statements whatever the documents hold.
    SearchDocument.objects.bulk_create(
        [
            SearchDocument(
                briefing_id=briefing_id, audience=audience, **dict(zip(_WRITTEN, row, strict=True))
            )
            for (briefing_id, audience), row in rows.items()
        ],
        update_conflicts=True,
        unique_fields=["briefing", "audience"],
        update_fields=_WRITTEN,
    )
    return changed
