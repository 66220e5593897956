"""
Image renditions answered from MEDIA_ROOT, before any session or cache lookup.

WhiteNoise serves only the static files it finds at start-up, so uploads need their own
answer. This middleware sits beside it (settings.MIDDLEWARE, 7) and answers GET and HEAD
under MEDIA_URL while `SERVE_MEDIA` is on (the default while the files are on this
server's disk): development, `make prodlike` and a single-server production. With
S3-compatible storage, MEDIA_URL points at the bucket or a CDN and this stays out of the way.

Only renditions are served (`briefings.images.processing.RENDITIONS_DIR`): the cleaned
original an editor uploaded is kept for making renditions again and is never a URL. A
rendition's name is random and never reused, so it may be cached for a year.
"""

import mimetypes
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseNotAllowed, HttpResponseNotFound

# Kept in step with briefings.images.processing.RENDITIONS_DIR (config imports no app).
SERVED_DIR = "images"
IMMUTABLE = "public, max-age=31536000, immutable"
TYPES = {".avif": "image/avif", ".webp": "image/webp", ".jpg": "image/jpeg"}


def served_name(path: str) -> str | None:
    """The storage name a request path asks for, or None for anything not a rendition."""
    name = path.removeprefix(settings.MEDIA_URL)
    parts = PurePosixPath(name).parts
    if (
        len(parts) != 3
        or parts[0] != SERVED_DIR
        or any(part in {"", ".", ".."} or part.startswith(".") for part in parts)
        or PurePosixPath(name).suffix not in TYPES
    ):
        return None
    return name


class MediaFilesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (settings.SERVE_MEDIA and request.path.startswith(settings.MEDIA_URL)):
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        name = served_name(request.path)
        try:
            found = name is not None and default_storage.exists(name)
        except SuspiciousFileOperation:
            found = False
        if not found:
            response = HttpResponseNotFound(b"Not found", content_type="text/plain")
            response["Cache-Control"] = "public, max-age=60"
            return response
        response = FileResponse(
            default_storage.open(name, "rb"),
            content_type=TYPES.get(PurePosixPath(name).suffix) or mimetypes.guess_type(name)[0],
        )
        response["Cache-Control"] = IMMUTABLE
        response["X-Content-Type-Options"] = "nosniff"
        # Images go out in e-mails and private feeds, which webmail and web feed readers
        # show from their own origins. The site's same-origin default would blank them;
        # the address is random and unguessable, so allowing the load reveals nothing.
        response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response
