"""Demonstration notices for `vigil demo load` (DECISIONS 25), one at each level of sharing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.core.domains import DemoData
from vigil.core.policy import TLP, Principal, Role
from vigil.notices import service as notices_service
from vigil.notices.schemas import NoticeCreate
from vigil.orgs import accounts
from vigil.orgs.recipients import Recipients

NOTICES = [
    (
        "jcs-berlin",
        "coordinator@jcs-berlin.example",
        TLP.green,
        "Raised attention over the autumn holidays",
        "Expect large attendance at services. Stewards at every entrance; check the bag policy.",
    ),
    (
        "jcs-berlin",
        "coordinator@jcs-berlin.example",
        TLP.amber_strict,
        "Hostile reconnaissance reported near a community centre",
        "A person filmed the entrance for 20 minutes on two days. Police informed.",
    ),
    (
        "prague-community-security",
        "coordinator@prague-security.example",
        TLP.clear,
        "Public guidance: what to do if you see a suspicious item",
        "Do not touch it, move away, call 112 and tell staff. Keep others away.",
    ),
    (
        "cz-interior-soft-targets",
        "analyst@mvcr-soft-targets.example",
        TLP.amber,
        "Updated methodology for crowded venues",
        "The soft-target self-assessment has a new section on hostile-vehicle mitigation.",
    ),
]


def load_notices(session: Session, demo: DemoData) -> None:
    ids = demo.org_ids
    if notices_service.any_notices(session):
        return
    network_peer = ids["berlin-police-liaison"]
    for org, author_email, tlp, title, body in NOTICES:
        author = accounts.person_by_email(session, author_email)
        assert author is not None
        principal = Principal(
            person_id=author.id,
            roles={ids[org]: Role.coordinator},
            acting_org_id=ids[org],
            name=author.name,
        )
        recipients = Recipients(organisation_ids=[network_peer] if tlp == TLP.amber_strict else [])
        notices_service.create_notice(
            session=session,
            principal=principal,
            data=NoticeCreate(title=title, body=body, tlp=tlp, recipients=recipients),
        )
