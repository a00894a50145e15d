"""Loading the specifications that ship in ``question_bank/specifications`` into an empty catalogue."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from tutor.importer import parse_path
from tutor.services.catalogue import CatalogueService, ImportResult

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, what)`` before each document and once at the end."""


BUNDLE_META_KEY = "bundled_catalogue"


def bundled_specifications(bank: Path) -> list[Path]:
    return sorted((bank / "specifications").glob("*.txt"))


def bundle_fingerprint(bank: Path) -> str:
    """A hash of the bundled texts and errata: it changes when a new tutor ships new ones."""
    digest = hashlib.sha256()
    for path in bundled_specifications(bank) + sorted((bank / "errata").glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def needs_bundled_import(catalogue: CatalogueService, bank: Path) -> bool:
    """True on first run, after an interrupted first run, and when the bundle has changed."""
    return catalogue.get_meta(BUNDLE_META_KEY) != bundle_fingerprint(bank)


def import_documents(catalogue: CatalogueService, paths: list[Path], errata_dir: Path,
                     progress: Progress | None = None) -> list[ImportResult]:
    """Import each document in its own transaction; a failure leaves earlier ones saved."""
    results = []
    for done, path in enumerate(paths):
        if progress:
            progress(done, len(paths), path.name)
        results.append(catalogue.import_reading(parse_path(path, errata_dir), path.name))
    if progress:
        progress(len(paths), len(paths), "done")
    return results


def import_bundled(catalogue: CatalogueService, bank: Path, progress: Progress | None = None) -> list[ImportResult]:
    """Import every bundled document (unchanged ones are no-ops), then record the bundle as loaded."""
    fingerprint = bundle_fingerprint(bank)
    results = import_documents(catalogue, bundled_specifications(bank), bank / "errata", progress)
    catalogue.set_meta(BUNDLE_META_KEY, fingerprint)
    return results
