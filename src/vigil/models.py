"""Every table of Vigil, from the model modules each domain declares (vigil.domains), for
Alembic and the test suite."""

from types import ModuleType

from vigil.core.db import Base
from vigil.domains import DOMAINS

# Importing them puts their tables in the metadata.
MODEL_MODULES: list[ModuleType] = [module for domain in DOMAINS for module in domain.models()]
metadata = Base.metadata
# Columns encrypted at rest with core.crypto: `vigil keys rotate` re-encrypts each of them.
ENCRYPTED_COLUMNS = [column for domain in DOMAINS for column in domain.encrypted_columns()]
