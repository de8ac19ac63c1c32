"""No English and no raw database text reaches a person (issue 15).

Every admin page kind of every registered model (list, add, change, delete, history, and
the add form's error state), and every dashboard and public page the sweep of
tests/security/test_headers.py finds, rendered in Persian from the seeded demo: the visible
text (and what a screen reader says: titles, placeholders, labels, image texts) must hold
no word in Latin script outside a short allow-list of codes, units and brand names. Data
typed in Latin (user names, codes such as MNK-1402-1) is not wording and is left out by
looking it up in the database, not by listing it.

And every database constraint that the admin checks before saving has a Persian message of
its own: Django's default (`Constraint "meeting_exactly_one_body" is violated.`) names the
constraint.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import CheckConstraint, UniqueConstraint
from django.test import Client
from django.urls import NoReverseMatch, reverse

# The demo and a row of every model it leaves empty, built once for the module.
from tests.security.test_admin_object_urls import demo, demo_once  # noqa: F401
from tests.security.test_headers import ROLES, sweep_answers

pytestmark = [pytest.mark.django_db, pytest.mark.wording]

# Words in Latin script a person may read, with the reason.
ALLOWED = {
    "SMS",  # the channel's own name, as residents say it
    "PDF",  # the certificate's and the minutes' file kind
    "QR",  # the certificate's code
    "Excel",  # the spreadsheet program staff import from
    "xlsx",
    "csv",
    "CSV",
    "API",  # the mobile interface's name in the API docs link
    "OpenAPI",
    "Swagger",
    "JSON",
    "TOTP",  # the authenticator standard, shown beside its Persian name
    "Google",  # "Google Authenticator", the app named on the second-factor page
    "Authenticator",
    "Microsoft",
    "iOS",
    "Android",
    "Vazirmatn",  # the font's name in the certificate preview
    "JPEG",  # image formats, as the upload help names them
    "PNG",
    "WebP",
}
# Codes: cohort codes (MNK-1402-1), tracking numbers, certificate numbers.
CODE = re.compile(r"^[A-Z]{2,5}(-[0-9A-Z]+)*-?$")
# A word of Latin letters; one with digits in it (argon2, a token's hex) is a technical name
# or a value, and a masked value (ohMQgi****) or a stored file's path is data.
WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’]*[A-Za-z0-9]")
DATA_TEXT = re.compile(r"\*{4}")
FILE_NAME = re.compile(r"[\w./-]+\.(jpg|jpeg|png|webp|xlsx|xls|csv|pdf)\b")
HIDDEN_TAGS = {"script", "style", "code", "pre", "template", "noscript"}
SPOKEN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class VisibleText(HTMLParser):
    """What a person reads or hears of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in HIDDEN_TAGS:
            self.hidden += 1
            return
        for name in SPOKEN_ATTRIBUTES:
            if values.get(name):
                self.texts.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            self.texts.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data.strip())


HIDDEN_INPUT = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
ATTRIBUTE = re.compile(r'(name|value)="([^"]*)"')


def hidden_inputs(body: str) -> dict[str, str]:
    fields = {}
    for tag in HIDDEN_INPUT.findall(body):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def data_words() -> set[str]:
    """Latin words that are data, not wording: user names and the like, as stored."""
    words = set()
    for username in get_user_model().objects.values_list("username", flat=True):
        words.update(WORD.findall(username))
    # What browsers sent as their name, kept in the sign-in records.
    for agent in AccessAttempt.objects.values_list("user_agent", flat=True):
        words.update(WORD.findall(agent))
    return words


def latin_words(body: str, data: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(body)
    found = set()
    for text in parser.texts:
        if DATA_TEXT.search(text):
            continue
        for word in WORD.findall(FILE_NAME.sub("", text)):
            if word in ALLOWED or word in data or CODE.match(word) or re.search(r"\d", word):
                continue
            found.add(word)
    return found


def admin_pages(client: Client) -> list[tuple[str, str, str | None]]:
    """(kind, url, what to send or None) of every page kind of every registered model."""
    request = client.request().wsgi_request
    pages = [("index", reverse("admin:index"), None)]
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        pages.append(("list", reverse(f"admin:{info}_changelist"), None))
        if model_admin.has_add_permission(request):
            add = reverse(f"admin:{info}_add")
            pages += [("add", add, None), ("add with errors", add, "empty form")]
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is None:
            continue
        kinds = ["change", "history"]
        if model_admin.has_delete_permission(request, first):
            kinds.append("delete")
        for kind in kinds:
            try:
                pages.append((kind, reverse(f"admin:{info}_{kind}", args=[first.pk]), None))
            except NoReverseMatch:
                continue
    return pages


def report(found: dict[str, set[str]]) -> str:
    by_word: dict[str, list[str]] = {}
    for url, words in found.items():
        for word in words:
            by_word.setdefault(word, []).append(url)
    return "\n".join(
        f"{word!r} on {len(urls)} pages, e.g. {sorted(urls)[:3]}"
        for word, urls in sorted(by_word.items(), key=lambda item: -len(item[1]))
    )


@pytest.mark.usefixtures("demo")
def test_no_latin_wording_in_the_admin():
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username="admin"))
    data = data_words()
    found, kinds, failed = {}, set(), []
    for kind, url, post in admin_pages(client):
        response = client.get(url)
        if post is not None and response.status_code == 200:
            # The form sent as a person would send it untouched: its hidden fields (the
            # inline formsets' counts) as the page gave them, every other field empty.
            response = client.post(url, {**hidden_inputs(response.content.decode()), "_save": "1"})
        if response.status_code == 302 and post is not None:
            continue  # a model whose every field may be left empty: nothing to show
        if response.status_code != 200:
            failed.append((kind, url, response.status_code))
            continue
        kinds.add(kind)
        words = latin_words(response.content.decode(), data)
        if words:
            found[f"{url} ({kind})"] = words
    assert not failed, failed
    assert {"index", "list", "add", "add with errors", "change", "history", "delete"} <= kinds
    assert not found, "Latin-script wording in the admin:\n" + report(found)


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("role", ["anonymous", "council", "administrator"])
def test_no_latin_wording_on_dashboards_and_public_pages(role):
    username, starts, prefixes, names = ROLES[role]
    client = Client(raise_request_exception=False)
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    answers = sweep_answers(client, starts=starts, prefixes=prefixes, names=names)
    if role == "anonymous":
        # The forms residents fill, sent empty: their error state.
        for url in [
            u for u, r in answers.items() if r.status_code == 200 and b"<form" in r.content
        ]:
            if url.startswith("/api/"):
                continue
            answers[f"{url} (errors)"] = client.post(url, {})
    data = data_words()
    found, pages = {}, 0
    for url, response in answers.items():
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if url.startswith("/api/docs"):
            continue  # Swagger UI's own interface, in English by design of the tool
        pages += 1
        words = latin_words(response.content.decode(), data)
        if words:
            found[url] = words
    assert pages >= 5
    assert not found, f"Latin-script wording ({role}):\n" + report(found)


def test_every_constraint_the_admin_checks_speaks_persian():
    """A check constraint, or a unique one with a condition or expressions, is checked by
    `Model.validate_constraints` with its own `violation_error_message`; without one,
    Django's default names the constraint (the plain unique ones get Django's own
    translated "already exists" message)."""
    bare = []
    for model in apps.get_models():
        if not model.__module__.startswith(("centres", "programs", "trainees", "empowerment")):
            continue
        for constraint in model._meta.constraints:
            plain_unique = isinstance(constraint, UniqueConstraint) and not (
                constraint.condition is not None or constraint.expressions
            )
            if plain_unique and not constraint.violation_error_code:
                continue
            if isinstance(constraint, (CheckConstraint, UniqueConstraint)) and (
                constraint.violation_error_message == constraint.default_violation_error_message
            ):
                bare.append(f"{model._meta.label}.{constraint.name}")
    assert not bare, "constraints without a Persian message: " + ", ".join(bare)


def test_the_sweep_sees_english():
    """The finder itself: English in text and in a button's label is found; codes, user
    names and allowed words are not."""
    body = (
        '<p>Please correct the errors below.</p><input type="submit" value="Save">'
        "<p>MNK-1402-1 SMS staff.isfahan</p><script>var x = 'hidden';</script>"
    )
    assert latin_words(body, {"staff", "isfahan"}) == {
        "Please",
        "correct",
        "the",
        "errors",
        "below",
        "Save",
    }
