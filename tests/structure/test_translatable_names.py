"""Every string marked for translation is found by `makemessages`, which knows the marking
functions by name (`_`, `gettext`, `gettext_lazy`, `ngettext`, ...), not by what they are
imported as. Strings marked through another alias (`gettext_lazy as _lazy`) were never
extracted, and were served in English: a refused attendance mark, a full counselling time,
an expired public request."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["empowerment", "centres", "programs", "trainees"]
KNOWN = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
         "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}  # fmt: skip


def test_marking_functions_keep_names_makemessages_knows():
    aliased = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                    for name in node.names:
                        if name.asname and name.asname not in KNOWN:
                            aliased.append(
                                f"{path.relative_to(ROOT)}: {name.name} as {name.asname}"
                            )
    assert not aliased, aliased
