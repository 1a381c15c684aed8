"""Pure partials: HTML drawn from plain values, remembered per process.

A page such as a client's history or the case list draws the same small partial dozens of
times, mostly for rows that never change (contacts are written once) or rarely do (a case
row). Django's template engine spends most of a page's time there. A *pure* partial sees only
a flat mapping of plain values (text, numbers, dates, and tuples of those) built in Python
from the row, never a model: the same values always give the same HTML. So `render_pure`
keeps the HTML in a small per-process LRU, under the template's name, the active language,
time zone and script prefix and the values themselves. Nothing can go stale: whatever
changes is part of the key. CASEBOOK_FRAGMENT_CACHE_SIZE entries per process; 0 turns the
memory off (every call renders).

Two ways in: `render_pure(template, values)` from Python (a template tag that reads a row's
values), and the `{% pure name=value ... %}...{% endpure %}` block tag (clients/templatetags)
for a section of a template, which sees the named values and nothing else of the page.
"""

import datetime
import threading
from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.functional import LazyObject, Promise, empty
from django.utils.safestring import SafeData, SafeString

_PLAIN = (str, int, float, bool, type(None), datetime.datetime, datetime.date, datetime.time, Decimal)


_EXACTLY_PLAIN = frozenset(_PLAIN)


class NotPlain(TypeError):
    """A value that cannot be part of a key (a model, trusted markup, an unknown object)."""


class _LRU:
    """The least recently used entries go first; a lock, for threaded servers."""

    def __init__(self) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
            return html

    def put(self, key, html: SafeString, size: int) -> None:
        with self._lock:
            self._entries[key] = html
            while len(self._entries) > size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_memory = _LRU()


def _frozen(value):
    """The value as part of a key. The type goes in too: 1, 1.0 and True are equal in Python
    but are not drawn alike, and trusted markup (SafeData) must never share a key with the
    same text typed by a user, so it is refused outright: the template decides what is safe."""
    kind = type(value)  # the real type: a lazy object answers isinstance() for what it wraps
    if kind in _EXACTLY_PLAIN:  # most values: no subclass checks
        return (kind, value)
    if kind is tuple or kind is list:
        return (kind, tuple([_frozen(item) for item in value]))
    if kind is dict:
        return (dict, tuple([(_frozen(name), _frozen(item)) for name, item in value.items()]))
    if issubclass(kind, SafeData) or not issubclass(kind, _PLAIN):
        raise NotPlain(f"A pure partial takes plain values, not {kind.__name__}: {value!r:.80}")
    return (kind, value)


def plain(value):
    """A lazy object (SimpleLazyObject, a lazy translation) as the value it stands for."""
    if isinstance(value, Promise):
        return translated(value)
    if isinstance(value, LazyObject):
        if value._wrapped is empty:
            value._setup()
        return value._wrapped
    return value


class _Texts:
    """Lazy translations as text, per language: a form's labels, help and options are
    translated afresh on every page otherwise (a catalogue walk each, dozens per form). A
    lazy translation is the same text for the same language for the life of the process;
    entries are kept by the object's identity (held here, so its id cannot be reused)."""

    SIZE = 4000

    def __init__(self) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def text(self, lazy: Promise, language: str | None) -> str:
        key = (language, id(lazy))
        entry = self._entries.get(key)
        if entry is not None and entry[0] is lazy:
            return entry[1]
        text = str.__str__(str(lazy))
        with self._lock:
            self._entries[key] = (lazy, text)
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)
        return text


_texts = _Texts()


def translated(lazy: Promise, language: str | None = None) -> str:
    """A lazy translation as text in the active language (remembered: see `_Texts`);
    `language`: the active one, when the caller has read it already."""
    return _texts.text(lazy, language or translation.get_language())


def render_pure(template_name: str, values: dict) -> SafeString:
    """The partial drawn from `values` (its whole context), from memory when it was drawn
    with the same values, language, time zone and script prefix before."""
    return remember(template_name, values, lambda: get_template(template_name).render(values))


def remember(name: str, values: dict, draw: Callable[[], str]) -> SafeString:
    """What `draw()` returns for these values, drawn once per process for each set of values
    (and language, time zone, script prefix). `draw` must read nothing but `values`.

    With CASEBOOK_FRAGMENT_VERIFY (on in the tests) every piece found in memory is drawn
    again and must be the same, so a test that changes anything a piece shows, without it
    changing the values, fails instead of passing on stale HTML.
    """
    size = settings.CASEBOOK_FRAGMENT_CACHE_SIZE
    key = (
        name,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
        tuple([(name, _frozen(value)) for name, value in sorted(values.items())]),
    )
    html = _memory.get(key) if size else None
    if html is None:
        html = SafeString(draw())
        if size:
            _memory.put(key, html, size)
    elif settings.CASEBOOK_FRAGMENT_VERIFY and (fresh := draw()) != html:
        raise AssertionError(
            f"{name}: the remembered HTML differs from a fresh drawing with the same values:\n{html}\n{fresh}"
        )
    return html


def forget_all() -> None:
    """Empty this process's memory (tests)."""
    _memory.clear()
