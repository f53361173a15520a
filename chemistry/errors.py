"""Exceptions raised for bad input; the command line turns them into one-line messages and exit code 2."""


class InputError(ValueError):
    """A user mistake in the input (missing column, wrong unit, out-of-range value). The message names the
    file (when known), the column and the row."""

    def __init__(self, message: str, *, file: str | None = None, column: str | None = None, row=None):
        self.file, self.column, self.row = file, column, row
        where = []
        if file:
            where.append(str(file))
        if column:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")
