"""Where a reader goes next: the one spelling of `?next=` on the way to signing in or joining."""

from urllib.parse import urlencode

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str = "") -> str:
    """The `next` the reader came with, if it points into this site; else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def with_next(url: str, next_url: str) -> str:
    """`url` with `next_url` as its `next` parameter (`url` itself when there is none)."""
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url
