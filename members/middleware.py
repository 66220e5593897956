from django.utils.functional import SimpleLazyObject

from members.services import reader_status


class AudienceMiddleware:
    """
    Puts the reader on the request, computed on first use from their memberships (one
    query), so pages that never ask do not pay for it:
    `request.reader` (audience, signed in, lapsed tiers) and `request.audience`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.reader = SimpleLazyObject(lambda: reader_status(request.user))
        request.audience = SimpleLazyObject(lambda: request.reader.audience)
        return self.get_response(request)
