"""Loading the specifications that ship in ``question_bank/specifications`` into an empty catalogue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tutor.importer import parse_path
from tutor.services.catalogue import CatalogueService, ImportResult

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, what)`` before each document and once at the end."""


def bundled_specifications(bank: Path) -> list[Path]:
    return sorted((bank / "specifications").glob("*.txt"))


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
    return import_documents(catalogue, bundled_specifications(bank), bank / "errata", progress)
