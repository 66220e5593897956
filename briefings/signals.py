"""
What the newsroom announces to the rest of the project, so that apps which depend on
briefings (delivery) can act on it without briefings importing them.
"""

from django.dispatch import Signal

# Sent by `workflow.briefing_publish`, inside its transaction, once an editor has
# published a briefing (it is live now) or scheduled it (it goes live at `live_from`),
# and by the newsroom when an editor moves the publish time of a live or scheduled
# briefing. Arguments: `briefing` (as saved), `by` (the editor). Receivers that do work
# outside the database wait for the commit (`transaction.on_commit`).
briefing_published = Signal()
