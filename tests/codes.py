"""What tests read instead of the Persian wording: the codes a refusal or a notice carries.

A service's refusal has a stable `code` (empowerment/kernel/errors.py). The pages keep it
where a person does not see it: on form errors (Django's ValidationError.code, read with
`form.has_error(field, code)` or `form_codes`), on messages (`extra_tags`) and on notices
(`data-code` attributes). Only the tests marked `wording` read the Persian text.
"""

import re

from django.contrib.messages import get_messages

_DATA_CODE = re.compile(r'data-code="([^"]+)"')


def message_codes(response) -> list[str]:
    """The codes of the messages the response's request left (shown on the page it renders,
    or on the page a redirect leads to)."""
    return [m.extra_tags for m in get_messages(response.wsgi_request) if m.extra_tags]


def page_codes(response) -> list[str]:
    """The codes of the notices and messages shown on an HTML page (`data-code`)."""
    return _DATA_CODE.findall(response.content.decode())


def form_codes(form) -> dict[str, list[str]]:
    """A bound form's errors as {field or "__all__": [code, ...]}."""
    return {field: [e.code for e in errors] for field, errors in form.errors.as_data().items()}


def error_codes(error) -> list[str]:
    """The codes of a ValidationError, whatever its shape (one message, a list, per field)."""
    if hasattr(error, "error_dict"):
        return [e.code for errors in error.error_dict.values() for e in errors]
    return [e.code for e in error.error_list]
