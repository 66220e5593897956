from django.utils.functional import SimpleLazyObject

from members.services import audience_for_user


class AudienceMiddleware:
    """
    Puts the reader's audience on the request as `request.audience`, computed on first use
    from their active memberships, so pages that never ask do not pay for the query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.audience = SimpleLazyObject(lambda: audience_for_user(request.user))
        return self.get_response(request)
