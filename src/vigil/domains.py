"""The one ordered list of Vigil's domains: the app, the worker, the CLI, the table list and
`vigil demo load` loop over it. Adding a domain is a package declaring its `DOMAIN`
(core.domains) and one line here.

The order is data: the layering, each domain above those before it (it may import them, never
the reverse). It also orders two things. Demo data: each loader may use the records of the
loaders before it. Routes: the app mounts each domain's routers in this order, and the first
route matching a request wins; a route that an earlier one would take (the one case today:
incidents mounts its transfer router before `/incidents/{id}`) is ordered inside its domain, and
tests/test_domains.py checks that no route is shadowed by one mounted before it. The main menu
has an order of its own (`MENU`): the dashboard, at the top of the layers, comes first there.
"""

from __future__ import annotations

from vigil import (
    alerts,
    assessments,
    home,
    incidents,
    monitoring,
    notices,
    ops,
    orgs,
    playbooks,
    reports,
    sharing,
    sites,
)
from vigil.core.domains import CORE, Domain, NavEntry

DOMAINS: tuple[Domain, ...] = (
    CORE,  # what no domain owns: health checks, audit sealing, outbox e-mail
    orgs.DOMAIN,  # first: its demo makes the organisations and people the others use
    notices.DOMAIN,
    sites.DOMAIN,
    incidents.DOMAIN,  # after sites: demo incidents near a demo site are linked to it
    assessments.DOMAIN,  # after sites: the demo assesses demo sites
    alerts.DOMAIN,  # after sites: a demo alert targets demo sites
    playbooks.DOMAIN,  # the demo responds to demo incidents at demo sites
    monitoring.DOMAIN,  # signals near sites become incidents and alerts
    reports.DOMAIN,  # counts the incidents; the annual report names notable ones
    sharing.DOMAIN,  # reads the others' records through their services; no demo of its own
    home.DOMAIN,  # the dashboard brings the others together
    ops.DOMAIN,  # last: backups hold every domain's records and files; no menu entry
)

# The main menu: the dashboard first, then the domains' entries in their order.
MENU: tuple[Domain, ...] = (home.DOMAIN, *(d for d in DOMAINS if d is not home.DOMAIN))

# Navigation of the dashboard shell: (path, label).
NAV: list[NavEntry] = [entry for domain in MENU for entry in domain.nav]
