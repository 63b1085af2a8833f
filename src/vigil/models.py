"""Every table of Vigil, imported in one place for Alembic and the test suite."""

from vigil.alerts import models as alerts_models  # noqa: F401
from vigil.assessments import models as assessments_models  # noqa: F401
from vigil.core import audit, auth, jobs, ratelimit  # noqa: F401
from vigil.core.db import Base
from vigil.incidents import evidence as incidents_evidence  # noqa: F401
from vigil.incidents import models as incidents_models  # noqa: F401
from vigil.notices import models as notices_models  # noqa: F401
from vigil.orgs import models as orgs_models  # noqa: F401
from vigil.playbooks import models as playbooks_models  # noqa: F401
from vigil.sites import models as sites_models  # noqa: F401

metadata = Base.metadata
# Columns encrypted at rest with core.crypto: `vigil keys rotate` re-encrypts each of them.
ENCRYPTED_COLUMNS = [
    orgs_models.Person.totp_secret_encrypted,
    incidents_models.Report.contact_encrypted,
    sites_models.SiteContact.email_encrypted,
    sites_models.SiteContact.phone_encrypted,
    alerts_models.Webhook.secret_encrypted,
]
