"""Raw mail bytes (RFC 822 / MIME) into a clean, safe structure: `parse_message`.

Pure and independent of the database, so it can be tested on bytes alone. Mail comes from
anyone, so nothing here may raise: every step that can fail on malformed input falls back to
something plainer (the compat32 parser, utf-8 with replacement characters, a regex).
"""

import email
import email.header
import email.parser
import email.policy
import email.utils
import html
import itertools
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from html.parser import HTMLParser

import nh3

from core.text import NUL

logger = logging.getLogger(__name__)

# The values of inbox.models.MessageKind, repeated so this module needs no Django models.
PERSONAL, AUTOMATIC, BOUNCE, LIST = "personal", "automatic", "bounce", "list"

SUBJECT_MAX = 300
NAME_MAX = 200  # InboundMessage.from_name
ADDRESS_MAX = 320  # InboundMessage.from_email
# No real header is longer (a long thread's References stays well under it); longer ones are
# read the slow-proof way, see _parse.
_LONG_HEADER = 10_000


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str  # as given (decoded RFC 2231/2047), only the last path part, "" if none
    content: bytes
    content_type: str  # as declared, lower case


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str  # "<...>" as in the header; "" if none
    in_reply_to: list[str]  # message ids, each "<...>"
    references: list[str]
    from_email: str  # lower case; "" if none or not an address
    from_name: str
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To, lower case (for plus-address tokens)
    subject: str  # decoded, one line, at most 300 characters
    sent_at: datetime | None  # from Date, aware; None if missing or invalid
    full_text: str  # the text/plain part, else text made from the HTML part
    text: str  # full_text without quoted history and signature: what a timeline shows
    safe_html: str  # the HTML part sanitised; "" if none
    attachments: list[ParsedAttachment]
    kind: str  # a value of inbox.models.MessageKind
    bounced_message_ids: list[str]  # for a bounce: the Message-ID(s) of the original
    headers_only: bool = False


def parse_message(raw: bytes, *, headers_only: bool = False) -> ParsedMessage:
    """Parse one message's raw bytes; never raises, whatever the bytes.

    With `headers_only` (over-size mail of which only the header block was fetched) the
    body is not looked at: no text, no HTML, no attachments.
    """
    raw = bytes(raw or b"")
    try:
        return _parse(raw, headers_only)
    except Exception:
        # Not expected: every step has its own fallback. Should one be missing, the mail is
        # still taken in, as its bytes read as text, and the error is logged to be fixed.
        logger.exception("Could not parse a message of %d bytes", len(raw))
        text = "" if headers_only else _tidy(raw.decode("utf-8", "replace"))
        return ParsedMessage(
            message_id="",
            in_reply_to=[],
            references=[],
            from_email="",
            from_name="",
            recipients=[],
            subject="",
            sent_at=None,
            full_text=text,
            text=text,
            safe_html="",
            attachments=[],
            kind=PERSONAL,
            bounced_message_ids=[],
            headers_only=headers_only,
        )


def _parse(raw: bytes, headers_only: bool) -> ParsedMessage:
    # policy.default parses a header each time it is read, in time that grows faster than its
    # length (minutes for 600 KB of encoded words); no real header is that long, so such a
    # message is read with compat32, whose headers are raw strings decoded here.
    robust = _has_long_header(raw)
    msg = email.message_from_bytes(raw, policy=email.policy.compat32 if robust else email.policy.default)
    headers = _Headers(raw, msg, robust)

    from_name, from_email = "", ""
    for name, address in headers.addresses("From")[:1]:
        from_name, from_email = _one_line(name)[:NAME_MAX], address
    recipients = []
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        recipients += [address for _name, address in headers.addresses(header) if address]

    plain, html_body, attachments, reports = ([], [], [], []) if headers_only else _walk(msg)
    html_source = "\n".join(html_body)
    full_text = _tidy("\n\n".join(p.strip() for p in plain)) if plain else _tidy(html_to_text(html_source))
    kind = _kind(headers, msg, from_email)
    return ParsedMessage(
        message_id=_first_id(headers.first("Message-ID")) or headers.first("Message-ID").strip()[:998],
        in_reply_to=_ids(" ".join(headers.all("In-Reply-To"))),
        references=_ids(" ".join(headers.all("References"))),
        from_email=from_email,
        from_name=from_name,
        recipients=list(dict.fromkeys(recipients)),
        subject=_one_line(headers.first("Subject"))[:SUBJECT_MAX],
        sent_at=_date(headers.first("Date")),
        full_text=full_text,
        text=trim_reply(full_text),
        safe_html=sanitise_html(html_source) if html_source else "",
        attachments=attachments,
        kind=kind,
        bounced_message_ids=_bounced_ids(reports, full_text) if kind == BOUNCE else [],
        headers_only=headers_only,
    )


# --- Text that is safe to store --------------------------------------------------------------


def _clean(text: str) -> str:
    """No NUL (PostgreSQL refuses it) and no lone surrogates (they cannot be encoded as UTF-8).

    The email package keeps undecodable header bytes as surrogate escapes; most often they
    are raw UTF-8, so they are decoded as such, anything else becomes U+FFFD.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text.replace(NUL, "")


def _decode(data: bytes, charset: str | None) -> str:
    """The declared charset, else utf-8, strictly; then with replacement characters."""
    for candidate in (charset, "utf-8"):
        if candidate:
            try:
                return data.decode(candidate)
            except Exception:  # unknown charset, a non-text codec, or bytes invalid in it
                pass
    try:
        return data.decode(charset or "utf-8", "replace")
    except Exception:
        return data.decode("utf-8", "replace")


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded by hand: the fallback for headers policy.default chokes on."""
    if "=?" in value:
        # decode_header slows down faster than its input grows; no decoded header we keep
        # is longer than this (a subject is 300 characters).
        value = value[:_LONG_HEADER]
    try:
        chunks = email.header.decode_header(value)
    except Exception:
        return _clean(value)
    return _clean("".join(c if isinstance(c, str) else _decode(c, charset) for c, charset in chunks))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tidy(text: str) -> str:
    return _clean(text).replace("\r\n", "\n").replace("\r", "\n").strip()


# --- Headers ---------------------------------------------------------------------------------

# A header line and its continuation lines. Run over the whole message, so a body line that
# looks like one may also count: that only costs the compat32 reading.
_HEADER_FIELD = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[^\n]*(?:\n[ \t][^\n]*)*", re.MULTILINE)


def _has_long_header(raw: bytes) -> bool:
    return any(match.end() - match.start() > _LONG_HEADER for match in _HEADER_FIELD.finditer(raw))


class _Headers:
    """Headers read through policy.default, falling back to compat32 where that raises.

    policy.default decodes encoded words well but raises on some malformed headers when
    one is read (e.g. `Message-ID: <`); compat32 gives the raw string, which never fails.
    With `robust`, the message was parsed with compat32 and only raw strings are used.
    """

    def __init__(self, raw: bytes, msg: Message, robust: bool = False):
        self.raw, self.msg, self.robust, self._compat = raw, msg, robust, None

    def raw_all(self, name: str) -> list[str]:
        if self._compat is None:
            parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
            self._compat = parser.parsebytes(self.raw)
        return [str(value) for value in self._compat.get_all(name) or []]

    def all(self, name: str) -> list[str]:
        if not self.robust:
            try:
                return [_clean(str(value)) for value in self.msg.get_all(name) or []]
            except Exception:
                pass
        return [_decode_words(value) for value in self.raw_all(name)]

    def first(self, name: str) -> str:
        values = self.all(name)
        return values[0] if values else ""

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-cased address) pairs; the address is "" if it is not one."""
        pairs = None
        if not self.robust:
            try:
                pairs = []
                for value in self.msg.get_all(name) or []:
                    if hasattr(value, "addresses"):
                        pairs += [(a.display_name, a.addr_spec) for a in value.addresses]
                    else:  # Delivered-To and X-Original-To are not address headers to the registry
                        pairs += email.utils.getaddresses([str(value)])
            except Exception:
                pairs = None
        if pairs is None:
            # Raw strings, so a comma inside an encoded display name cannot split an address.
            pairs = [(_decode_words(n), a) for n, a in email.utils.getaddresses(self.raw_all(name))]
        return [(_clean(n), _address(a)) for n, a in pairs]


# Strict enough to refuse what is not an address at all; quoted local parts are too rare to allow.
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@([\w-]+(\.[\w-]+)*|\[[0-9a-f:.]+\])")


def _address(value: str) -> str:
    value = _clean(value).strip().lower()
    return value if len(value) <= ADDRESS_MAX and _ADDRESS.fullmatch(value) else ""


_ID = re.compile(r"<[^<>\s]+>")


def _ids(value: str) -> list[str]:
    return list(dict.fromkeys(_ID.findall(value)))


def _first_id(value: str) -> str:
    found = _ID.search(value)
    return found.group() if found else ""


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        sent_at = email.utils.parsedate_to_datetime(value)
    except Exception:  # ValueError, OverflowError, TypeError for all kinds of nonsense
        return None
    # "-0000" means UTC with no claim about the sender's zone (RFC 5322 3.3).
    return sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)


# --- MIME structure --------------------------------------------------------------------------


def _walk(msg: Message) -> tuple[list[str], list[str], list[ParsedAttachment], list[Message]]:
    """The text/plain bodies, the text/html bodies, the attachments, and the report parts
    (message/rfc822 and text/rfc822-headers) a bounce refers to."""
    plain, htmls, attachments, reports = [], [], [], []

    def visit(part: Message, depth: int) -> None:
        try:
            ctype = part.get_content_type()
            disposition = (part.get_content_disposition() or "").lower()
            filename = _filename(part)
            if ctype in ("message/rfc822", "text/rfc822-headers"):
                reports.append(part)
            if ctype == "message/rfc822":
                # A forwarded email or a bounced original: kept whole, never read as our text.
                attachments.append(ParsedAttachment(filename, _message_bytes(part), ctype))
            elif part.is_multipart():
                if depth < 50:  # deeper nesting is only ever an attack on recursion
                    for sub in part.get_payload():
                        visit(sub, depth + 1)
            elif disposition != "attachment" and ctype in ("text/plain", "text/html"):
                (plain if ctype == "text/plain" else htmls).append(_part_text(part))
            elif disposition == "attachment" or filename:
                attachments.append(ParsedAttachment(filename, part.get_payload(decode=True) or b"", ctype))
        except Exception:  # one broken part must not cost the rest of the message
            pass

    visit(msg, 0)
    return plain, htmls, attachments, reports


def _part_text(part: Message) -> str:
    return _decode(part.get_payload(decode=True) or b"", part.get_content_charset())


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        return ""
    if "=?" in name:  # RFC 2047 in a parameter: not allowed, but what Outlook and others send
        name = _decode_words(name)
    return _clean(re.split(r"[/\\]", name)[-1]).strip()


def _message_bytes(part: Message) -> bytes:
    try:
        return part.get_payload(0).as_bytes(policy=email.policy.compat32)
    except Exception:
        payload = part.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""


# --- Kind ------------------------------------------------------------------------------------

# Who sends bounces, and the subjects they use (Postfix, Exim, Sendmail, Exchange, Gmail).
_DAEMON = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
_FAILURE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status notification \(failure\)|failure|has failed)|"
    r"returned mail|failure notice|mail delivery (failed|failure|system)|could not be delivered",
    re.IGNORECASE,
)


def _kind(headers: _Headers, msg: Message, from_email: str) -> str:
    """Bounce, automatic, list, or personal: the first that applies.

    Only headers decide "automatic": a subject such as "Out of office" or "Automatic reply"
    is also what a person writes or forwards, and calling a client's own words automatic
    would hide them, while missing an auto-reply only adds a harmless entry. The autoresponders
    that matter (Exchange, Gmail, Zimbra, vacation(1)) all set one of these headers.
    """
    dsn = msg.get_content_type() == "multipart/report" and re.search(
        r"report-type\s*=\s*\"?delivery-status", headers.first("Content-Type"), re.IGNORECASE
    )
    from_daemon = _DAEMON.match(from_email) and _FAILURE_SUBJECT.search(headers.first("Subject"))
    # X-Failed-Recipients: Exim and Gmail set it, also on their bounces that are not DSNs.
    if dsn or from_daemon or headers.all("X-Failed-Recipients"):
        return BOUNCE
    auto_submitted = headers.first("Auto-Submitted").split(";")[0].strip().lower()
    suppress = {v.strip().lower() for v in headers.first("X-Auto-Response-Suppress").split(",")}
    precedence = headers.first("Precedence").strip().lower()
    if (
        auto_submitted not in ("", "no")
        or headers.all("X-Autoreply")
        or headers.all("X-Autorespond")
        or suppress & {"all", "oof", "autoreply"}
        or precedence == "auto_reply"
    ):
        return AUTOMATIC
    if precedence in ("bulk", "list", "junk") or headers.all("List-Id") or headers.all("List-Unsubscribe"):
        return LIST
    return PERSONAL


def _bounced_ids(reports: list[Message], full_text: str) -> list[str]:
    """The Message-ID(s) of the original a bounce reports on, from its returned message or
    headers part, else from a "Message-ID:" line in its text."""
    found = []
    for part in reports:
        try:
            if part.get_content_type() == "message/rfc822":
                text = _message_bytes(part).decode("utf-8", "replace")
            else:
                text = _part_text(part)
            original = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(text, headersonly=True)
            found += [_first_id(str(value)) for value in original.get_all("Message-ID") or []]
        except Exception:
            pass
    if not any(found):
        found = re.findall(r"^\s*Message-ID:\s*(<[^<>\s]+>)", full_text, re.IGNORECASE | re.MULTILINE)
    return list(dict.fromkeys(f for f in found if f))


# --- HTML ------------------------------------------------------------------------------------

_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
_INVISIBLE = {"head", "script", "style", "template", "title", "noscript"}


class _TextMaker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.hidden, self.pre = [], 0, 0

    def handle_starttag(self, tag, attrs):
        if tag in _INVISIBLE:
            self.hidden += 1
        elif tag == "pre":
            self.pre += 1
        if tag == "li":
            self.out.append("\n- ")
        elif tag in _BLOCKS:
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in ("br", "hr", "p", "div"):
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in _INVISIBLE:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCKS and tag not in ("br", "li"):
            self.out.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            # Outside <pre>, runs of whitespace (source line breaks too) are one space, as a browser shows them.
            self.out.append(data if self.pre else re.sub(r"[ \t\r\n\f]+", " ", data))


# Both HTML parsers here slow down faster than input grows on hostile HTML: html.parser on
# unclosed tags (CVE-2025-6069, unfixed in this Python), html5ever (nh3) on deep nesting and
# long runs of "&#". Past these bounds, which no real mail reaches (browsers stop nesting at
# 512), the text is made by stripping tags and there is no HTML view.
HTML_MAX_CHARS = 500_000
HTML_MAX_DEPTH = 512
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
# Elements that are never open for long: void ones, and those a parser closes by itself.
_SHALLOW = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "p",
    "li", "td", "th", "tr", "dt", "dd", "option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "caption",
    "html", "head", "body",
}  # fmt: skip


def _parseable(source: str) -> bool:
    if len(source) > HTML_MAX_CHARS:
        return False
    depth = 0
    for tag in _TAG.finditer(source):
        if tag.group(2).lower() not in _SHALLOW:
            depth = max(0, depth - 1) if tag.group(1) else depth + 1
            if depth > HTML_MAX_DEPTH:
                return False
    return True


def html_to_text(source: str) -> str:
    """The readable text of an HTML body: blocks and <br> become line breaks, scripts and
    styles are dropped, entities unescaped."""
    if not source:
        return ""
    try:
        if not _parseable(source):
            raise ValueError("too large or too deep for the HTML parsers")
        # html5ever first makes the HTML well-formed (closed tags, quoted attributes), so
        # html.parser never meets the malformed input it is slow or fragile on.
        tidy = nh3.clean(_clean(source), tags=_BLOCKS | {"td", "th"}, attributes={}, clean_content_tags=_INVISIBLE)
        maker = _TextMaker()
        maker.feed(tidy)
        maker.close()
        text = "".join(maker.out)
    except Exception:
        body = source[max(0, source.lower().find("<body")) :]  # the <head> holds the styles
        text = re.sub(r"[ \t]+", " ", html.unescape(re.sub(r"<[^<>]*>", " ", body)))
    lines = [line.strip() for line in text.replace("\xa0", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_TAGS = {
    "p", "br", "div", "span", "b", "strong", "i", "em", "u", "a", "ul", "ol", "li", "blockquote", "pre", "code",
    "table", "thead", "tbody", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip


def sanitise_html(source: str) -> str:
    """The HTML body as safe to show: an allow-list of tags, links only to http(s) and mailto
    with rel="noopener noreferrer nofollow", and no images at all (a remote one is a tracker,
    a cid: or data: one shows nothing useful outside the mail client)."""
    if not _parseable(source):
        return ""
    try:
        return (
            nh3.clean(
                _clean(source),
                tags=_TAGS,
                clean_content_tags={"script", "style", "title", "head", "noscript", "template"},
                attributes={"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}},
                link_rel="noopener noreferrer nofollow",
                url_schemes={"http", "https", "mailto"},
                url_relative="deny",  # mail has no base URL, so a relative link leads nowhere meant
            )
            .replace(NUL, "")
            .strip()
        )
    except Exception:
        return ""


# --- Trimming quoted history and signatures --------------------------------------------------

# "On <date>, <someone> wrote:" in the languages clients most often write in (the patterns
# talon and email_reply_parser use, kept to the common ones).
_REPLY_HEADER = re.compile(
    r"^(On\b.{1,300}\bwrote|Le\b.{1,300}\ba écrit|Am\b.{1,300}\bschrieb\b.{0,300}|El\b.{1,300}\bescribió"
    r"|Op\b.{1,300}\bschreef\b.{0,300}|Il\b.{1,300}\bha scritto|Em\b.{1,300}\bescreveu)\s?:$",
    re.IGNORECASE,
)
_HISTORY_START = re.compile(
    r"^(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original"
    r"|Oorspronkelijk bericht|Messaggio originale|Forwarded message)\s*-{2,}|_{20,}|Begin forwarded message:)$",
    re.IGNORECASE,
)
# Outlook's header block: "From:" followed closely by "Sent:"/"Date:" and "To:"/"Subject:".
_OUTLOOK_FROM = re.compile(r"^\*?(From|De|Von|Van|Da)\s?:", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\*?(Sent|Date|Envoyé|Gesendet|Datum|Enviado|Fecha|Verzonden|Inviato)\s?:", re.I)
_OUTLOOK_SUBJECT = re.compile(r"^\*?(To|Subject|À|Objet|An|Betreff|Para|Asunto|Aan|Onderwerp|A|Oggetto)\s?:", re.I)
_DEVICE_LINE = re.compile(
    r"^(Sent from my .{1,40}|Get Outlook for .{1,40}|Sent from (Mail|Outlook|Yahoo Mail) for .{1,40}"
    r"|Envoyé de mon .{1,40}|Von meinem .{1,40} gesendet)$",
    re.IGNORECASE,
)
_LONGEST_MARKER = 700  # longer lines are never a header or marker, and are not run through the patterns


def _short(line: str) -> str:
    """The line stripped, or "" if it is too long to be a header or marker."""
    stripped = line.strip()
    return stripped if len(stripped) <= _LONGEST_MARKER else ""


def _is_quote(line: str) -> bool:
    return line.lstrip(" ").startswith(">")


def _reply_header_length(lines: list[str], i: int) -> int:
    """How many lines (1 or 2, a client may wrap it) the reply header at line i spans; 0 if none."""
    line = _short(lines[i])
    if not line:
        return 0
    if _REPLY_HEADER.match(line):
        return 1
    following = _short(lines[i + 1]) if i + 1 < len(lines) else ""
    return 2 if following and _REPLY_HEADER.match(f"{line} {following}") else 0


def _is_outlook_block(lines: list[str], i: int) -> bool:
    if not _OUTLOOK_FROM.match(_short(lines[i])):
        return False
    following = [_short(line) for line in lines[i + 1 : i + 7]]
    return any(_OUTLOOK_SENT.match(line) for line in following) and any(
        _OUTLOOK_SUBJECT.match(line) for line in following
    )


def trim_reply(full_text: str) -> str:
    """The new part of a message: quoted history and signature removed, as a timeline shows it.

    Quoted (">") lines go wherever they are, with the "On ... wrote:" line that introduces
    them, so an answer written between or below quotes is kept. An unquoted history (Outlook,
    or HTML mail made into text) is cut from its header or separator to the end, as is a
    signature from its "-- " line. If nothing is left, the whole text is the answer.
    """
    lines = full_text.split("\n")
    kept = []
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _reply_header_length(lines, i)
        if header:
            after = next((later for later in itertools.islice(lines, i + header, None) if later.strip()), "")
            if _is_quote(after):
                i += header  # it introduces a quote: drop it with the quote
                continue
            break  # an unquoted history follows: everything from here is history
        if line in ("-- ", "--") or _HISTORY_START.match(_short(line)) or _is_outlook_block(lines, i):
            break
        if not _is_quote(line) and not _DEVICE_LINE.match(_short(line)):
            kept.append(line.rstrip())
        i += 1
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return text or full_text.strip()
