"""Errata: corrections to known defects of one source document that no general rule can fix.

Each document has at most one errata file in ``question_bank/errata/``. The file names the
text that identifies its document and lists corrections, each with the line it applies to in
the bundled copy of the document and the reason for it::

    document: YMCA Level 2 Diploma in Customer Service (601/4797/0)
    identify: "YMCA Level 2 Diploma in Customer Service (601/4797/0)"
    entries:
      - line: 1234
        find: "Explain how to deal with"          # text of the line to correct
        replace: "Explain how to deal with ..."    # the whole `find` text is replaced by this
        reason: "the PDF cut the criterion at a page break (compare L1240)"
      - line: 1300
        find: "1.3 Identify"
        insert_after: ["1.4 Describe ..."]         # lines added after the found line
        reason: "..."
      - line: 1310
        find: "Page 12 of 90"
        delete: true
        reason: "..."

Entries are located by their ``find`` text, not by line number, because the same document
with doubled blank lines or another line ending must read the same. ``find`` must match
exactly one line (or give ``occurrence: N`` when it cannot be made unique). The line number
is checked against the bundled document by the test suite, so it stays true for readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tutor.importer.errors import SpecError, spec_error
from tutor.importer.text import SourceDocument, SourceLine
from tutor.yaml_lines import LINE_KEY, load_with_lines


@dataclass(frozen=True)
class Erratum:
    """One correction: where it applies, what it does and why."""

    line: int
    find: str
    reason: str
    replace: str | None = None
    insert_after: tuple[str, ...] = ()
    delete: bool = False
    occurrence: int | None = None
    source_line: int | None = None  # line of this entry in the errata file

    def describe(self) -> str:
        return f"L{self.line}: {self.reason}"


@dataclass
class ErrataFile:
    """The corrections for one document."""

    path: Path
    document: str
    identify: str
    entries: list[Erratum] = field(default_factory=list)

    def applies_to(self, doc: SourceDocument) -> bool:
        return any(self.identify in line.text for line in doc.lines[:400])


def load_errata_file(path: Path) -> ErrataFile:
    """Read and validate one errata file; any defect is a one-line SpecError naming the file."""
    try:
        raw = load_with_lines(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise spec_error("errata", "cannot_read_errata_file", path=str(path), exc=exc) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise spec_error("errata", "errata_file_not_valid_yaml", line=mark.line + 1 if mark else None, path=str(path),
                         reason=getattr(exc, "problem", exc)) from None
    if not isinstance(raw, dict) or "identify" not in raw or "entries" not in raw:
        raise spec_error("errata", "errata_file_needs_identify", path=str(path))
    entries: list[Erratum] = []
    for item in raw["entries"] or []:
        where = item.get(LINE_KEY) if isinstance(item, dict) else None
        try:
            ops = [k for k in ("replace", "insert_after", "delete") if k in item]
            if len(ops) != 1:
                raise ValueError("needs exactly one of replace, insert_after, delete")
            if not str(item.get("reason", "")).strip():
                raise ValueError("needs a reason")
            entries.append(
                Erratum(
                    line=int(item["line"]),
                    find=str(item["find"]),
                    reason=str(item["reason"]).strip(),
                    replace=str(item["replace"]) if "replace" in item else None,
                    insert_after=tuple(str(x) for x in item.get("insert_after", ()) or ()),
                    delete=bool(item.get("delete", False)),
                    occurrence=int(item["occurrence"]) if "occurrence" in item else None,
                    source_line=where,
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise spec_error("errata", "bad_errata_entry", line=where, path=str(path), exc=exc) from None
    return ErrataFile(path=path, document=str(raw.get("document", "")), identify=str(raw["identify"]), entries=entries)


def load_errata_dir(directory: Path) -> list[ErrataFile]:
    if not directory.is_dir():
        return []
    return [load_errata_file(p) for p in sorted(directory.glob("*.yaml"))]


def locate(erratum: Erratum, doc: SourceDocument) -> int:
    """Index into ``doc.lines`` of the line an erratum corrects."""
    hits = [i for i, line in enumerate(doc.lines) if erratum.find in line.text]
    wanted = erratum.occurrence or 1
    if (erratum.occurrence is None and len(hits) > 1) or len(hits) < wanted:
        # A missing line usually means the document was cut short or edited: point at its end.
        raise spec_error("errata", "erratum_does_not_match_once",
                         line=doc.last_line_no() if not hits else doc.lines[hits[0]].no, erratum=erratum,
                         hits=len(hits), wanted=wanted)
    return hits[wanted - 1]


def apply_errata(doc: SourceDocument, errata: ErrataFile) -> tuple[SourceDocument, list[str]]:
    """Return the corrected document and a description of each correction made.

    All entries are located in the uncorrected document first, so the order of entries in
    the file does not matter.
    """
    try:
        located = [(locate(e, doc), e) for e in errata.entries]
    except SpecError as exc:
        raise spec_error("errata", "in_errata_file", line=exc.line, exc=exc, errata=errata) from None
    lines = list(doc.lines)
    # Apply from the bottom up so that earlier indices stay valid.
    for index, erratum in sorted(located, key=lambda pair: pair[0], reverse=True):
        line = lines[index]
        if erratum.delete:
            del lines[index]
        elif erratum.insert_after:
            lines[index + 1:index + 1] = [SourceLine(line.no, text) for text in erratum.insert_after]
        else:
            assert erratum.replace is not None
            lines[index] = SourceLine(line.no, line.text.replace(erratum.find, erratum.replace, 1))
    return SourceDocument(lines), [e.describe() for e in errata.entries]
