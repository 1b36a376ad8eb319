"""Irreversible actions ask first: adopting and publishing a pact, discarding a draft, removing a
person, a household, a hydrant or a piece of equipment, dropping a clause, withdrawing a pledge.

The action's view asks before it acts::

    if not confirmed():
        return ask_first(_("Remove %(name)s from the roster?", name=person.name),
                         consequences=[_("Their kiosk PIN stops working at once.")],
                         yes=_("Remove from the roster"), back=url_for("organisation.edit", person_id=person.id))

The question and its consequences (with the real numbers) are said once, by the view, where the
numbers are known. On the touchscreen the answer is a dialog over the page (htmx appends it to the
body; ``kiosk.js`` opens it and, on "yes", sends the person's form again with ``confirm=yes`` the way it
was sent). Without scripts it is a page of its own whose "yes" button posts the same fields again.
Nothing has changed until the second post.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import make_response, render_template, request

CONFIRM_FIELD = "confirm"


def confirmed() -> bool:
    """The person said yes to what :func:`ask_first` asked (the post carries ``confirm=yes``)."""
    return request.form.get(CONFIRM_FIELD) == "yes"


def ask_first(question: str, *, yes: str, back: str, consequences: Iterable[str] = (), tone: str = "danger"):
    """The answer to an unconfirmed post: what will happen, and the choice to do it or not. ``back``
    is where "cancel" leads without scripts; ``tone`` "danger" (removing) or "primary" (adopting,
    publishing)."""
    carried = [(name, value) for name, values in request.form.lists() if name not in ("csrf_token", CONFIRM_FIELD)
               for value in values]
    context = dict(question=question, consequences=[c for c in consequences if c], yes=yes, back=back,
                   tone=tone, action=request.full_path.rstrip("?"), carried=carried)
    hx = request.htmx
    if hx and not hx.history_restore_request:
        # over whatever the form would have swapped: the dialog goes at the end of the body, and the
        # address bar stays where the person is
        response = make_response(render_template("_confirm.html", **context))
        response.headers.update({"HX-Retarget": "body", "HX-Reswap": "beforeend", "HX-Push-Url": "false"})
    else:
        response = make_response(render_template("confirm.html", **context))
    response.vary.add("HX-Request")
    return response
