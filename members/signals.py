"""
Signals the members app sends.

`reader_converted` (below) is sent when a reader signs up or applies.

`reader_changed` (sender: the model class, `user_ids`: the accounts concerned) is sent
after anything that can change what an account may read is saved: a membership added,
changed or removed. Whatever remembers a reader's standing (a cache, a session) listens
and forgets it; whatever grants reading by other means (seats, for instance) sends it.

The standing kept for each request's reader (`members.caching`) is forgotten twice: at
once, so the change shows within its own transaction, and on `reader_changed`, so that
no request that read the old rows before the commit leaves them behind.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from members.caching import forget_account_now_and_on_commit, forget_accounts

reader_changed = Signal()

# Sent when a reader joins a tier by signing up (`kind="signup"`) or applies for one
# (`kind="application"`), with the `request`, the `user` and the `tier`: whatever wants
# to know what led them there (briefings.conversions) listens.
reader_converted = Signal()


def send_reader_changed(sender, user_ids) -> None:
    """Sends `reader_changed` for `user_ids` once the transaction commits."""
    user_ids = frozenset(uid for uid in user_ids if uid is not None)
    if user_ids:
        forget_accounts(user_ids)
        transaction.on_commit(
            lambda: reader_changed.send(sender=sender, user_ids=user_ids), robust=False
        )


@receiver(post_save, sender="members.Membership", dispatch_uid="membership-saved")
@receiver(post_delete, sender="members.Membership", dispatch_uid="membership-deleted")
def membership_changed(sender, instance, **kwargs):
    send_reader_changed(sender, [instance.user_id])


@receiver(reader_changed, dispatch_uid="reader-changed-forget-standing")
def forget_standing(sender, user_ids, **kwargs):
    forget_accounts(user_ids)


@receiver(post_save, sender="members.Application", dispatch_uid="application-saved-forget")
@receiver(post_delete, sender="members.Application", dispatch_uid="application-deleted-forget")
def application_changed(sender, instance, raw=False, **kwargs):
    # A pending application changes what the reader's lock cards say (ReaderStatus.pending).
    if not raw:
        forget_account_now_and_on_commit(instance.user_id)
