"""
Sending briefing and digest e-mails from the ledger (`Delivery`), exactly once.

Queueing. `deliveries_queue` writes the ledger rows in bulk, ignoring conflicts: (user,
key) is unique in the database, so queueing the same reason twice is a no-op. It then
enqueues `delivery.tasks.deliveries_send` tasks of `BATCH_SIZE` ids for the rows still
queued. With the database task backend the task rows are written in the caller's
transaction: the ledger and its tasks commit, or roll back, together.

Sending, one task batch at a time (`deliveries_send_batch`):

1. The batch's queued rows are loaded with their users, memberships, suppressions and
   matching follows in a constant number of queries; one SMTP connection is opened for
   the whole batch. A server that cannot be reached puts the whole batch back in the
   queue with a backoff (below): nothing is lost.
2. Each row is *claimed* just before its e-mail is built: one
   `UPDATE ... SET status='sending', attempts=attempts+1 WHERE id=? AND status='queued'
   AND due`. No row affected means another worker has it, or it is done: skip it. A
   task that runs twice (a worker died and the queue retried it, two workers) therefore
   sends each row once, and only what was not sent yet.
3. At send time the row is checked again: an inactive account or one without an address
   is *skipped*, a suppressed address is *suppressed*, a delivery with nothing live left
   in it (a briefing unpublished, every digest entry gone) is *skipped*. The e-mail is
   built for the member's reader status now: a membership that has ended reads the
   public version.
4. The outcome is written with one more UPDATE: *sent* (sent_at, message_id); a temporary
   failure (4xx, the connection dropped or refused, a timeout) goes back to *queued* with
   `next_attempt_at` set from `settings.EMAIL_RETRY_DELAYS` and a task deferred to
   then (`run_after`), and *failed* once the delays are used up; a permanent refusal of
   the recipient (5xx) is *failed* with the server's words, and the address is added to
   the suppression list as bounced. A 421 or a dropped connection means the server is
   going away: the row and the rest of the batch are deferred together.

Two queries per e-mail (claim, outcome) plus a constant per batch (pinned in
tests/delivery/test_sending.py). On PostgreSQL a batch's commits do not wait for the disk
(`commits_without_waiting_for_disk`): they are atomic and visible to every worker at once,
so claims stay exclusive; only a crash of PostgreSQL itself within a fraction of a second
of a claim could let that e-mail go twice, and its Message-ID is the same both times.

A worker killed between a claim and the server's answer leaves its row in *sending*: it
may or may not have been handed over, so it is never resent blindly.
`deliveries_recover_stale` marks rows left sending longer than `STALE_AFTER` *failed*,
with a note saying so; the editor sees them in the send report and may retry them. Each
send task calls it first (one cheap UPDATE on an indexed status), so no extra process or
timer is needed. Per-row claims keep that doubt to at most one e-mail per dead worker.
`manage.py send_due_emails` (cron, every few minutes) is the safety net: it does the same
and queues again rows due for a retry whose task went missing, and rows never tried
whose task failed; with a task backend that cannot defer, it is how retries happen.

Over SMTP the message is written as bytes by `delivery.wire` (the `email` package took
longer than everything else an e-mail costs); other mail backends get the EmailMessage.

Membership e-mails (applications, approvals) are transactional: they go through
`members.tasks`, not this ledger, and are not subject to the suppression list.
"""

import json
import logging
import smtplib
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection
from django.db.models import JSONField, Prefetch, Q
from django.utils import timezone

from delivery import tasks  # the module: its task is looked up when enqueueing
from delivery.emails import EmailRenderer, email_prepare, follows_matching, message_build
from delivery.models import Delivery, Suppression
from delivery.wire import email_bytes
from members.models import Membership
from members.selectors import reader_status

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
STALE_AFTER = timedelta(minutes=15)
INTERRUPTED = "interrupted while being handed to the mail server; may not have been delivered"
Status = Delivery.Status


class ServerUnavailable(Exception):
    """The SMTP server cannot take mail now: defer this e-mail and the rest of the batch."""


class TemporaryFailure(Exception):
    """This one e-mail was refused for now (4xx): try it again later."""


class PermanentFailure(Exception):
    """This e-mail was refused for good (5xx); `bounced` when the recipient was refused."""

    def __init__(self, message: str, *, bounced: bool):
        super().__init__(message)
        self.bounced = bounced


# --- Queueing ---------------------------------------------------------------------------


def deliveries_queue(rows: Iterable[Delivery]) -> int:
    """
    Write unsaved ledger rows (a row for a reason already on the ledger is left as it is)
    and enqueue send tasks for those still queued. Returns how many were enqueued.
    """
    rows = list(rows)
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        _insert_unnested(rows)
    else:
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    # ignore_conflicts leaves the ids unset on some backends: ask again, once per key.
    by_key = defaultdict(set)
    for row in rows:
        by_key[row.key].add(row.user_id)
    ids = []
    for key, user_ids in by_key.items():
        ids += Delivery.objects.filter(
            key=key, user_id__in=user_ids, status=Status.QUEUED
        ).values_list("pk", flat=True)
    return deliveries_enqueue(sorted(ids))


INSERT_SQL = """
    INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays})
    ON CONFLICT (user_id, key) DO NOTHING
"""


def _insert_unnested(rows: list[Delivery]) -> None:
    """
    `bulk_create(ignore_conflicts=True)` in one statement of one array per column: Django
    spent seconds building the statement for 10,000 rows (14 values each), PostgreSQL
    milliseconds running this one.
    """
    fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
    arrays = {}
    for field in fields:
        values = [getattr(row, field.attname) for row in rows]
        if isinstance(field, JSONField):
            values = [json.dumps(value) for value in values]
        arrays[field.column] = values
    sql = INSERT_SQL.format(
        table=connection.ops.quote_name(Delivery._meta.db_table),
        columns=", ".join(connection.ops.quote_name(f.column) for f in fields),
        arrays=", ".join(f"%({f.column})s::{f.db_type(connection)}[]" for f in fields),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)


def deliveries_enqueue(ids: list[int], *, run_after=None) -> int:
    """
    Send tasks for `ids`, in batches; deferred to `run_after` when the task backend can
    defer. One that cannot (the immediate backend of tests and worker-less development)
    leaves deferred rows queued for `deliveries_send_due`.
    """
    task = tasks.deliveries_send
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return 0
        task = task.using(run_after=run_after)
    for start in range(0, len(ids), BATCH_SIZE):
        task.enqueue(delivery_ids=ids[start : start + BATCH_SIZE])
    return len(ids)


def deliveries_retry(queryset) -> int:
    """Put the failed rows of `queryset` back in the queue, with fresh attempts, and send."""
    ids = list(queryset.filter(status=Status.FAILED).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids, status=Status.FAILED).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=None, claimed_at=None, last_error=""
    )
    return deliveries_enqueue(ids)


def deliveries_send_due() -> int:
    """
    Enqueue every queued row whose retry time has come: a safety net for a deferred
    task that was lost, and the retry path where the task backend cannot defer.
    """
    now = timezone.now()
    # Rows never tried whose task went missing (a task that failed mid-batch) too.
    due = Q(next_attempt_at__lte=now) | Q(
        next_attempt_at__isnull=True, created_at__lt=now - STALE_AFTER
    )
    ids = Delivery.objects.filter(due, status=Status.QUEUED).values_list("pk", flat=True)
    return deliveries_enqueue(sorted(ids))


def deliveries_recover_stale(older_than: timedelta = STALE_AFTER) -> int:
    """Rows a dead worker left 'sending': failed, with a note; never resent blindly."""
    return Delivery.objects.filter(
        status=Status.SENDING, claimed_at__lt=timezone.now() - older_than
    ).update(status=Status.FAILED, last_error=INTERRUPTED)


# --- Backoff ----------------------------------------------------------------------------


def retry_delays() -> list[int]:
    return list(getattr(settings, "EMAIL_RETRY_DELAYS", [60, 300, 1800, 7200, 43200]))


def retry_delay(attempts: int) -> timedelta | None:
    """The wait after the `attempts`-th attempt failed for now, or None: give up."""
    delays = retry_delays()
    if attempts > len(delays):
        return None
    return timedelta(seconds=delays[max(attempts, 1) - 1])


def _defer(deliveries: list[Delivery], error: str, *, claimed: bool) -> None:
    """
    Back to the queue with a backoff (per attempt count), a task deferred to then; or
    failed once the delays are used up. `claimed` rows already counted this attempt.
    """
    now = timezone.now()
    groups = defaultdict(list)
    for delivery in deliveries:
        groups[delivery.attempts + (0 if claimed else 1)].append(delivery.pk)
    status_now = Status.SENDING if claimed else Status.QUEUED
    for attempts, ids in groups.items():
        rows = Delivery.objects.filter(pk__in=ids, status=status_now)
        delay = retry_delay(attempts)
        if delay is None:
            rows.update(status=Status.FAILED, attempts=attempts, last_error=error[:500])
            continue
        rows.update(
            status=Status.QUEUED,
            attempts=attempts,
            next_attempt_at=now + delay,
            claimed_at=None,
            last_error=error[:500],
        )
        deliveries_enqueue(ids, run_after=now + delay)


# --- Sending ----------------------------------------------------------------------------


def _load(delivery_ids: list[int]) -> list[Delivery]:
    members = Prefetch("user__memberships", queryset=Membership.objects.all())
    return list(
        Delivery.objects.filter(pk__in=delivery_ids, status=Status.QUEUED)
        .select_related("user", "briefing")
        .prefetch_related(members)
        .order_by("pk")
    )


def _suppressed(deliveries: list[Delivery]) -> set[str]:
    addresses = {d.user.email.lower() for d in deliveries if d.user.email}
    return set(Suppression.objects.filter(address__in=addresses).values_list("address", flat=True))


# The two statements every e-mail costs, in SQL: the ORM takes longer to build an UPDATE
# than the database takes to run it, and these run twice per e-mail.
CLAIM_SQL = """
    UPDATE {table} SET status = %(sending)s, attempts = attempts + 1, claimed_at = %(now)s
    WHERE id = %(id)s AND status = %(queued)s
      AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
"""
SENT_SQL = """
    UPDATE {table} SET status = %(sent)s, sent_at = %(now)s, message_id = %(message_id)s,
      last_error = ''
    WHERE id = %(id)s AND status = %(sending)s
"""


def _execute(sql: str, params: dict) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(Delivery._meta.db_table)), params)
        return cursor.rowcount


def _db_time(when):
    return connection.ops.adapt_datetimefield_value(when)


def _claim(delivery: Delivery, now) -> bool:
    params = {"id": delivery.pk, "now": _db_time(now)}
    claimed = _execute(CLAIM_SQL, {**params, "sending": Status.SENDING, "queued": Status.QUEUED})
    delivery.attempts += claimed
    return bool(claimed)


def _finish_sent(delivery: Delivery, message_id: str) -> None:
    params = {"id": delivery.pk, "now": _db_time(timezone.now()), "message_id": message_id}
    _execute(SENT_SQL, {**params, "sent": Status.SENT, "sending": Status.SENDING})


def _finish(delivery: Delivery, status: str, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(status=status, **fields)


def smtp_failure(error: Exception) -> Exception:
    """An SMTP error as what to do about it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        words = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        if code >= 500:
            return PermanentFailure(words, bounced=True)
        return ServerUnavailable(words) if code == 421 else TemporaryFailure(words)
    if isinstance(error, smtplib.SMTPResponseException):
        words = f"{error.smtp_code} {error.smtp_error!r}"
        if isinstance(error.smtp_error, bytes):
            words = f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
        if error.smtp_code >= 500:
            return PermanentFailure(words, bounced=False)
        return ServerUnavailable(words) if error.smtp_code == 421 else TemporaryFailure(words)
    return ServerUnavailable(f"{type(error).__name__}: {error}")


class Batch:
    """One task's deliveries, sent over one SMTP connection."""

    def __init__(self, deliveries: list[Delivery]):
        self.deliveries = deliveries
        self.now = timezone.now()
        self.renderer = EmailRenderer()
        self.suppressed = _suppressed(deliveries)
        self.follows = follows_matching(deliveries)
        self.counts = Counter()
        self.sender = settings.DEFAULT_FROM_EMAIL

    def send(self) -> Counter:
        mailer = mailers.default
        try:
            mailer.open()
        except (OSError, smtplib.SMTPException) as error:
            self._server_unavailable(smtp_failure(error), self.deliveries)
            return self.counts
        if isinstance(mailer, SMTPBackend):
            self.sender = mailer.prep_address(settings.DEFAULT_FROM_EMAIL)
        try:
            for position, delivery in enumerate(self.deliveries):
                try:
                    self.counts[self._send_one_or_fail(delivery, mailer)] += 1
                except ServerUnavailable as error:
                    self._server_unavailable(error, self.deliveries[position + 1 :])
                    _defer([delivery], str(error), claimed=True)
                    self.counts["deferred"] += 1
                    break
        finally:
            try:
                mailer.close()
            except (OSError, smtplib.SMTPException):
                logger.info("the SMTP connection did not close cleanly")
        return self.counts

    def _server_unavailable(self, error: Exception, rest: list[Delivery]) -> None:
        logger.warning("SMTP server unavailable, %d e-mails deferred: %s", len(rest), error)
        _defer(rest, str(error), claimed=False)
        self.counts["deferred"] += len(rest)

    def _send_one_or_fail(self, delivery: Delivery, mailer) -> str:
        """One e-mail; a bug in building one (not the server) fails it, not the batch."""
        try:
            return self._send_one(delivery, mailer)
        except ServerUnavailable:
            raise
        except Exception as error:
            logger.exception("could not send delivery %s", delivery.pk)
            _finish(delivery, Status.FAILED, last_error=f"could not be built: {error!r}"[:500])
            return Status.FAILED

    def _send_one(self, delivery: Delivery, mailer) -> str:
        if not _claim(delivery, self.now):
            return "taken"
        user = delivery.user
        if not user.is_active or not user.email:
            _finish(delivery, Status.SKIPPED, last_error="the account is closed or has no address")
            return Status.SKIPPED
        if user.email.lower() in self.suppressed:
            _finish(
                delivery, Status.SUPPRESSED, last_error="the address is on the suppression list"
            )
            return Status.SUPPRESSED
        outgoing = email_prepare(
            delivery,
            renderer=self.renderer,
            reader=reader_status(user, at=self.now),
            follow=self.follows.get((delivery.user_id, delivery.briefing_id)),
            now=self.now,
        )
        if outgoing is None:
            _finish(delivery, Status.SKIPPED, last_error="nothing in it is published any more")
            return Status.SKIPPED
        return self._hand_over(delivery, outgoing, mailer)

    def _hand_over(self, delivery: Delivery, outgoing, mailer) -> str:
        try:
            hand_over(outgoing, mailer, sender=self.sender)
        except (OSError, smtplib.SMTPException) as error:
            failure = smtp_failure(error)
            if isinstance(failure, ServerUnavailable):
                raise failure from error
            if isinstance(failure, TemporaryFailure):
                _defer([delivery], str(failure), claimed=True)
                return "deferred"
            _finish(delivery, Status.FAILED, last_error=str(failure)[:500])
            if failure.bounced:
                _bounce(delivery.user.email, str(failure))
            return Status.FAILED
        _finish_sent(delivery, outgoing.message_id)
        return Status.SENT


def hand_over(outgoing, mailer, *, sender: str) -> None:
    """
    Give one e-mail to the mail server. Over SMTP it goes as bytes written directly
    (`delivery.wire`, several times faster than the `email` package); any other backend
    (the console in development, memory in tests) gets the EmailMessage.
    """
    raw = email_bytes(outgoing) if isinstance(mailer, SMTPBackend) else None
    if raw is None:
        mailer.send_messages([message_build(outgoing)])
        return
    # email_bytes only takes plain ASCII addresses, which need no IDNA encoding.
    mailer.connection.sendmail(sender, [outgoing.to], raw)


def _bounce(address: str, detail: str) -> None:
    Suppression.objects.bulk_create(
        [
            Suppression(
                address=address.strip().lower(),
                reason=Suppression.Reason.BOUNCED,
                detail=detail[:500],
            )
        ],
        ignore_conflicts=True,
    )


def deliveries_send_batch(delivery_ids: list[int]) -> dict:
    """Send the queued deliveries among `delivery_ids` (a task's batch). Returns counts."""
    deliveries_recover_stale()
    deliveries = _load(delivery_ids)
    now = timezone.now()
    not_due = [d for d in deliveries if d.next_attempt_at and d.next_attempt_at > now]
    for delivery in not_due:
        # Early (clocks differ between machines): come back when it is due, so the row
        # is never left queued without a task.
        deliveries_enqueue([delivery.pk], run_after=delivery.next_attempt_at)
    due = [d for d in deliveries if d not in not_due]
    if not due:
        return {}
    with commits_without_waiting_for_disk():
        return dict(Batch(due).send())


@contextmanager
def commits_without_waiting_for_disk():
    """
    On PostgreSQL, this connection's commits do not wait for the disk while the batch is
    sent (synchronous_commit off): each is still atomic and seen by every other worker
    at once, so claims stay exclusive whatever a worker does; only a crash of PostgreSQL
    itself could lose the last fraction of a second of them. Waiting for the disk twice
    per e-mail costs more than rendering it.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
