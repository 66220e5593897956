"""Taxonomy terms: finding or creating one by name, and the slugs new ones get."""

from django.utils.text import slugify

from briefings.models import Category, Region, Topic

TAXONOMY_MODELS = {"category": Category, "region": Region, "topic": Topic}

# At most this many names or addresses in one lookup query.
LOOKUP_BATCH_SIZE = 500


def taxonomy_get_or_create(*, model, name: str):
    """The term with this name (any letter case), created when missing."""
    term = model.objects.filter(name__iexact=name).first()
    if term is not None:
        return term, False
    slug = slugify(name)[:140] or "term"
    base, suffix = slug, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base[:130]}-{suffix}"
        suffix += 1
    return model.objects.create(name=name, slug=slug), True


def taxonomy_free_slugs(*, model, names: list[str]) -> list[str]:
    """
    Slugs for new terms with these names, in order: the ones taxonomy_get_or_create would
    give them created one after another, found in a query or so rather than one per name.
    """
    bases = [slugify(name)[:140] or "term" for name in names]
    suffixes = [1] * len(names)

    def candidate(index):
        base, suffix = bases[index], suffixes[index]
        return base if suffix == 1 else f"{base[:130]}-{suffix}"

    stored = {}  # slug -> whether a stored term has it
    chosen = {}  # the slugs given so far, in order (a dict for fast membership)
    for index in range(len(names)):
        while True:
            slug = candidate(index)
            if slug not in chosen and slug not in stored:
                # Ask about this candidate and the later names' current ones at once.
                unknown = {candidate(i) for i in range(index, len(names))} - stored.keys()
                for batch in batches(sorted(unknown)):
                    taken = set(model.objects.filter(slug__in=batch).values_list("slug", flat=True))
                    stored.update((each, each in taken) for each in batch)
            if slug in chosen or stored[slug]:
                suffixes[index] += 1
                continue
            chosen[slug] = None
            break
    return list(chosen)


def batches(items, size=LOOKUP_BATCH_SIZE):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]
