"""Exceptions raised for bad input; the command line turns them into one-line messages and exit code 2."""


class InputError(ValueError):
    """A user mistake in the input (missing column, wrong unit, out-of-range value). The message names the
    file (when known), the column and the row.

    ``row`` is a file line where the input is a file (the header is line 1, the first data row line 2);
    ``index`` is a 0-based position in an array argument, printed as ``column[i]``.
    ``message`` keeps the bare text without the location."""

    def __init__(self, message: str, *, file: str | None = None, column: str | None = None, row=None,
                 index: int | None = None):
        self.file, self.column, self.row, self.index, self.message = file, column, row, index, message
        where = []
        if file:
            where.append(str(file))
        if column and index is not None:
            where.append(f"{column}[{index}]")
        elif column:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")


class InputTypeError(InputError, TypeError):
    """An argument of the wrong type (a string where numbers are expected, say); the message names the argument.
    Also an :class:`InputError`, so the command line reports it as one."""
