"""Edit forms carry the version of the record they were opened on (kiosk.forms.VersionedForm): a test
that saves an edit opens the form first, as a person does, and sends back what it carries."""
from __future__ import annotations

import html
import re


def carried(page: str, action: str | None = None) -> dict:
    """The hidden ``version`` and ``opened`` an edit form's page carries (of the form posting to
    ``action``, when the page has several and that one says where it posts)."""
    if action is not None and f'action="{action}"' in page:
        page = page[page.index(f'action="{action}"'):]
    found = {}
    for name in ("version", "opened"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
        assert match, f"the form carries no {name}"
        found[name] = html.unescape(match.group(1))
    return found


def opened(client, url: str, action: str | None = None) -> dict:
    """What the edit form at ``url`` carries when it is opened now."""
    return carried(client.get(url).get_data(as_text=True), action)
