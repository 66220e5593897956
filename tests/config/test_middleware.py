from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from config.middleware import HeadResponseMiddleware


def answer(request):
    return HttpResponse("the page", headers={"Content-Length": "8"})


def test_head_is_answered_without_a_body_and_with_the_get_length():
    # Django's test client strips HEAD bodies itself, so the middleware is called directly.
    response = HeadResponseMiddleware(answer)(RequestFactory().head("/"))
    assert response.content == b""
    assert response["Content-Length"] == "8"


def test_get_keeps_its_body():
    response = HeadResponseMiddleware(answer)(RequestFactory().get("/"))
    assert response.content == b"the page"


def test_a_streaming_head_response_is_left_to_the_server():
    def stream(request):
        return StreamingHttpResponse(iter([b"a", b"b"]))

    response = HeadResponseMiddleware(stream)(RequestFactory().head("/"))
    assert response.streaming
