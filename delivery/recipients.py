"""
Who gets a briefing by e-mail, in a few set-based queries whatever their number.

Everyone reached must be reachable: an active account whose address is verified
(allauth's `EmailAddress`, the address the e-mail goes to: no e-mail to an address nobody
has confirmed) and not on the suppression list (compared lower-cased). Then:

- followers: members (any active membership) whose cadence is "each", who follow the
  briefing's category, region or topic, or whose saved search finds it in the parts their
  audience may search (`saved_search_user_ids`);
- a tier: every account whose active memberships reach the tier (`access.tiers_reaching`),
  whatever their cadence: an editor's tier-wide send is an announcement, and the global
  off switch is unsubscribing (a suppression row), which it honours.
"""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.http import QueryDict

from briefings.forms import SearchForm
from briefings.models import Briefing, SearchDocument
from briefings.search import CONFIG
from briefings.search.text import simple_terms
from delivery.models import DeliveryPreference, Follow, SavedSearch, Suppression
from members import access
from members.models import Membership

# At most this many different saved searches are matched against one briefing.
MAX_SAVED_SEARCHES = 5000


def reachable_users():
    """Active accounts with a verified, unsuppressed address."""
    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), verified=True, email__iexact=OuterRef("email")
    )
    suppressed = Suppression.objects.filter(address=Lower(OuterRef("email")))
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(verified), ~Exists(suppressed))
    )


def members_at(now, tiers=None):
    """Accounts with an active membership at `now` (of one of `tiers` when given)."""
    memberships = Membership.objects.active_at(now).filter(user=OuterRef("pk"))
    if tiers is not None:
        memberships = memberships.filter(tier__in=tiers)
    return Exists(memberships)


def follower_ids(briefing: Briefing, *, now) -> list[int]:
    """Members who asked for an e-mail for each new briefing they follow, and follow this."""
    targets = Q()
    for name in Follow.TARGETS:
        value = getattr(briefing, f"{name}_id")
        if value is not None:
            targets |= Q(**{name: value})
    follows = Follow.objects.filter(targets, user=OuterRef("pk")) if targets else None
    by_search = saved_search_user_ids(briefing, now=now)
    wanted = Q(pk__in=by_search) if by_search else Q(pk__in=[])
    if follows is not None:
        wanted |= Exists(follows)
    return list(
        reachable_users()
        .filter(members_at(now), delivery_preference__cadence=DeliveryPreference.Cadence.EACH)
        .filter(wanted)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def tier_member_ids(tier: int, *, now) -> list[int]:
    """Every reachable account whose active memberships reach `tier`."""
    return list(
        reachable_users()
        .filter(members_at(now, access.tiers_reaching(tier)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- Saved searches -------------------------------------------------------------------


def saved_search_user_ids(briefing: Briefing, *, now) -> set[int]:
    """
    Accounts with a saved search that finds `briefing`: its filters match the briefing and
    its words match the search document of the account's audience (as the site's search
    would, on PostgreSQL its full-text query). Three queries however many searches.
    """
    strings = list(
        SavedSearch.objects.order_by()
        .values_list("query_string", flat=True)
        .distinct()[:MAX_SAVED_SEARCHES]
    )
    searches = {}
    for qs in strings:
        parsed = _parse(qs)
        if parsed is not None and _facets_match(briefing, parsed[1]):
            searches[qs] = parsed[0]
    if not searches:
        return set()
    found = _text_matches(briefing, {text for text in searches.values() if text})
    matching = {
        (qs, document)
        for qs, text in searches.items()
        for document in access.SEARCH_DOCUMENT_AUDIENCES
        if not text or (text, document) in found
    }
    return _users_whose_document_matches(matching, now=now)


def _parse(query_string: str):
    form = SearchForm(QueryDict(query_string))
    form.is_valid()
    if "q" in form.errors:
        return None
    text, facets = form.cleaned_data.get("q", ""), form.facets()
    return (text, facets) if text or facets else None


def _facets_match(briefing: Briefing, facets: dict) -> bool:
    """What `BriefingFacetsForm.filter` would keep, for one briefing in hand."""
    slug = {
        name: (getattr(briefing, name).slug if getattr(briefing, f"{name}_id") else None)
        for name in Follow.TARGETS
    }
    for name, value in facets.items():
        if name == "confidence_min":
            ok = briefing.confidence is not None and briefing.confidence >= value
        elif name == "confidence_max":
            ok = briefing.confidence is not None and briefing.confidence <= value
        elif name in slug:
            ok = slug[name] == value
        else:
            ok = getattr(briefing, name) == value
        if not ok:
            return False
    return True


_TEXT_MATCH_SQL = """
SELECT q.text, d.briefing_id, d.audience FROM unnest(%(texts)s::text[]) AS q(text)
JOIN {table} AS d ON d.briefing_id = ANY(%(briefings)s)
 AND d.vector @@ websearch_to_tsquery(%(config)s::regconfig, q.text)
"""


def _text_matches(briefing: Briefing, texts: set[str]) -> set[tuple[str, int]]:
    """(text, document audience) for each saved text that matches that document."""
    return {(text, audience) for text, _, audience in _texts_in([briefing.pk], texts)}


def _texts_in(briefing_ids: list[int], texts: set[str]) -> set[tuple[str, int, int]]:
    """(text, briefing id, document audience) for each text that matches that document."""
    if not texts or not briefing_ids:
        return set()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(SearchDocument._meta.db_table)
        params = {"texts": sorted(texts), "briefings": list(briefing_ids), "config": CONFIG}
        with connection.cursor() as cursor:
            cursor.execute(_TEXT_MATCH_SQL.format(table=table), params)
            return {(text, pk, int(audience)) for text, pk, audience in cursor.fetchall()}
    documents = SearchDocument.objects.filter(briefing_id__in=briefing_ids).values_list(
        "briefing_id", "audience", "title", "summary", "body"
    )
    found = set()
    for briefing_id, audience, *parts in documents:
        haystack = "\n".join(parts).lower()
        for text in texts:
            wanted, unwanted = simple_terms(text)
            if (
                wanted
                and all(term.lower() in haystack for term in wanted)
                and not any(term.lower() in haystack for term in unwanted)
            ):
                found.add((text, briefing_id, int(audience)))
    return found


def saved_search_matches(briefings: list[Briefing], user_ids, *, now) -> dict[int, set[int]]:
    """
    For the accounts among `user_ids` with saved searches: account id → the ids of the
    `briefings` one of their searches finds, in the search document of the account's own
    audience at `now` (a member never matches on words they may not read). Accounts
    without a saved search are absent. At most three queries, however many accounts.
    """
    owners = list(
        SavedSearch.objects.filter(user_id__in=user_ids).values_list("user_id", "query_string")
    )
    if not owners:
        return {}
    candidates: dict[str, tuple[str, list[int]]] = {}
    for qs in {qs for _, qs in owners}:
        parsed = _parse(qs)
        if parsed is not None:
            text, facets = parsed
            candidates[qs] = (text, [b.pk for b in briefings if _facets_match(b, facets)])
    ids = sorted({pk for _, pks in candidates.values() for pk in pks})
    found = _texts_in(ids, {text for text, pks in candidates.values() if text and pks})
    terms: dict[int, list[access.Term]] = {}
    for membership in Membership.objects.filter(user_id__in={uid for uid, _ in owners}):
        terms.setdefault(membership.user_id, []).append(membership.term)
    matches: dict[int, set[int]] = {user_id: set() for user_id, _ in owners}
    for user_id, qs in owners:
        text, pks = candidates.get(qs, ("", []))
        document = access.search_document_audience(access.audience_at(terms.get(user_id, []), now))
        matches[user_id].update(pk for pk in pks if not text or (text, pk, document) in found)
    return matches


def _users_whose_document_matches(matching: set[tuple[str, int]], *, now) -> set[int]:
    """The accounts whose saved search is in `matching` for their own audience's document."""
    strings = {qs for qs, _ in matching}
    owners = list(
        SavedSearch.objects.filter(query_string__in=strings).values_list("user_id", "query_string")
    )
    terms: dict[int, list[access.Term]] = {}
    for membership in Membership.objects.filter(user_id__in={uid for uid, _ in owners}):
        terms.setdefault(membership.user_id, []).append(membership.term)
    found = set()
    for user_id, qs in owners:
        audience = access.audience_at(terms.get(user_id, []), now)
        if (qs, access.search_document_audience(audience)) in matching:
            found.add(user_id)
    return found
