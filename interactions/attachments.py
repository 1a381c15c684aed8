"""Files attached to contacts: what is accepted, judged on the bytes, and where they live.

A file is accepted when its content is one of a short list of harmless kinds (images,
PDF, plain text, emails, office documents) *and* its name ends the way that kind does:
an HTML page renamed `.png` is refused, so is anything a browser could run (HTML, SVG,
XML, scripts, programs). The kinds are few, so the sniffing is written here (a handful of
well-known signatures) rather than taken from a general-purpose library that knows
hundreds of kinds we would refuse anyway.

Files are stored by `AttachmentStorage` under random names in a directory outside the web
root, and leave it only through the download view, which checks team scope.
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, storages
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# Enough to see any signature and an email's header block.
HEAD_BYTES = 64 * 1024

PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
PDF = "application/pdf"
TEXT = "text/plain"
EMAIL = "message/rfc822"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

# The name's ending says which kind the content must be.
EXTENSIONS = {
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".gif": GIF,
    ".webp": WEBP,
    ".pdf": PDF,
    ".txt": TEXT,
    ".eml": EMAIL,
    ".docx": DOCX,
    ".xlsx": XLSX,
    ".pptx": PPTX,
    ".odt": ODT,
    ".ods": ODS,
}
ACCEPTED_HINT = _(
    "images (PNG, JPEG, GIF, WebP), PDF, plain text (.txt), emails (.eml) "
    "and office documents (.docx, .xlsx, .pptx, .odt, .ods)"
)

_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"%PDF-", PDF),
]
_PROGRAMS = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
_OPEN_DOCUMENT = {ODT.encode(): ODT, ODS.encode(): ODS}
_OOXML_FOLDERS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
# What a browser would take for a page, a drawing made of code, or markup: refused even as text.
_MARKUP = re.compile(
    rb"<(?:!--|\?xml|(?:!doctype|html|head|body|script|iframe|svg|xml|style|meta|link|object|embed)\b)", re.I
)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]")
_EMAIL_HEADERS = {b"from", b"to", b"date", b"subject", b"received", b"return-path", b"message-id", b"mime-version"}
_REFUSED_MARKUP = _(
    "This file holds a web page, SVG or XML, which can carry code; attach a screenshot or a PDF of it instead."
)
_REFUSED_PROGRAM = _("Programs and scripts cannot be attached.")


class AttachmentStorage(FileSystemStorage):
    """Files readable by this process only, with no URL: they are served by the download view."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    def url(self, name):
        raise ValueError("Attachments have no public URL; link to cases:attachment_download.")


def attachment_storage() -> FileSystemStorage:
    return storages["attachments"]


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed the checks, with the content type its bytes showed."""

    file: object
    name: str
    size: int
    content_type: str


def _read_head(file) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\b\x1b")
    return controls > len(head) // 100


def _looks_like_email(head: bytes) -> bool:
    """RFC 5322 header lines up to the first blank line, with at least two familiar names."""
    names = set()
    for line in head.lstrip(b"\xef\xbb\xbf").splitlines():
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue  # a folded header continues the one above
        if not _HEADER_LINE.match(line):
            return False
        names.add(line.split(b":", 1)[0].lower())
    return len(names & _EMAIL_HEADERS) >= 2


def _office_type(file) -> str:
    """An office document is a zip archive; which one is told by its entries, read from the
    archive's directory only (nothing is unpacked)."""
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if len(entries) > 10_000:
                raise ValidationError(_("This archive holds too many entries to be an office document."))
            names = [entry.filename for entry in entries]
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise ValidationError(_("Documents with macros cannot be attached; save it without macros."))
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                kind = _OPEN_DOCUMENT.get(archive.read("mimetype").strip())
                if kind:
                    return kind
            if "[Content_Types].xml" in names:
                for folder, kind in _OOXML_FOLDERS.items():
                    if any(name.startswith(folder) for name in names):
                        return kind
    except zipfile.BadZipFile:
        raise ValidationError(_("This file looks like a damaged archive.")) from None
    finally:
        file.seek(0)
    raise ValidationError(_("Archives cannot be attached. Accepted: %(accepted)s.") % {"accepted": ACCEPTED_HINT})


def sniff(file) -> str:
    """The content type the file's bytes show, or a ValidationError saying why it is refused."""
    head = _read_head(file)
    if not head:
        raise ValidationError(_("This file is empty."))
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _office_type(file)
    if head.startswith(_PROGRAMS):
        raise ValidationError(_REFUSED_PROGRAM)
    if _looks_binary(head):
        raise ValidationError(
            _("This kind of file cannot be attached. Accepted: %(accepted)s.") % {"accepted": ACCEPTED_HINT}
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n\f")
    if _MARKUP.match(start):
        raise ValidationError(_REFUSED_MARKUP)
    if start.startswith(b"#!"):
        raise ValidationError(_REFUSED_PROGRAM)
    return EMAIL if _looks_like_email(head) else TEXT


def attachment_validate(file) -> CheckedFile:
    """Check one uploaded file: a name we can store, the size limit, an accepted kind of
    content, and a name ending that agrees with the content. Raises ValidationError."""
    name = file.name or ""
    if not name or "\x00" in name:
        raise ValidationError(_("This file's name cannot be stored; rename it and try again."))
    label = f"“{name}”"
    limit = int(settings.CASEBOOK_ATTACHMENT_MAX_MB * 1024 * 1024)
    if file.size > limit:
        raise ValidationError(
            _("%(file)s is %(size)s; files of up to %(limit)s can be attached.")
            % {"file": label, "size": filesizeformat(file.size), "limit": filesizeformat(limit)}
        )
    expected = EXTENSIONS.get(PurePosixPath(name.lower()).suffix)
    if expected is None:
        raise ValidationError(
            _("%(file)s: this kind of file cannot be attached. Accepted: %(accepted)s.")
            % {"file": label, "accepted": ACCEPTED_HINT}
        )
    try:
        found = sniff(file)
    except ValidationError as error:
        raise ValidationError(f"{label}: {error.messages[0]}") from None
    if found == EMAIL and expected == TEXT:
        found = TEXT  # an email saved as text is text
    if found != expected:
        raise ValidationError(
            _(
                "%(file)s does not hold what its name says: its content is not %(kind)s. "
                "Save it in the right format, or give it the name ending that matches."
            )
            % {"file": label, "kind": _describe(expected)}
        )
    return CheckedFile(file=file, name=name, size=file.size, content_type=found)


def attachments_validate(files) -> list[CheckedFile]:
    """Check the files of one contact: how many, then each. All errors at once."""
    files = list(files)
    maximum = settings.CASEBOOK_ATTACHMENT_MAX_COUNT
    if len(files) > maximum:
        raise ValidationError(f"Attach at most {maximum} files to one contact (you chose {len(files)}).")
    checked, errors = [], []
    for file in files:
        try:
            checked.append(attachment_validate(file))
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def _describe(content_type: str) -> str:
    return {
        PNG: _("a PNG image"),
        JPEG: _("a JPEG image"),
        GIF: _("a GIF image"),
        WEBP: _("a WebP image"),
        PDF: _("a PDF"),
        TEXT: _("plain text"),
        EMAIL: _("an email"),
    }.get(content_type, _("an office document of that kind"))
