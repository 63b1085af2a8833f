"""An annual report of about 40 pages with 15 charts, published and rendered to PDF.

Prepares a throwaway database (migrated; one organisation with a coordinator, bench/api.py's
quick setup) holding `--incidents` generated incidents over three years through the bulk path
(bench/incidents_query.py's generator, mostly verified and closed so the published basis is
large), rebuilds the figures, then, as the coordinator, through the service: starts the report
for last calendar year, writes its five narrative sections (long enough for `--pages` pages),
picks twenty notable incidents, and publishes (which freezes the figures: timed). Finally the
public PDF is fetched from the app in this process (`GET /published/{org}/{report}.pdf`,
WeasyPrint with the shipped fonts: timed), its pages counted, and the charts counted on the
public page. The last line is name=value pairs: `pages=… charts=… seconds=…` (seconds: the
PDF), and the ceiling measured in the same run: the same page's words alone laid out by
WeasyPrint (`text_only_seconds`, `ratio`).

    python bench/annual_report.py                  # 40 pages, 20,000 incidents, SQLite
    python bench/annual_report.py --db postgresql
    python bench/annual_report.py --quick          # smoke run: 2,000 incidents, no narrative

Only 127.0.0.1 is contacted; the database is dropped on exit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import api as http_bench  # bench/api.py: databases, settings, signals
import incidents_query as world  # bench/incidents_query.py: the generated incidents

SECTIONS = ("foreword", "summary", "trends", "notable", "outlook")
# About one page of text at the PDF's 9.5 pt: what a page of narrative takes.
CHARS_PER_PAGE = 4600
FIGURE_PAGES = 14  # roughly what the figures, notable incidents and methodology take
STATUSES = [("verified", 0.55), ("closed", 0.35), ("triaged", 0.05), ("new", 0.05)]
TLPS = [("clear", 0.3), ("green", 0.3), ("amber+strict", 0.4)]
NOTABLE = 20
PROSE = (
    "community security volunteers recorded incidents across the region while schools "
    "synagogues mosques and community centres reported threats graffiti and abuse online "
    "police liaison improved and more victims came forward than in any year before"
)
WORDS = PROSE.split(" ")


def paragraphs(rng: random.Random, chars: int) -> str:
    """Generated prose of about `chars` characters, in paragraphs."""
    out: list[str] = []
    size = 0
    while size < chars:
        sentence_count = rng.randint(4, 8)
        text = " ".join(
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(9, 18))).capitalize() + "."
            for _ in range(sentence_count)
        )
        out.append(text)
        size += len(text) + 2
    return "\n\n".join(out)


def setup(values: dict[str, str], incidents: int, seed: int) -> tuple[int, int]:
    """The organisation, a coordinator and the incidents; returns (org id, person id)."""
    from sqlalchemy import select

    from vigil.core.config import Settings
    from vigil.core.db import transaction
    from vigil.core.policy import SYSTEM, Role
    from vigil.incidents.transfer import bulk_insert_incidents
    from vigil.orgs import accounts
    from vigil.orgs import service as orgs_service
    from vigil.orgs.models import Organisation
    from vigil.reports.figures import rebuild_figures

    http_bench.prepare(values, demo=False)
    settings = Settings(**values)  # type: ignore[arg-type]
    rng = random.Random(seed)
    last = dt.date.today().year - 1
    start = dt.datetime(last - 2, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last + 1, 1, 1, tzinfo=dt.UTC)
    with transaction(settings.sqlalchemy_url) as session:
        org_id = session.scalar(select(Organisation.id).where(Organisation.slug == "bench"))
        assert org_id is not None
        person = accounts.create_person(
            session=session,
            settings=settings,
            email="coordinator@bench.example",
            name="Coordinator",
            password="bench-password-not-used",  # noqa: S106 - a throwaway database
        )
        orgs_service.add_member(
            session=session, principal=SYSTEM, org_id=org_id, person=person, role=Role.coordinator
        )
        person_id = person.id
        rows: list[dict[str, Any]] = []
        for _ in range(incidents):
            values_ = world.incident_fields(rng, start=start, end=end)
            values_.update(
                owner_org_id=org_id,
                tlp=world._pick(rng, TLPS),
                status=world._pick(rng, STATUSES),
                source="member",
                created_at=values_["occurred_from"],
                updated_at=values_["occurred_from"],
            )
            rows.append(values_)
        bulk_insert_incidents(session=session, rows=rows)
    with transaction(settings.sqlalchemy_url) as session:
        rebuild_figures(session)
    return org_id, person_id


def build(values: dict[str, str], person_id: int, pages: int, seed: int) -> tuple[str, float]:
    """Write, pick and publish as the coordinator; returns (slug, seconds to publish)."""
    from vigil.core.config import Settings
    from vigil.core.db import transaction
    from vigil.orgs.principals import load_principal
    from vigil.reports import annual, annual_notable

    settings = Settings(**values)  # type: ignore[arg-type]
    rng = random.Random(seed)
    share = max(0, pages - FIGURE_PAGES) * CHARS_PER_PAGE // len(SECTIONS)
    with transaction(settings.sqlalchemy_url) as session:
        principal = load_principal(session, person_id=person_id)
        assert principal is not None
        report = annual.create_report(session=session, principal=principal, title="Bench report")
        for key in SECTIONS:
            annual.save_section(
                session=session,
                principal=principal,
                report_id=report.id,
                key=key,
                text=paragraphs(rng, share),
            )
        picks = annual_notable.candidates(session=session, principal=principal, report=report)
        annual.set_notable(
            session=session,
            principal=principal,
            report_id=report.id,
            picks=[(c["incident_id"], paragraphs(rng, 300)) for c in picks[:NOTABLE]],
        )
        t0 = time.perf_counter()
        annual.publish(session=session, principal=principal, report_id=report.id)
        seconds = time.perf_counter() - t0
        slug = report.slug
    return slug, seconds


def render(values: dict[str, str], slug: str) -> dict[str, str]:
    """Fetch the public page and its PDF from the app; count charts and pages."""
    import pypdfium2 as pdfium
    from fastapi.testclient import TestClient

    from vigil.app import create_app
    from vigil.core.config import Settings

    settings = Settings(**values)  # type: ignore[arg-type]
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        page = client.get(f"/published/bench/{slug}")
        page.raise_for_status()
        charts = page.text.count('<figure class="chart-figure"><svg')
        t0 = time.perf_counter()
        pdf = client.get(f"/published/bench/{slug}.pdf")
        seconds = time.perf_counter() - t0
        pdf.raise_for_status()
        ceiling = text_only_seconds(page.text, settings)
    pages = len(pdfium.PdfDocument(pdf.content))
    return {
        "pages": str(pages),
        "charts": str(charts),
        "seconds": f"{seconds:.1f}",
        "text_only_seconds": f"{ceiling:.1f}",
        "ratio": f"{seconds / ceiling:.2f}" if ceiling else "0",
        "pdf_bytes": str(len(pdf.content)),
    }


def text_only_seconds(public_html: str, settings: Any) -> float:
    """The ceiling: WeasyPrint laying out the published page's words alone (no charts, no
    layout of the app), in the same process, right after."""
    import re

    from vigil.core.pdf import render_pdf

    body = re.sub(r"<svg.*?</svg>|<script.*?</script>|<link[^>]*>", "", public_html, flags=re.S)
    t0 = time.perf_counter()
    render_pdf(body, settings=settings)
    return time.perf_counter() - t0


def bench(args: argparse.Namespace) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-"))
    try:
        with http_bench.database(args.db, work / "data", args.pg_url) as (url, _probe):
            # The app runs in this process only to render: no job worker beside it.
            values = http_bench.server_values(work, url, embedded_worker="false")
            t0 = time.perf_counter()
            _, person_id = setup(values, args.incidents, args.seed)
            print(f"{args.incidents:,} incidents in {time.perf_counter() - t0:.1f} s", flush=True)
            slug, publish_seconds = build(values, person_id, args.pages, args.seed)
            print(f"published (figures frozen) in {publish_seconds:.2f} s", flush=True)
            pairs = render(values, slug)
            pairs["publish_seconds"] = f"{publish_seconds:.2f}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    pairs["incidents"] = str(args.incidents)
    pairs["db"] = args.db
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--pg-url", default=http_bench.DEFAULT_PG_URL, help="server to create a database on"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 incidents")
    parser.add_argument("--incidents", type=int, default=None, help="default 20,000 (quick: 2,000)")
    parser.add_argument(
        "--pages", type=int, default=None, help="about this many (quick: the figures alone)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.incidents = args.incidents or (2_000 if args.quick else 20_000)
    args.pages = args.pages or (FIGURE_PAGES if args.quick else 40)
    http_bench._stop_on_signals()
    pairs = bench(args)
    print(" ".join(f"{k}={v}" for k, v in pairs.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
