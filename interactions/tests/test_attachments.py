"""Files on contacts: judged on their bytes, stored under random names outside the web
root, and downloaded only by the case's team, as a download that nothing can run."""

import hashlib
import io
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts.tests.factories import UserFactory
from interactions.attachments import attachment_storage, attachment_validate, attachments_validate, sniff
from interactions.models import Attachment, Interaction
from interactions.services import interaction_log

# Smallest valid headers of each kind; the rest of a real file does not matter to the check.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 30
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
EMAIL = b"From: Greta Holm <greta@example.com>\r\nTo: care@example.com\r\nSubject: Oven\r\n\r\n<html>Hi</html>\r\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def upload(name, content, content_type="application/octet-stream"):
    # The browser's claimed type is ignored: only the bytes count.
    return SimpleUploadedFile(name, content, content_type=content_type)


def office(folder: str, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<doc/>")
        for name, body in (extra or {}).items():
            archive.writestr(name, body)
    return buffer.getvalue()


def odf(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", "<office/>")
    return buffer.getvalue()


# --- The check on content -----------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("screen.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("wave.gif", GIF, "image/gif"),
        ("shot.webp", WEBP, "image/webp"),
        ("contract.pdf", PDF, "application/pdf"),
        ("call notes.txt", "Ünïcode notes 🙂 and a <b> tag later on".encode(), "text/plain"),
        ("complaint.eml", EMAIL, "message/rfc822"),
        ("email saved as text.txt", EMAIL, "text/plain"),
        ("offer.docx", office("word/"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("costs.xlsx", office("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("plan.odt", odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_accepted_kinds_are_recognised_by_their_bytes(name, content, content_type):
    checked = attachment_validate(upload(name, content, content_type="text/html"))
    assert checked.content_type == content_type
    assert checked.name == name and checked.size == len(content)


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("page.html", HTML, "cannot be attached"),  # not on the list at all
        ("page.png", HTML, "web page"),  # an HTML page renamed .png
        ("page.txt", HTML, "web page"),
        ("page.txt", b"\xef\xbb\xbf  \n<html><body>hi", "web page"),
        ("logo.svg", SVG, "cannot be attached"),
        ("logo.png", SVG, "web page"),
        ("logo.txt", b"<svg onload=alert(1)>", "web page"),
        ("data.txt", b'<?xml version="1.0"?><a/>', "web page"),
        ("comment.txt", b"<!-- hidden --><script>x</script>", "web page"),
        ("run.txt", b"#!/bin/sh\nrm -rf /\n", "Programs and scripts"),
        ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60, "Programs and scripts"),
        ("tool.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "Programs and scripts"),
        ("photo.png", JPEG, "is not a PNG image"),  # a real image under the wrong name
        ("contract.pdf", PNG, "is not a PDF"),
        ("notes.eml", b"Just some notes, not an email.\n", "is not an email"),
        ("bundle.docx", office("other/"), "Archives cannot be attached"),
        ("macro.docx", office("word/", {"word/vbaProject.bin": "x"}), "macros"),
        ("broken.docx", b"PK\x03\x04garbage", "damaged"),
        ("blob.txt", bytes(range(256)) * 4, "cannot be attached"),
        ("empty.txt", b"", "empty"),
        ("notes", b"no extension", "cannot be attached"),
    ],
)
def test_refused_files_say_why(name, content, says):
    with pytest.raises(ValidationError) as refused:
        attachment_validate(upload(name, content, content_type="image/png"))
    message = refused.value.messages[0]
    assert says in message
    assert name in message  # the user sees which file it was


def test_sniffing_leaves_the_file_ready_to_be_read_again():
    file = upload("screen.png", PNG)
    assert sniff(file) == "image/png"
    assert file.read() == PNG


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.CASEBOOK_ATTACHMENT_MAX_MB = 0.001  # about 1 KB
    with pytest.raises(ValidationError, match=r"files of up to 1\.0"):
        attachment_validate(upload("big.txt", b"a" * 2000))
    assert attachment_validate(upload("small.txt", b"a" * 1000)).size == 1000


def test_too_many_files_are_refused_and_every_bad_one_is_named(settings):
    settings.CASEBOOK_ATTACHMENT_MAX_COUNT = 2
    with pytest.raises(ValidationError, match="at most 2 files"):
        attachments_validate([upload(f"{i}.txt", b"x") for i in range(3)])
    with pytest.raises(ValidationError) as refused:
        attachments_validate([upload("a.png", HTML), upload("b.pdf", PNG)])
    assert len(refused.value.messages) == 2


def test_a_name_with_a_nul_character_is_refused():
    with pytest.raises(ValidationError, match="name cannot be stored"):
        attachment_validate(upload("bad\x00name.txt", b"text"))


# --- Storing ---------------------------------------------------------------------------


def log(actor, case, *files, **overrides):
    fields = {"channel": "email", "direction": "inbound", "mood": "calm", "summary": "Sent the contract back."}
    fields.update(overrides)
    return interaction_log(actor=actor, case=case, attachments=list(files), **fields)


def test_files_are_stored_with_the_contact_under_random_names(agent, case):
    interaction = log(agent, case, upload("../../etc/contract.pdf", PDF), upload("screen.png", PNG))
    first, second = interaction.attachments.all()
    # Django's upload keeps the last part of a name; it is kept as such, and only ever shown.
    assert first.original_name == "contract.pdf"
    assert first.content_type == "application/pdf" and first.size == len(PDF)
    assert first.sha256 == hashlib.sha256(PDF).hexdigest()
    assert first.uploaded_by == agent and first.uploaded_at is not None
    for attachment in (first, second):
        assert "contract" not in attachment.stored_name and "screen" not in attachment.stored_name
        assert "." not in Path(attachment.stored_name).name  # no extension on disk
    assert first.stored_name != second.stored_name
    assert attachment_storage().open(first.stored_name).read() == PDF


def test_the_storage_is_outside_the_web_root_and_has_no_url():
    root = Path(attachment_storage().location).resolve()
    for served in (Path(settings.STATIC_ROOT).resolve(), *(Path(p).resolve() for p in settings.STATICFILES_DIRS)):
        assert not root.is_relative_to(served) and not served.is_relative_to(root)
    with pytest.raises(ValueError, match="no public URL"):
        attachment_storage().url("anything")


def test_the_default_location_is_var_attachments_from_the_environment():
    # Without CASEBOOK_ATTACHMENT_ROOT set, the settings module picks var/attachments.
    from casebook import settings as project_settings

    location = project_settings.STORAGES["attachments"]["OPTIONS"]["location"]
    assert Path(location).name == "attachments"
    assert not Path(location).resolve().is_relative_to(Path(project_settings.STATIC_ROOT).resolve())


def test_a_refused_file_saves_nothing_at_all(agent, case):
    files_before = _stored_files()
    with pytest.raises(ValidationError) as refused:
        log(agent, case, upload("ok.png", PNG), upload("page.png", HTML))
    assert "attachments" in refused.value.message_dict
    assert not Interaction.objects.exists() and not Attachment.objects.exists()
    assert _stored_files() == files_before


def test_a_resubmitted_form_stores_its_files_once(agent, case):
    key = uuid.uuid4()
    first = log(agent, case, upload("screen.png", PNG), request_key=key)
    again = log(agent, case, upload("screen.png", PNG), request_key=key)
    assert again == first and Attachment.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger that refuses changes is PostgreSQL's")
def test_the_database_refuses_to_change_or_remove_an_attachment(agent, case):
    from django.db import IntegrityError, transaction

    attachment = log(agent, case, upload("screen.png", PNG)).attachments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.filter(pk=attachment.pk).update(original_name="other.png")
    with pytest.raises(IntegrityError), transaction.atomic():
        Attachment.objects.filter(pk=attachment.pk).delete()


def _stored_files() -> set[str]:
    root = Path(attachment_storage().location)
    return {str(p) for p in root.rglob("*") if p.is_file()}


# --- Pages -------------------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "channel": "email",
        "direction": "inbound",
        "mood": "frustrated",
        "summary": "She sent the signed contract and a screenshot.",
        "occurred_at": "",
        "request_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("htmx", [True, False])
def test_files_uploaded_with_the_log_form_show_on_the_timeline(agent_client, case, htmx):
    url = reverse("cases:log_interaction", args=[case.pk])
    data = form_data(attachments=[upload('"><img src=x onerror=alert(1)>.pdf', PDF), upload("screen.png", PNG)])
    headers = {"HX-Request": "true"} if htmx else {}
    response = agent_client.post(url, data, headers=headers)
    interaction = Interaction.objects.get()
    assert interaction.attachments.count() == 2
    if not htmx:
        assert response.status_code == 302
        response = agent_client.get(case.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    attachment = interaction.attachments.get(original_name='"><img src=x onerror=alert(1)>.pdf')
    assert reverse("cases:attachment_download", args=[attachment.pk]) in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.pdf" in html and "<img src=x" not in html
    assert "application/pdf" in html and "screen.png" in html


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_file_keeps_what_was_typed_and_saves_nothing(agent_client, case, htmx):
    url = reverse("cases:log_interaction", args=[case.pk])
    typed = "Everything I typed about the <angry> call"
    data = form_data(summary=typed, mood="angry", attachments=[upload("photo.png", HTML)])
    response = agent_client.post(url, data, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Everything I typed about the &lt;angry&gt; call" in html
    assert "photo.png" in html and "web page" in html
    assert "choose them again" in html
    assert 'value="angry" selected' in html
    assert not Interaction.objects.exists() and not Attachment.objects.exists()


def test_too_many_files_on_the_page_are_refused(agent_client, case, settings):
    settings.CASEBOOK_ATTACHMENT_MAX_COUNT = 1
    url = reverse("cases:log_interaction", args=[case.pk])
    response = agent_client.post(url, form_data(attachments=[upload("a.txt", b"a"), upload("b.txt", b"b")]))
    assert response.status_code == 422 and "at most 1 files" in response.content.decode()
    assert not Interaction.objects.exists()


def test_a_correction_can_carry_files(agent_client, case, agent):
    original = log(agent, case)
    url = reverse("cases:correct_interaction", args=[case.pk, original.pk])
    assert 'enctype="multipart/form-data"' in agent_client.get(url).content.decode()
    response = agent_client.post(url, form_data(attachments=[upload("right.pdf", PDF)]))
    assert response.status_code == 302
    assert Interaction.objects.get(corrects=original).attachments.get().original_name == "right.pdf"


@pytest.fixture
def stored(agent, case):
    interaction = log(agent, case, upload("Relevé “final” été.pdf", PDF), upload("page.txt", b"plain words <x>"))
    return {a.content_type: a for a in interaction.attachments.all()}


def _download(client, attachment):
    return client.get(reverse("cases:attachment_download", args=[attachment.pk]))


def test_the_team_downloads_a_file_with_safe_headers(agent_client, stored):
    response = _download(agent_client, stored["application/pdf"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; ")
    # Not plain ASCII: sent in the RFC 5987 form, so no quote or line break can break the header.
    encoded = "filename*=utf-8''Relev%C3%A9%20%E2%80%9Cfinal%E2%80%9D%20%C3%A9t%C3%A9.pdf"
    assert encoded in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'; sandbox")
    assert "no-store" in response["Cache-Control"]


def test_text_is_a_download_too_never_a_page(agent_client, stored):
    response = _download(agent_client, stored["text/plain"])
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="page.txt"'


def test_a_teammate_manager_and_admin_may_download(client, stored, teammate, manager, admin):
    for user in (teammate, manager, admin):
        client.force_login(user)
        assert _download(client, stored["application/pdf"]).status_code == 200


def test_another_team_gets_404_and_no_bytes(outsider_client, stored):
    response = _download(outsider_client, stored["application/pdf"])
    assert response.status_code == 404
    assert not response.streaming and b"%PDF" not in response.content


def test_a_logged_out_request_is_sent_to_log_in_and_gets_no_bytes(client, stored):
    response = _download(client, stored["application/pdf"])
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not response.streaming and b"%PDF" not in response.content


def test_an_unknown_attachment_is_404(agent_client, db):
    assert agent_client.get(reverse("cases:attachment_download", args=[999999])).status_code == 404


def test_a_user_without_a_team_gets_404(client, stored):
    client.force_login(UserFactory(username="loner"))
    assert _download(client, stored["application/pdf"]).status_code == 404


def test_the_client_page_lists_the_files(agent_client, agent, customer, case):
    log(agent, case, upload("screen.png", PNG))
    html = agent_client.get(customer.get_absolute_url()).content.decode()
    assert "screen.png" in html
