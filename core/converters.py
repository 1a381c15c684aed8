"""URL converters."""

# The largest value of PostgreSQL's bigint, the type of every primary key here.
MAX_ID = 2**63 - 1


class IdConverter:
    """A database id in a URL: 1 to 19 digits, at most bigint's maximum.

    A larger number would reach the database as an out-of-range parameter (a server error
    on PostgreSQL); refusing it here makes it a plain 404, like any id that does not exist.
    Every <id:...> in the URLconf uses this; the tests refuse the built-in <id:...>.
    """

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("not a database id")  # the URL does not match: 404
        return number

    def to_url(self, value) -> str:
        return str(value)
