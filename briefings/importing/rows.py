"""
Rows an import writes in bulk: parts through PostgreSQL's COPY, and the creation records
of the history that save() would have written.
"""

from django.db import connection, models
from django.db.models import CharField, DateTimeField, Exists, IntegerField, OuterRef, Value
from django.utils import timezone
from simple_history.models import HistoricalRecords


def insert_new(model, objs: list) -> None:
    """
    Write new rows whose primary keys nothing reads back (an import's sections and
    citations). On PostgreSQL through COPY, quicker than bulk_create's INSERT for them
    (see docs/performance.md): the values go to the database as rows, not as one array
    per column.
    Like bulk_create it sends no signals and saves no history (creation_history_write
    does); unlike it, the objects do not learn their primary keys.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    _copy(model, objs, [field for field in model._meta.concrete_fields if not field.primary_key])


def insert_new_numbered(model, objs: list) -> None:
    """
    As `insert_new`, for new rows whose primary keys the caller reads (an import's
    briefings): each object is given its id from the table's sequence first, then they
    go through COPY, and they end as bulk_create leaves them (saved, with their ids).
    bulk_create's INSERT of a batch's briefings had taken most of the batch's write time
    in Python, building and quoting a statement of every field of every briefing.
    """
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    table, pk = model._meta.db_table, model._meta.pk
    with connection.wrap_database_errors, connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
    _copy(model, objs, list(model._meta.concrete_fields))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _copy(model, objs: list, fields: list) -> None:
    """The objects' `fields` written as new rows through PostgreSQL's COPY."""
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    related = [field for field in fields if field.is_relation]
    values = [_db_value(field) for field in fields]
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            _related_ids(obj, related)
            copy.write_row([value(obj) for value in values])


def _related_ids(obj, related) -> None:
    """
    As bulk_create does (Model._prepare_related_fields_for_save): an object related since
    it was assigned, saved since, gives its id; one still unsaved stops the write.
    """
    for field in related:
        if not field.is_cached(obj):
            continue
        other = field.get_cached_value(obj)
        if other is None:
            continue
        if other.pk is None:
            raise ValueError(
                f"insert_new() prohibited to prevent data loss due to unsaved related object "
                f"'{field.name}'."
            )
        if getattr(obj, field.attname) in field.empty_values:
            setattr(obj, field.attname, other.pk)


# Fields whose value for the database is the text or whole number itself.
_PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.ForeignKey)


def _db_value(field):
    """
    A function giving `field`'s value of an object as the database stores it:
    `field.get_db_prep_save(field.pre_save(obj, True))`, with the conversion skipped for
    text and whole numbers of plain fields, where it gives them back as they are (most of
    a batch's Python time in COPY had gone to it).
    """
    attname = field.attname
    has_pre_save = type(field).pre_save is not models.Field.pre_save
    plain = isinstance(field, _PLAIN_FIELDS)

    def value(obj):
        given = field.pre_save(obj, True) if has_pre_save else getattr(obj, attname)
        if given is None or (plain and type(given) in (str, int)):
            return given
        return field.get_db_prep_save(given, connection)

    return value


def history_user(instance):
    """Who is saving `instance`, as simple_history records it: set on it, or the request's."""
    user = getattr(instance, "_history_user", None)
    if user is None:
        user = getattr(getattr(HistoricalRecords.context, "request", None), "user", None)
    return user if user is not None and user.is_authenticated else None


def creation_history_write(model, rows, *, user=None) -> None:
    """
    The creation record that save() would have written, for each of `rows` (a queryset of
    `model`) that has no history yet: rows written with COPY or bulk_create need it, or
    compare and restore have nothing to start from, and a section's first edit would
    look like its first state. One INSERT ... SELECT, whatever their number.
    """
    history = model.history.model
    tracked = history.tracked_fields
    missing = (
        rows.exclude(Exists(history.objects.filter(id=OuterRef("pk"))))
        .order_by("pk")
        .annotate(
            record_date=Value(timezone.now(), output_field=DateTimeField()),
            record_type=Value("+", output_field=CharField()),
            record_user=Value(getattr(user, "pk", None), output_field=IntegerField()),
        )
        .values_list(*(f.attname for f in tracked), "record_date", "record_type", "record_user")
    )
    select, params = missing.query.sql_with_params()
    names = [f.column for f in tracked] + ["history_date", "history_type", "history_user_id"]
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    table = connection.ops.quote_name(history._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
