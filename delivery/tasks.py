"""
Background work for delivery, on Django's tasks framework: sending a batch of ledger rows
(`delivery.sending` says how each is sent exactly once).
"""

from django.tasks import task

from delivery import sending


@task()
def deliveries_send(delivery_ids: list[int]) -> dict:
    """Send the queued deliveries among `delivery_ids`; returns how many ended how."""
    return sending.deliveries_send_batch(delivery_ids)
