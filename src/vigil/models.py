"""Every table of Vigil, for Alembic and the test suite: listing the domains (vigil.domains)
imports the model modules each declares."""

from vigil.core.db import Base
from vigil.domains import DOMAINS

metadata = Base.metadata
# Columns encrypted at rest with core.crypto: `vigil keys rotate` re-encrypts each of them.
ENCRYPTED_COLUMNS = [column for domain in DOMAINS for column in domain.encrypted_columns]
