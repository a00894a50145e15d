"""Shared fixtures: the bundled documents and their reference readings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPECIFICATIONS = ROOT / "question_bank" / "specifications"
ERRATA = ROOT / "question_bank" / "errata"
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "reference"

# family -> (bundled specification file, reference reading fixture); the fixtures keep the seed names.
DOCUMENTS = {
    "ymca": ("ymca-601-4797-0-l2-diploma-customer-service", "000_e4983e2600fc82b4"),
    "pearson": ("pearson-600-1225-0-nvq-contact-centre-operations-l1-l2-l3", "001_e7591020514a0106"),
    "cityguilds": ("cityguilds-603-2394-2-l2-diploma-customer-service-practitioners", "002_69c8a2ddc74021ef"),
    "highfield": ("highfield-600-5469-4-l2-nvq-certificate-customer-service", "003_0e66fce02ede7830"),
    "gqa": ("gqa-603-5637-6-l3-diploma-customer-service", "004_2e26f089490b172a"),
}


def spec_path(family: str) -> Path:
    return SPECIFICATIONS / f"{DOCUMENTS[family][0]}.txt"


def reference(family: str) -> dict:
    return json.loads((REFERENCE / f"{DOCUMENTS[family][1]}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def readings():
    """Each bundled document parsed once per session, by family name."""
    from tutor.importer import parse_path

    cache: dict[str, object] = {}

    def get(family: str):
        if family not in cache:
            cache[family] = parse_path(spec_path(family), ERRATA)
        return cache[family]

    return get


@pytest.fixture(scope="session")
def catalogue_url(tmp_path_factory):
    """A SQLite database holding the five bundled documents, built once per test session."""
    from tutor.clock import FakeClock
    from tutor.services.bundled import import_bundled
    from tutor.services.catalogue import CatalogueService
    from tutor.storage.engine import open_database

    url = f"sqlite:///{tmp_path_factory.mktemp('catalogue') / 'tutor.db'}"
    import_bundled(CatalogueService(open_database(url), FakeClock().now), SPECIFICATIONS.parent)
    return url


def make_app(url: str, actor: str = "learner", role: str = "learner"):
    """The app as `tutor` builds it, on the given database, with a fake clock."""
    from tutor.clock import FakeClock
    from tutor.domain.access import Actor
    from tutor.paths import templates_dir
    from tutor.storage.engine import open_database
    from tutor.ui.app import TutorApp

    return TutorApp(open_database(url), SPECIFICATIONS.parent, templates_dir(), FakeClock(),
                    actor=Actor(actor, role, actor.title()))


def bundled_bank_database(folder: Path) -> str:
    """A new SQLite database in ``folder`` holding the bundled catalogue and question bank."""
    from tutor.clock import FakeClock
    from tutor.paths import templates_dir
    from tutor.services.bundled import import_bundled
    from tutor.services.catalogue import CatalogueService
    from tutor.storage.engine import open_database

    url = f"sqlite:///{folder / 'tutor.db'}"
    import_bundled(CatalogueService(open_database(url), FakeClock().now), SPECIFICATIONS.parent,
                   templates=templates_dir())
    return url


@pytest.fixture(scope="session")
def bank_url(tmp_path_factory):
    """A database holding the bundled catalogue and question bank (items stored by version)."""
    return bundled_bank_database(tmp_path_factory.mktemp("bank"))


def copy_database(url: str, destination: Path) -> str:
    """A consistent copy of a SQLite database (the backup API: never copy a live WAL file by hand)."""
    import sqlite3

    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    target = sqlite3.connect(destination)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{destination}"


@pytest.fixture
def clock():
    """A fake clock: tests move time on by hand."""
    from tutor.clock import FakeClock

    return FakeClock()


@pytest.fixture
def service(bank_url, clock):
    """The sitting service on the shared bank database, on the fake clock."""
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    return SittingService(open_database(bank_url), clock.now)


def shown_keys(service, attempt_id: int) -> dict[int, str]:
    """The letter on screen of each question's key: the test knows it, the candidate's screen never does."""
    from sqlmodel import Session, select

    from tutor.storage import tables as t

    with Session(service.engine) as session:
        attempt = session.get(t.Attempt, attempt_id)
        keys = {}
        for position, item_id, version, _, _, order, _ in json.loads(attempt.form):
            body = json.loads(session.exec(select(t.BankItem.body).where(
                t.BankItem.item_id == item_id, t.BankItem.version == version)).one())
            keys[position] = "ABCD"[order.index(body["key"])]
    return keys
