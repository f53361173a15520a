"""The user-mistake exception of the command line (one line on stderr, exit code 2)."""


class UserError(Exception):
    """Raised for a user mistake; printed as one line, exit code 2."""
