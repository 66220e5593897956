"""
Cursors for search statements that Django's own (client-side binding, never prepared)
make slow: both send the parameters apart from the statement (psycopg's server-side
binding) and are wrapped as Django wraps its own, so they are counted and logged like
any query.
"""

import functools

from django.db import connection

# psycopg prepares a statement on its own after this many runs on a connection: never.
ONLY_WHEN_ASKED = 2**31 - 1


def server_bound_cursor():
    """
    Django's cursors write every value into the statement's text, which PostgreSQL then
    parses back: for a batch's search documents, megabytes of text, which took a third of
    the write's time outside the search work itself.
    """
    from django.db.backends.postgresql.base import ServerBindingCursor

    return _wrapped(ServerBindingCursor)


def preparing_cursor():
    """
    A cursor whose statements are prepared on their connection the first time and then
    only executed: PostgreSQL parses and analyses a prepared statement once per
    connection (the pool keeps connections, and psycopg the statements it prepared on
    each, at most 100 per connection, the least used dropped). For a search's page of
    results that was about a quarter of the statement's time (docs/performance.md).

    After five runs PostgreSQL may also keep one plan made without the values, when it
    looks no dearer than the plans made with them. That suits the page statement, whose
    plan is the same whatever the words. A statement whose best plan depends on its
    values must be one that such a plan would be plainly worse for (the window
    statement: it could use none of the audience's partial indexes), or PostgreSQL may
    settle on it; `pg_prepared_statements` shows which it chose. Django leaves statements
    unprepared (so that a pooler between it and PostgreSQL keeps working);
    docs/deployment.md says what such a pooler then needs.
    """
    cursor = _wrapped(_preparing_cursor_class())
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django opens connections without one, and psycopg then prepares nothing, even
        # when asked. One no statement reaches keeps it to the statements asked for.
        raw.prepare_threshold = ONLY_WHEN_ASKED
    return cursor


@functools.cache
def _preparing_cursor_class():
    # Made on first use: the PostgreSQL backend is imported only where it is used.
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def _wrapped(cursor_class):
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(cursor_class(connection.connection))
