"""The page behind an alert e-mail's signed link: no sign-in needed, the link is the key.

Opening the link shows the alert and three buttons; the answer is a POST, so a mail scanner
that fetches links cannot answer "received" for someone and stop their site's escalation. A link
whose alert expired, was cancelled or was replaced by an Update shows a page saying so instead,
and records nothing.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from vigil.alerts import acks
from vigil.alerts.documents import alert_read
from vigil.alerts.models import Alert, Answer
from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import Invalid
from vigil.core.forms import FormDataDep
from vigil.core.pages import page_router, render
from vigil.core.policy import References
from vigil.core.signed_links import LinkRefused
from vigil.sites import directory as sites_directory

router = page_router()


def _refused(request: Request, refused: LinkRefused) -> Response:
    context = {"refusal": refused, "reason": refused.reason.value}
    return render(request, "alerts/ack_refused.html", context, status_code=refused.status)


@router.get("/alerts/ack/{token}")
def ack_page(request: Request, token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The alert this link was sent with, and the answer buttons."""
    try:
        delivery, alert = acks.link_delivery(session=session, settings=settings, token=token)
    except LinkRefused as refused:
        return _refused(request, refused)
    site_id = delivery.site_id
    labels = sites_directory.site_labels(session=session, site_ids=[site_id]) if site_id else {}
    site = labels.get(site_id or 0)
    context = {
        # The link holder is no reader of other records: the alert's references stay unshown.
        "alert": alert_read(alert, References()),
        "site_name": site.name if site else "",
        "token": token,
        "answers": list(Answer),
        "answered": None,
    }
    return render(request, "alerts/ack.html", context)


@router.post("/alerts/ack/{token}")
def ack_answer(
    request: Request, token: str, session: SessionDep, settings: SettingsDep, form: FormDataDep
) -> Response:
    try:
        answer = Answer(str(form.get("answer") or ""))
    except ValueError:
        raise Invalid("answer", "choose received, acting or need help") from None
    try:
        ack = acks.acknowledge_by_token(
            session=session, settings=settings, token=token, answer=answer
        )
    except LinkRefused as refused:
        return _refused(request, refused)
    alert = session.get(Alert, ack.alert_id)
    assert alert is not None
    context = {
        "alert": alert_read(alert, References()),
        "site_name": "",
        "token": token,
        "answers": list(Answer),
        "answered": answer,
    }
    return render(request, "alerts/ack.html", context)
