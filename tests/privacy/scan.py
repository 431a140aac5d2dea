"""A search of every column of every table for a piece of text: what erasure and retention
tests use to prove that nothing about a person is left, whatever table a later change adds."""

from django.db import connection


def columns_containing(text: str) -> list[str]:
    """Each `table.column` where some row's value, read as text, contains `text` (ignoring
    case). Every column is read, whatever its type: JSON, binary and numbers too."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            for column in connection.introspection.get_table_description(cursor, table):
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} "  # noqa: S608 (names from the catalogue)
                    f"WHERE LOWER(CAST({quote(column.name)} AS TEXT)) LIKE %s",
                    [f"%{text.lower()}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    return found
