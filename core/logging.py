"""Logging filters."""

import logging


class ExpectedAnswersWithoutTraceback(logging.Filter):
    """A 4xx answer is expected (a wrong id, a missing permission): log it as one line.

    Django's request logger attaches the exception's traceback to the warning it writes
    for a 403 or a 400; that traceback says nothing about a fault and buries real errors
    in the log. Server errors (5xx) keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
