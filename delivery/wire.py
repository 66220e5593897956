"""
An outgoing e-mail written straight as the bytes SMTP carries, for the send loop.

Why: Python's `email` package takes about 7 ms to build and serialise one of these
messages (header objects, content managers), more than everything else an e-mail costs.
What is the same for every recipient of a shell (Subject, From, Reply-To, the MIME
framing) is written once by the `email` package and kept; per recipient only ASCII
headers are added and the two bodies are quoted-printable encoded by `binascii` (C).
The result is the same message `emails.message_build` makes (tests/delivery/test_wire.py
compares them); an address that is not plain ASCII takes that slower path instead.
"""

import binascii
import email.policy
import secrets
from email.message import EmailMessage
from functools import lru_cache

from django.conf import settings

from delivery.emails import Outgoing, Shell, fill, list_headers, reply_to

CRLF = b"\r\n"


@lru_cache(maxsize=64)
def _head(shell: Shell, from_email: str, reply_to: tuple[str, ...]) -> tuple[bytes, bytes]:
    """The headers every recipient of `shell` shares, and the MIME boundary, as bytes."""
    head = EmailMessage(policy=email.policy.SMTP)
    head["Subject"] = shell.subject
    head["From"] = from_email
    if reply_to:
        head["Reply-To"] = ", ".join(reply_to)
    # QP-encoded bodies never contain "==" unescaped, so this cannot occur inside them.
    boundary = f"==delivery-{secrets.token_hex(12)}=="
    raw = head.as_bytes(policy=email.policy.SMTP).rstrip(CRLF) + CRLF
    mime = f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n'
    return raw + mime.encode(), boundary.encode()


def _part(content: str, subtype: str, boundary: bytes) -> bytes:
    text = content.replace("\r\n", "\n").encode()
    encoded = binascii.b2a_qp(text, istext=True).replace(b"\n", CRLF)
    return b"".join(
        [
            b"--" + boundary + CRLF,
            f'Content-Type: text/{subtype}; charset="utf-8"'.encode() + CRLF,
            b"Content-Transfer-Encoding: quoted-printable" + CRLF,
            CRLF,
            encoded,
            b"" if encoded.endswith(CRLF) else CRLF,
        ]
    )


def email_bytes(outgoing: Outgoing) -> bytes | None:
    """The message as SMTP carries it, or None when it needs the `email` package."""
    headers = {"To": outgoing.to, **list_headers(outgoing)}
    lines = [f"{name}: {value}" for name, value in headers.items()]
    if not all(line.isascii() and "\n" not in line and "\r" not in line for line in lines):
        return None
    head, boundary = _head(outgoing.shell, settings.DEFAULT_FROM_EMAIL, tuple(reply_to()))
    recipient = outgoing.recipient
    return b"".join(
        [
            head,
            *(line.encode() + CRLF for line in lines),
            CRLF,
            _part(fill(outgoing.shell.text, recipient, html=False), "plain", boundary),
            _part(fill(outgoing.shell.html, recipient, html=True), "html", boundary),
            b"--" + boundary + b"--" + CRLF,
        ]
    )
