"""One row in or out with a statement built once per process, for the hottest paths.

The ORM compiles its SQL anew on every call, which costs more than the statement itself when a
request does little else (a resident's submission inserts a case and its first event; every
machine call looks its API key up).

- ``RowInsert(Model)(obj)`` writes the row ``obj.save(force_insert=True)`` would: the model's
  concrete columns, each value prepared by its field for the connection (``pre_save`` first, so
  ``auto_now_add`` behaves as in ``save``), and sets ``obj.pk`` when the database assigns it.
- ``RowLookup(Model, "key_hash = %s AND active")(params)`` returns the instance of the first
  matching row (every concrete field, converted as the ORM converts it), or None.

Neither sends ``pre_save``/``post_save`` signals: use them only for models nothing listens to.
On PostgreSQL both bind their values on the server, so that psycopg prepares the statement once
it has run a few times on a connection (``prepare_threshold``, ``settings.py``): the server then
neither parses nor plans it again.
"""

from django.db import connections, router


def prepared_cursor(connection):
    """A cursor of ``connection`` (logged like the ORM's); on PostgreSQL with server-side binding."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


class RowInsert:
    def __init__(self, model):
        self.model = model
        self._statements: dict[tuple, str] = {}

    def __call__(self, obj) -> None:
        connection = connections[router.db_for_write(self.model, instance=obj)]
        meta = self.model._meta
        with_pk = obj.pk is not None
        fields = [f for f in meta.local_concrete_fields if with_pk or not f.primary_key]
        returning = not with_pk and connection.features.can_return_columns_from_insert
        key = (connection.alias, with_pk)
        sql = self._statements.get(key)
        if sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in fields)
            placeholders = ", ".join(["%s"] * len(fields))
            # Names come from the model, values are parameters.
            sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
            if returning:
                sql += f" RETURNING {quote(meta.pk.column)}"
            self._statements[key] = sql
        params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, params)
            if returning:
                obj.pk = cursor.fetchone()[0]
            elif not with_pk:  # SQLite before 3.35
                obj.pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
        obj._state.adding = False
        obj._state.db = connection.alias


class RowLookup:
    def __init__(self, model, where: str):
        self.model = model
        self.where = where
        self._prepared: dict[str, tuple] = {}

    def __call__(self, params):
        connection = connections[router.db_for_read(self.model)]
        prepared = self._prepared.get(connection.alias)
        if prepared is None:
            prepared = self._prepared[connection.alias] = self._prepare(connection)
        sql, names, converters = prepared
        with prepared_cursor(connection) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for i, field_converters in converters:
            for convert, expression in field_converters:
                values[i] = convert(values[i], expression, connection)
        return self.model.from_db(connection.alias, names, values)

    def _prepare(self, connection) -> tuple:
        meta = self.model._meta
        fields = meta.concrete_fields
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        # Names come from the model and the caller's fixed condition; values are parameters.
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {self.where}"  # noqa: S608
        converters = []
        for i, field in enumerate(fields):
            column = field.get_col(meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((i, [(convert, column) for convert in found]))
        return sql, [f.attname for f in fields], converters
