"""Key rotation of data encrypted at rest: `vigil keys rotate` moves every value to the new key."""

from __future__ import annotations

import datetime as dt

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.orgs.factories import make_org, make_person
from tests.test_cli import Vigil, _env
from vigil.core.config import Settings
from vigil.core.crypto import decrypt
from vigil.core.policy import Role
from vigil.incidents import reports as reports_service
from vigil.incidents.models import Report
from vigil.incidents.schemas import ReportCreate
from vigil.incidents.typology import IncidentType
from vigil.orgs.principals import load_principal


def test_rotation_re_encrypts_contacts_so_the_old_key_can_go(
    committed: Session, settings: Settings
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with_old = settings.model_copy(update={"encryption_keys": old})
    org = make_org(committed)
    person = make_person(committed, with_old, org=org, role=Role.coordinator)
    principal = load_principal(committed, person_id=person.id)
    assert principal is not None
    reports_service.submit_report(
        session=committed,
        principal=principal,
        settings=with_old,
        data=ReportCreate(
            title="Threatening call",
            occurred_from=dt.datetime.now(dt.UTC),
            type=IncidentType.threat,
            contact="+49 30 555 0101",
        ),
    )
    committed.commit()

    env = {
        **_env(settings.sqlalchemy_url, settings.data_dir),
        "VIGIL_ENCRYPTION_KEYS": f"{new},{old}",
    }
    result = Vigil(env)("keys", "rotate")

    assert result.exit_code == 0, result.output
    assert "reports.contact_encrypted: 1 re-encrypted" in result.output
    committed.expire_all()
    stored = committed.scalar(select(Report.contact_encrypted))
    assert stored is not None
    assert decrypt(stored, keys=new, secret_key=settings.secret_key) == "+49 30 555 0101"
