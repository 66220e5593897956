"""
What the reader pages keep in the shared cache, under which keys, and what clears it.

Five things are cached, all in the default cache (Redis in production, so every worker
and every app server sees the same entries):

- **Whole anonymous pages**, for PUBLIC_PAGE_MAX_AGE seconds: the page cache and the
  HTTP cache policy it obeys live in `config.caching`, with the content generation.
- **Rendered parts of a briefing page** per (address, audience, lock-card state)
  (`briefing_parts_key`): what the access rule lets that audience read, rendered once.
- **Content shared by every reader** (`shared_content`): the content of the home page,
  the briefing list and coverage pages, which name no reader, per address, for
  PUBLIC_PAGE_MAX_AGE seconds; a signed-in reader's page around it is rendered for them.
- **A search's results** per (address, reader state) (`search_results_key`), for a
  public page's lifetime: the summary and the page of results, around which the page
  (the search box, the filters, the form to save the search) is rendered when the whole
  page is not kept (the page cache for anonymous readers, `briefings.signed_pages` for
  signed-in ones, keep it whole).
- **Small lookups** every page needs: the tier wording of lock cards and the taxonomy
  choices of the filter forms (`cached`).

Every key carries the *content generation* (`config.caching.content_generation`), a
counter raised whenever a briefing, one of its parts, a source, a taxonomy term or a tier
is saved or deleted (signals connected here, in `BriefingsConfig.ready`). Raising it
makes every earlier entry unreachable at once, so an edit in admin shows on the next
request on every server; the old entries simply expire.
The counter is raised when the change is made and again when its transaction commits, so
a page rendered from the old rows between the two is never stored under the new number.
"""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from config.caching import (
    bump_content_generation,
    cache_address,
    content_generation,
    digest,
    entries_at_generation,
    forget_kept,
    kept,
    kept_entries,
    request_memo,
)

# --- What raises the content generation ------------------------------------------------


def content_changed(**kwargs) -> None:
    """Signal receiver: now, and once more when the change is committed."""
    if kwargs.get("raw"):  # loading fixtures
        return
    bump_content_generation()
    transaction.on_commit(bump_content_generation, robust=True)


def forget_on_change(key: str, model) -> None:
    """
    Deletes `key` whenever a `model` row is saved or deleted (and again on commit): for a
    value that changes far less often than the content generation, such as tier wording,
    so that an edit to a briefing does not cost a query for it.
    """

    def forget(**kwargs):
        if kwargs.get("raw"):
            return
        forget_kept(key)
        transaction.on_commit(lambda: forget_kept(key), robust=True)

    uid = f"forget:{key}:{model._meta.label}"
    post_save.connect(forget, sender=model, dispatch_uid=f"{uid}:save", weak=False)
    post_delete.connect(forget, sender=model, dispatch_uid=f"{uid}:delete", weak=False)


def connect_invalidation(models) -> None:
    for model in models:
        uid = f"content-generation:{model._meta.label}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}:delete")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                content_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}:m2m"
            )


def remember(key: str, build, *, timeout: int | None = None):
    """
    `build()`'s value, kept under `key` for `timeout` seconds (CONTENT_CACHE_SECONDS by
    default): a key that names its content generation, or one a signal forgets on
    change (`forget_on_change`). One request builds a missing entry while others asking
    for the same key wait for it, and an entry past its time is served, under its own key,
    while one request rebuilds it (`config.caching.kept`).
    """
    memo = request_memo()
    found = memo.get(key) if memo is not None else None
    timeout = settings.CONTENT_CACHE_SECONDS if timeout is None else timeout
    if found is None:
        return kept(key, build, timeout=timeout)
    return kept(key, build, timeout=timeout, found=found)


def content_key(name: str) -> str | None:
    """The key `cached(name, ...)` keeps its value under; None when the cache is away."""
    generation = content_generation()
    return None if generation is None else content_key_at(generation, name)


def content_key_at(generation: int, name: str) -> str:
    """The key `cached(name, ...)` keeps its value under in content generation `generation`."""
    return f"content:{generation}:{name}"


def prefetch(keys) -> None:
    """
    Reads `keys` (keys `remember` will be asked for in this request, such as
    `content_key`'s) in one round trip, into the request's memo; outside a request, nothing.
    """
    memo = request_memo()
    keys = [key for key in keys if key]
    if memo is not None and keys:
        memo.update(kept_entries(keys))


def prefetch_at_generation(keys_at) -> None:
    """
    As `prefetch`, for keys that name the content generation, spelt by
    `keys_at(generation)`: in the steady state the generation and the entries come in one
    round trip rather than two (config.caching.entries_at_generation).
    """
    memo = request_memo()
    if memo is not None:
        memo.update(entries_at_generation(keys_at))


def cached(name: str, build, *, timeout: int | None = None):
    """`build()`'s value, kept under `name` for the current content generation."""
    generation = content_generation()
    if generation is None:  # the cache is away: build, keep nothing
        return build()
    return remember(content_key_at(generation, name), build, timeout=timeout)


def shared_content(request, render):
    """
    `render()`'s HTML for the content of a page that names no reader (no tier, no
    account, no form token, no CSP nonce), kept per content generation and address and
    shared by every reader, signed in or not. It is kept for PUBLIC_PAGE_MAX_AGE
    seconds, as a shared anonymous page is, since a scheduled briefing goes live with no
    save to raise the generation. The page around it stays each reader's own.
    """
    name = shared_content_name(request)
    if name is None:  # a parameter no page reads: served, not kept
        return render()
    return cached(name, render, timeout=settings.PUBLIC_PAGE_MAX_AGE)


def shared_content_name(request) -> str | None:
    """The name `shared_content` keeps the page's content under (None: not kept)."""
    address = cache_address(request)
    return None if address is None else "shared:" + digest(request.get_host(), address)


def briefing_parts_key(reader, *, url: str) -> str:
    """
    The key of a briefing page's rendered parts. Everything they are rendered from is in
    it: the content generation (any edit to the briefing, its parts, sources, taxonomy or
    tier wording raises it), the whole reader (`ReaderStatus.cache_key()`: what their
    audience may read and what their lock cards say), and the page's full address (which
    names the briefing, the address to come back to, and the host canonical links carry).

    A briefing leaves the site only through a save, which raises the generation; one
    that is not live yet is a 404, which is never kept.
    """
    # The reader first: a signed-in reader's first read brings the content generation too.
    reader_key = reader.cache_key()
    generation = content_generation()
    if generation is None:  # the cache is away: render, keep nothing
        return ""
    return "part:" + digest("briefing", generation, reader_key, url)


def search_results_key(reader, *, url: str, generation: int | None = None) -> str:
    """
    The key of a search's summary and page of results: the content generation (the
    current one unless given), the whole reader (`ReaderStatus.cache_key()`: which search
    document their audience searches) and the full address (the words, filters and page).
    """
    reader_key = reader.cache_key()
    if generation is None:
        generation = content_generation()
    if generation is None:  # the cache is away: search, keep nothing
        return ""
    return "search:" + digest("search", generation, reader_key, url)
