"""The one rule for text that arrives from outside: no NUL character.

PostgreSQL cannot store a NUL (0x00) in text, and no person types one: it comes from a
damaged paste or a hostile client. Forms already refuse it field by field (Django's
CharField); `RefuseNulCharacters` applies the same rule to everything else a request
carries (query parameters, form fields read without a form), so no view has to remember.
"""

NUL = "\x00"


def has_nul(*texts: str) -> bool:
    return any(NUL in text for text in texts)


def fields_with_nul(data) -> list[str]:
    """The names of the fields of a QueryDict whose name or any text value holds a NUL."""
    names = set()
    for key, values in data.lists():
        if has_nul(key, *(value for value in values if isinstance(value, str))):
            names.add(key.replace(NUL, "\\0"))
    return sorted(names)
