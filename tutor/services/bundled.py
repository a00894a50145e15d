"""Loading what ships in ``question_bank/``: the specifications into the catalogue, then the
question bank (authored items and practice items generated from the knowledge sheets)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the parsers and the bank are imported when a load runs: start-up never pays for them
    from tutor.bank.catalogue_index import CatalogueIndex
    from tutor.services.bank import BankLoadResult
    from tutor.services.catalogue import CatalogueService, ImportResult

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, what)`` before each document and once at the end."""

BUNDLE_META_KEY = "bundled_catalogue"


def bundled_specifications(bank: Path) -> list[Path]:
    return sorted((bank / "specifications").glob("*.txt"))


def bundle_fingerprint(bank: Path) -> str:
    """A hash of the bundled texts, errata, items and sheets: it changes when a new tutor ships new ones."""
    digest = hashlib.sha256()
    for pattern in ("specifications/*.txt", "errata/*.yaml", "items/*.yaml", "sheets/*.yaml"):
        for path in sorted(bank.glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def needs_bundled_import(catalogue: CatalogueService, bank: Path) -> bool:
    """True on first run, after an interrupted first run, and when the bundle has changed."""
    return catalogue.get_meta(BUNDLE_META_KEY) != bundle_fingerprint(bank)


def import_bundled(catalogue: CatalogueService, bank: Path, progress: Progress | None = None,
                   templates: Path | None = None) -> list[ImportResult]:
    """Import every bundled document, each in its own transaction (unchanged ones are no-ops);
    given the templates to generate practice items with, load the question bank too; then record
    the bundle as loaded. A failure leaves what was saved before it, and the next start resumes."""
    from tutor.bank.catalogue_index import CatalogueIndex, document_lines
    from tutor.importer import parse_path

    fingerprint = bundle_fingerprint(bank)
    paths = bundled_specifications(bank)
    steps = len(paths) + (templates is not None)
    results, readings = [], []
    for done, path in enumerate(paths):
        if progress:
            progress(done, steps, path.name)
        reading = parse_path(path, bank / "errata")
        readings.append((reading, document_lines(path)))
        results.append(catalogue.import_reading(reading, path.name))
    if templates is not None:
        if progress:
            progress(len(paths), steps, "the question bank")
        load_bundled_items(catalogue, bank, templates, CatalogueIndex.from_readings(readings))
    if progress:
        progress(steps, steps, "done")
    catalogue.set_meta(BUNDLE_META_KEY, fingerprint)
    return results


def load_bundled_items(catalogue: CatalogueService, bank: Path, templates: Path,
                       index: CatalogueIndex | None = None) -> BankLoadResult:
    """Authored items and the practice items generated from the knowledge sheets, by id and version."""
    from tutor.bank.audit import audit_bank
    from tutor.services.bank import load_items

    audit = audit_bank(bank, templates, index)
    return load_items(catalogue.engine, audit.all_items, catalogue.now)
