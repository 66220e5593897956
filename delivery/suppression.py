"""
Writes that stop briefing e-mails to someone: a link's unsubscribe (from everything, or
from one follow or saved search) and the suppression list every send checks.
"""

from delivery.models import Follow, SavedSearch, Suppression
from delivery.tokens import SCOPE_ALL


def suppression_add(*, address: str, reason: str, detail: str = "") -> bool:
    """Put `address` on the suppression list. Returns False when it already was."""
    _, created = Suppression.objects.get_or_create(
        address=address.strip().lower(), defaults={"reason": reason, "detail": detail[:500]}
    )
    return created


def scope_target(*, user, scope: str):
    """
    What an unsubscribe link's scope names for `user`: SCOPE_ALL, a Follow or a
    SavedSearch of theirs, or None (gone already, someone else's, or not an unsubscribe
    scope).
    """
    if scope == SCOPE_ALL:
        return SCOPE_ALL
    kind, _, pk = scope.partition(":")
    model = {"follow": Follow, "search": SavedSearch}.get(kind)
    if model is None or not pk.isdigit():
        return None
    return model.objects.filter(user=user, pk=int(pk)).first()


def unsubscribe_is_done(*, user, scope: str) -> bool:
    """Whether what the link asks for is already the case."""
    if scope == SCOPE_ALL:
        return Suppression.objects.filter(address=user.email.strip().lower()).exists()
    return scope_target(user=user, scope=scope) is None


def unsubscribe_apply(*, user, scope: str) -> bool:
    """Do what an unsubscribe link asks. Returns False when nothing was left to do."""
    target = scope_target(user=user, scope=scope)
    if target is None:
        return False
    if target == SCOPE_ALL:
        return suppression_add(
            address=user.email,
            reason=Suppression.Reason.UNSUBSCRIBED,
            detail="unsubscribe link in a briefing e-mail",
        )
    target.delete()
    return True
