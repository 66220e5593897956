"""Taxonomy terms: finding or creating one by name, and the slugs new ones get."""

from briefings import slugs
from briefings.models import Category, Region, Topic

TAXONOMY_MODELS = {"category": Category, "region": Region, "topic": Topic}

SLUG_LENGTH = Category._meta.get_field("slug").max_length
# At most this many names or addresses in one lookup query.
LOOKUP_BATCH_SIZE = 500


def taxonomy_get_or_create(*, model, name: str):
    """The term with this name (any letter case), created when missing."""
    term = model.objects.filter(name__iexact=name).first()
    if term is not None:
        return term, False
    slug = slugs.free_slug(model.objects.all(), _slug_base(model, name), max_length=SLUG_LENGTH)
    return model.objects.create(name=name, slug=slug), True


def taxonomy_free_slugs(*, model, names: list[str]) -> list[str]:
    """
    Slugs for new terms with these names, in order: the ones taxonomy_get_or_create would
    give them created one after another, found in a query or so rather than one per name.
    """
    bases = [_slug_base(model, name) for name in names]
    return slugs.free_slugs(model.objects.all(), bases, max_length=SLUG_LENGTH)


def _slug_base(model, name: str) -> str:
    # A name with nothing that can go in a URL (東京) is numbered under the model's name
    # (category, category-2): the same whether terms are created one by one or together.
    return slugs.slug_base(name, max_length=SLUG_LENGTH) or model._meta.model_name


def batches(items, size=LOOKUP_BATCH_SIZE):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]
