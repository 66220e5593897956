"""
The one slug rule: a URL slug made from a title or a name, and the first free one.

A slug is the text slugified and cut to the field's length. Text with no Latin letters or
digits (say, a title in Japanese) slugifies to nothing; it gets a fallback word and a
random suffix rather than an empty address that no page could be found at. When a slug is
taken, `-2`, `-3`, ... are added, cutting the base so the result still fits the field.
Models, the newsroom and the importer all ask here, so one title gives one address.
"""

import secrets
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from django.utils.text import slugify

# At most this many candidate slugs in one lookup query.
LOOKUP_BATCH_SIZE = 500


def slug_base(text: str, *, max_length: int) -> str:
    """`text` slugified and cut to `max_length`; empty when nothing in it can go in a URL."""
    return slugify(text)[:max_length].strip("-")


def random_fallback(fallback: str) -> str:
    """A slug for text that slugifies to nothing: the fallback word and a random suffix."""
    return f"{slugify(fallback)}-{secrets.token_hex(4)}"


def slug_from(text: str, *, max_length: int, fallback: str) -> str:
    """A URL slug for `text`, never empty (see random_fallback)."""
    return slug_base(text, max_length=max_length) or random_fallback(fallback)


# A slug made from a briefing's title is cut at a word near this length: an address a
# reader can read and paste, not every word of a long headline.
READABLE_LENGTH = 80


def title_slug(title: str) -> str:
    """A briefing's slug from its title: slugified, cut at a word near READABLE_LENGTH."""
    slug = slugify(title)
    if len(slug) > READABLE_LENGTH:
        slug = slug[: READABLE_LENGTH + 1].rsplit("-", 1)[0]
    return slug or random_fallback("briefing")


def numbered(base: str, number: int, *, max_length: int) -> str:
    """The `number`th candidate for `base`: the base itself, then `base-2`, `base-3`, ..."""
    if number == 1:
        return base
    suffix = f"-{number}"
    return f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"


def free_slug(queryset: QuerySet, base: str, *, max_length: int, field: str = "slug") -> str:
    """
    The first of `base`, `base-2`, `base-3`, ... that no row of `queryset` holds in
    `field`, in one query. Exclude the row being edited from `queryset` yourself.
    """
    # Every candidate up to a million starts with this, however much its suffix cuts.
    prefix = numbered(base, 10**6, max_length=max_length)[: -len("-1000000")]
    taken = set(queryset.filter(**{f"{field}__startswith": prefix}).values_list(field, flat=True))
    number = 1
    while numbered(base, number, max_length=max_length) in taken:
        number += 1
    return numbered(base, number, max_length=max_length)


def free_slugs(
    queryset: QuerySet, bases: Iterable[str], *, max_length: int, field: str = "slug"
) -> list[str]:
    """
    Free slugs for new rows with these bases, in order, distinct from each other and from
    every row of `queryset`: what free_slug would give them saved one after another,
    found in a query or so rather than one per row.
    """
    bases = list(bases)
    numbers = [1] * len(bases)
    stored: dict[str, bool] = {}  # candidate -> whether a stored row holds it
    chosen: dict[str, None] = {}  # the slugs given so far, in order (fast membership)

    def candidate(index: int) -> str:
        return numbered(bases[index], numbers[index], max_length=max_length)

    for index in range(len(bases)):
        while True:
            slug = candidate(index)
            if slug not in chosen and slug not in stored:
                # Ask about this candidate and the later rows' current ones at once.
                unknown = {candidate(i) for i in range(index, len(bases))} - stored.keys()
                stored.update(_stored(queryset, field, unknown))
            if slug not in chosen and not stored[slug]:
                chosen[slug] = None
                break
            numbers[index] += 1
    return list(chosen)


def _stored(queryset: QuerySet, field: str, candidates: set[str]) -> Iterator[tuple[str, bool]]:
    for batch in _batches(sorted(candidates)):
        taken = set(queryset.filter(**{f"{field}__in": batch}).values_list(field, flat=True))
        yield from ((each, each in taken) for each in batch)


def _batches(items: list[str], size: int = LOOKUP_BATCH_SIZE) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
