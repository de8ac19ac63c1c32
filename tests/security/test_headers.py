"""Class 8: security headers and HEAD, swept over every page kind of the portal.

The pages are found, not listed: the public portal and the dashboards are crawled from their
entry pages following the links a visitor sees; the admin is enumerated from the admin
site's registry; every URL pattern of those parts that the crawl did not reach is requested
with placeholder arguments. A page added later is covered without touching this file.
"""

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from centres.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

# Pages that only answer POST (sign-out, language switch) are not pages to GET.
NOT_PAGES = {"dashboard:logout", "set_language"}
HREF = re.compile(r"""href=["']([^"'#]+)""")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"""<[^>]+\son[a-z]+\s*=""", re.IGNORECASE)


def signed_in(username: str) -> Client:
    # A page that fails (500) is another class's bug; here it must still carry the policy.
    client = Client(raise_request_exception=False)
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def patterns(resolver=None, prefix="", namespace=""):
    """(route, view name, converters) of every URL pattern, namespaces included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from patterns(entry, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield route, f"{namespace}{entry.name}", entry.pattern.converters


def placeholder_url(route: str) -> str:
    """A URL of a pattern with made-up arguments (a page that is not there: same answer)."""
    url = re.sub(r"<int:[^>]+>", "999999", route)
    url = re.sub(r"<[^>]+>", "nothing-here", url)
    return "/" + url.lstrip("^").rstrip("$")


def view_name(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def crawl(client: Client, starts: list[str], prefixes: tuple[str, ...], limit: int = 120):
    """GET the start pages and every same-site link under `prefixes` found on them; the
    answers by URL."""
    seen: dict[str, HttpResponse] = {}
    queue = list(starts)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            target = urljoin(url, html.unescape(href))
            parts = urlsplit(target)
            if parts.scheme and parts.netloc not in ("testserver", ""):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(prefixes) and view_name(path) not in NOT_PAGES:
                queue.append(path)
    return seen


def admin_urls(client: Client) -> list[str]:
    """Every registered model's list, add, change and history pages (the first row)."""
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        urls.append(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        urls.append(reverse(f"admin:{info[0]}_{info[1]}_add"))
        first = model_admin.get_queryset(client.request().wsgi_request).first()
        if first is not None:
            urls.append(reverse(f"admin:{info[0]}_{info[1]}_change", args=[first.pk]))
            urls.append(reverse(f"admin:{info[0]}_{info[1]}_history", args=[first.pk]))
    return urls


def sweep_answers(client: Client, *, starts, prefixes, names) -> dict[str, HttpResponse]:
    """The crawled pages plus a placeholder URL for each pattern the crawl did not reach,
    with the answer to a GET of each (the crawl's own answers: no page is asked twice)."""
    answers = crawl(client, starts, prefixes)
    reached = {view_name(url) for url in answers}
    for route, name, _converters in patterns():
        if name in NOT_PAGES or not names(name) or name in reached:
            continue
        url = placeholder_url(route)
        if url not in answers:
            answers[url] = client.get(url)
    return answers


def public_and_docs(name: str) -> bool:
    return ":" not in name or name in ("api:docs", "api:schema")


def dashboards(name: str) -> bool:
    return name.startswith("dashboard:")


ROLES = {
    # who, where they start, which links they follow, which patterns are theirs
    "anonymous": (None, ["/", "/api/docs/", "/dashboard/login/"], ("/",), public_and_docs),
    "council": ("council.isfahan", ["/dashboard/"], ("/dashboard/",), dashboards),
    "administrator": ("admin", ["/dashboard/", "/api/docs/"], ("/dashboard/",), dashboards),
}


def client_for(role: str) -> Client:
    username = ROLES[role][0]
    return signed_in(username) if username else Client(raise_request_exception=False)


@pytest.fixture(scope="module")
def swept():
    """Each role's pages and their GET answers, asked once for the module's tests (the demo
    is the module's, and a GET changes nothing either test looks at): {role: answers}."""
    return {}


def role_answers(swept, role: str) -> dict[str, HttpResponse]:
    if role not in swept:
        client = client_for(role)
        _, starts, prefixes, names = ROLES[role]
        answers = sweep_answers(client, starts=starts, prefixes=prefixes, names=names)
        if role == "administrator":
            for url in admin_urls(client):
                if url not in answers:
                    answers[url] = client.get(url)
        swept[role] = answers
    return swept[role]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_csp(url: str, response) -> None:
    header = response.get("Content-Security-Policy")
    assert header, f"{url}: no Content-Security-Policy"
    directives = csp_directives(header)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, f"{url}: the policy does not restrict scripts"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
    assert "*" not in scripts, url
    assert "object-src" in directives or "'none'" in directives.get("default-src", []), url
    if "text/html" in response.get("Content-Type", ""):
        body = response.content.decode()
        # Inline script would be refused by the browser: every script must be a file.
        for attributes in SCRIPT_TAG.findall(body):
            assert "src=" in attributes or "application/json" in attributes, (
                f"{url}: inline <script{attributes}>"
            )
        assert not EVENT_HANDLER.search(body), f"{url}: inline event handler"
        assert "<style" not in body, f"{url}: inline <style>"


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_has_a_strict_csp(demo, swept, role):
    html_pages = 0
    for url, response in role_answers(swept, role).items():
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            html_pages += 1
        assert_csp(url, response)
    assert html_pages >= 5, f"{role}: too few pages found to mean anything ({html_pages})"


def test_csp_on_each_page_kind(demo):
    """One page of each kind answers 200 with the strict policy: the sweep above cannot
    pass by finding none of them."""
    admin_client = signed_in("admin")
    kinds = {
        "public": (Client(), "/"),
        "dashboard": (signed_in("council.isfahan"), "/dashboard/"),
        "admin": (admin_client, reverse("admin:index")),
        "api docs": (Client(), reverse("api:docs")),
    }
    for kind, (client, url) in kinds.items():
        response = client.get(url)
        assert response.status_code == 200, kind
        assert "text/html" in response["Content-Type"], kind
        assert_csp(url, response)
    # The Swagger UI init script is a file of the same origin, allowed by 'self'.
    script = Client().get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]


@pytest.mark.parametrize("role", list(ROLES))
def test_head_answers_as_get(demo, swept, role):
    client = client_for(role)  # signed in again: the sessions of earlier tests are undone
    answered = 0
    for url, got in role_answers(swept, role).items():
        head = client.head(url)
        assert head.status_code == got.status_code, f"HEAD {url}: {head.status_code}"
        assert head.content == b"", url
        answered += got.status_code == 200
    assert answered >= 5, f"{role}: too few pages answered 200 ({answered})"


def test_head_answers_as_get_on_the_api(demo):
    """Every list of the router and the first row of each, as an administrator."""
    from empowerment.api.urls import router

    client = signed_in("admin")
    for _prefix, _viewset, basename in router.registry:
        listing = reverse(f"api:{basename}-list")
        got = client.get(listing)
        assert got.status_code == 200, listing
        assert client.head(listing).status_code == 200, listing
        results = got.json().get("results") or []
        if results and "id" in results[0]:
            detail = reverse(f"api:{basename}-detail", args=[results[0]["id"]])
            assert client.head(detail).status_code == client.get(detail).status_code, detail
