"""
Each seat holder's last visit, for their administrators, recorded cheaply: at sign-in and
then at most once an hour per session (the session remembers when it last wrote), so a
busy reader costs one UPDATE an hour, not one a request.
"""

import time

from django.contrib.auth import SESSION_KEY

from organisations.services import seat_mark_seen

SEEN_SESSION_KEY = "organisations_seen_at"
PRECISION_SECONDS = 3600


def visit_record(request, *, user_id) -> None:
    seat_mark_seen(user_id=user_id)
    session = getattr(request, "session", None)
    if session is not None:
        session[SEEN_SESSION_KEY] = time.time()


class SeatVisitMiddleware:
    """Stamps a signed-in seat holder's visit when their session's stamp is an hour old."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            user_id = session.get(SESSION_KEY)
            seen = session.get(SEEN_SESSION_KEY)
            if user_id and (seen is None or time.time() - seen > PRECISION_SECONDS):
                visit_record(request, user_id=user_id)
        return self.get_response(request)
