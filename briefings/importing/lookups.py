"""
What an import has looked up: the taxonomy terms and sources a batch of files names,
found in a handful of queries rather than one per term and source of every file.
"""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Q

from briefings.importing.documents import BriefingDocument, SourceDocument
from briefings.models import Source
from briefings.services import TAXONOMY_MODELS, batches, taxonomy_free_slugs, taxonomy_get_or_create


def _any(conditions) -> Q:
    return reduce(or_, conditions)


def _source_key(cited: SourceDocument) -> tuple:
    """
    Sources are reusable: the same address (or, without one, the same title and publisher
    in any letter case) is the same source.
    """
    if cited.url:
        return ("url", cited.url)
    return ("title", cited.title.upper(), cited.publisher.upper())


class ImportLookups:
    """
    The taxonomy terms and sources an import has looked up or created, so that it asks the
    database once per batch of files rather than once per term and source of every file.

    After a write that rolled back, `forget()` drops everything: the cache never names a row
    that is not in the database. New terms are saved together before the briefings that
    name them (`write_terms`). A stored source whose blanks a document fills in is changed
    here at once and saved with that document's parts (`writing.parts_write`).
    """

    def __init__(self):
        # Per model, upper-cased name -> the stored term, a new one not saved yet, or None:
        # known absent.
        self.terms = {model: {} for model in TAXONOMY_MODELS.values()}
        self.new_terms = {model: [] for model in TAXONOMY_MODELS.values()}
        # Source key -> the stored source, a new one not saved yet, or None: known absent.
        self.sources = {}
        self.filled = []

    def forget(self):
        self.__init__()

    def prefetch(self, documents: Iterable[BriefingDocument]) -> None:
        """Look up every term and source these documents name that is not known yet."""
        documents = list(documents)
        for key, model in TAXONOMY_MODELS.items():
            names = {getattr(d, key) for d in documents} - {""}
            self._prefetch_terms(model, names)
        cited = [c for d in documents for c in d.sources if _source_key(c) not in self.sources]
        self._prefetch_sources_by_url(sorted({c.url for c in cited if c.url}))
        self._prefetch_sources_by_title(
            sorted({(c.title, c.publisher) for c in cited if not c.url})
        )

    def _prefetch_terms(self, model, names: set[str]) -> None:
        known = self.terms[model]
        wanted = sorted(name for name in names if name.upper() not in known)
        for batch in batches(wanted):
            keys = {name.upper() for name in batch}
            unmatched = False
            # Meta ordering (by name) first, as taxonomy_get_or_create's .first() picks.
            for term in model.objects.filter(_any(Q(name__iexact=n) for n in batch)):
                known.setdefault(term.name.upper(), term)
                unmatched = unmatched or term.name.upper() not in keys
            # As for sources below: only when Python could place every row it found.
            if not unmatched:
                for key in keys:
                    known.setdefault(key, None)

    def _prefetch_sources_by_url(self, urls: list[str]) -> None:
        for batch in batches(urls):
            for source in Source.objects.filter(url__in=batch).order_by("id"):
                self.sources.setdefault(("url", source.url), source)
            for url in batch:
                self.sources.setdefault(("url", url), None)

    def _prefetch_sources_by_title(self, pairs: list[tuple[str, str]]) -> None:
        for batch in batches(pairs):
            wanted = {("title", title.upper(), publisher.upper()) for title, publisher in batch}
            rows = Source.objects.filter(url="").filter(
                _any(Q(title__iexact=t, publisher__iexact=p) for t, p in batch)
            )
            unmatched = False
            for source in rows.order_by("id"):
                key = ("title", source.title.upper(), source.publisher.upper())
                if key in wanted:
                    self.sources.setdefault(key, source)
                else:
                    unmatched = True
            # The database's idea of letter case can differ from Python's for a few
            # characters: when a row matched that Python cannot place, the names still
            # missing are looked up one by one later, as the database compares them.
            if not unmatched:
                for key in wanted:
                    self.sources.setdefault(key, None)

    def term(self, model, name: str):
        """
        The term with this name (any letter case) and whether this call made it: stored,
        or new and saved by the next `write_terms`.
        """
        known = self.terms[model]
        key = name.upper()
        if known.get(key) is not None:
            return known[key], False
        if key in known and name.isascii():
            # Known absent, and a name whose letter case every database compares as Python
            # does: new, saved with the others.
            known[key] = model(name=name)
            self.new_terms[model].append(known[key])
            return known[key], True
        # Not looked up, or a name the database may compare otherwise: ask it, as one by
        # one would, with the new terms before this one saved.
        self.write_terms()
        term, created = taxonomy_get_or_create(model=model, name=name)
        if created:
            # The database may find it for a name thought absent.
            self.terms[model] = known = {k: t for k, t in known.items() if t is not None}
        known[key] = term
        return term, created

    def write_terms(self) -> None:
        """Save the new terms: one statement per model, slugs as one by one."""
        for model, terms in self.new_terms.items():
            if terms:
                slugs = taxonomy_free_slugs(model=model, names=[term.name for term in terms])
                for term, slug in zip(terms, slugs, strict=True):
                    term.slug = slug
                model.objects.bulk_create(terms)
        self.new_terms = {model: [] for model in TAXONOMY_MODELS.values()}

    def source(self, cited: SourceDocument) -> Source:
        """
        The source a citation points at: stored, with any blanks filled in from the
        citation (nothing is overwritten), or new and not saved yet.
        """
        key = _source_key(cited)
        if key not in self.sources:
            if cited.url:
                found = Source.objects.filter(url=cited.url)
            else:
                found = Source.objects.filter(
                    title__iexact=cited.title, publisher__iexact=cited.publisher, url=""
                )
            self.sources[key] = found.order_by("id").first()
        source = self.sources[key]
        if source is None:
            source = self.sources[key] = Source(
                title=cited.title,
                publisher=cited.publisher,
                url=cited.url,
                published_on=cited.published_on,
            )
            return source
        for name in ("publisher", "published_on"):
            value = getattr(cited, name)
            if value and not getattr(source, name):
                setattr(source, name, value)
                if source.pk is not None and source not in self.filled:
                    self.filled.append(source)
        return source
