"""
A real SMTP server for tests, on a port of its own: it speaks enough SMTP for Django's
SMTP backend (and any mail client) and keeps what it receives, so a test sees a message
arrive the way a mail server would.

Faults a mail server has: `refuse` maps an address to the reply its RCPT gets (a 550
hard bounce, a 451 for now); `unavailable` answers every new connection with 421 and
hangs up; `stop()` and `SMTPServer(port=..., received=...)` stop it (open sessions get a
421 at their next command) and start it again on the same port, keeping what it received.
"""

import email
import socketserver
import threading
from email.message import Message


class _Session(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        if self.server.unavailable:
            self.reply("421 tests SMTP: service not available, try again later")
            return
        self.reply("220 tests SMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if self.server.stopping and verb != "QUIT":
                # Shutting down, as a mail server does: 421 to whatever comes next.
                self.reply("421 tests SMTP: shutting down")
                return
            if verb in {"EHLO", "HELO"}:
                self.reply("250 tests")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>")
                if address in self.server.refuse:
                    self.reply(self.server.refuse[address])
                    continue
                recipients.append(address)
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.server.received.append((recipients, self.read_data()))
                self.reply("250 OK: queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:  # RSET, NOOP and the rest
                self.reply("250 OK")

    def read_data(self) -> Message:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return email.message_from_bytes(b"".join(lines))


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *, port: int = 0, received: list | None = None):
        super().__init__(("127.0.0.1", port), _Session)
        self.received: list[tuple[list[str], Message]] = [] if received is None else received
        self.refuse: dict[str, str] = {}
        self.unavailable = False
        self.stopping = False
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        """Stop listening; sessions still open answer their next command with 421."""
        self.stopping = True
        self.shutdown()
        self.server_close()


def mailers(server: SMTPServer) -> dict:
    """settings.MAILERS sending through Django's SMTP backend to `server`."""
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "use_tls": False, "timeout": 5},
        }
    }
