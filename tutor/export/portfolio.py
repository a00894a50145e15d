"""A learner's portfolio record written for quality assurers: HTML to read and print, CSV for a
spreadsheet, JSON for other programs.

Nothing learners or imported documents wrote is ever treated as template source or markup: the
HTML template escapes every value, and every CSV cell goes through :func:`safe_cell`.

The JSON document (``format_version`` 1; keys sorted, indented by two spaces, times as ISO 8601
strings in UTC such as ``2026-11-23T09:00:00+00:00``, ``null`` where nothing is recorded)::

    {
      "format": "tutor-portfolio",
      "format_version": 1,
      "learner": {"username": str, "name": str},
      "qualification": {"number": str, "title": str},
      "generated_at": time, "generated_by": str,
      "audit": {"head": str, "entries": int},      # the audit chain when the record was cut
      "units": [{
        "key": str, "title": str,
        "decision": decision | null,
        "iqa": [{"agree": bool, "reviewer": str, "at": time, "comment": str}],
        "criteria": [{
          "outcome": "1", "number": "1.2", "text": str,   # number: the full reference
          "kind": "knowledge" | "competence",
          "decision": decision | null,              # the latest
          "history": [decision],                    # earlier decisions it corrected, oldest first
          "evidence": [{
            "source": "practice" | "test", "source_id": int, "at": time,
            "question": str, "answer": str, "automatic_mark": str, "hints_used": int,
            "accepted": bool | null,                # null: not yet judged
            "reference": str, "judged_by": str, "judged_at": time | null,
            "judgement_comment": str}]}]}]
    }

    decision = {"id": int, "decision": "competent" | "not_yet_competent" | "insufficient_evidence",
                "label": str, "assessor": str, "at": time, "comment": str, "supersedes_id": int | null}
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from tutor.domain.portfolio import (
    DECISION_LABELS,
    CriterionRecord,
    Decision,
    EvidenceItem,
    IqaRecord,
    Portfolio,
    UnitRecord,
)
from tutor.export.safety import (
    ExportError,
    check_output_path,
    safe_cell,
    write_atomically,
)

FORMAT = "tutor-portfolio"
FORMAT_VERSION = 1
FORMATS = ("html", "csv", "json")
HTML_TEMPLATE = "export/portfolio.html.j2"

CSV_COLUMNS = (
    "learner", "qualification", "unit", "unit_title", "criterion", "criterion_text", "kind",
    "source", "evidence_id", "evidence_at", "question", "answer", "automatic_mark", "hints_used",
    "accepted", "evidence_reference", "judged_by", "judged_at", "criterion_text_when_recorded",
    "criterion_decision", "criterion_assessor", "criterion_decided_at", "criterion_comment",
    "unit_decision", "unit_assessor", "unit_decided_at", "audit_head",
)

SOURCE_LABELS = {
    "practice": "Practice (formative, unsupervised)",
    "test": "Test (invigilated)",
}


# -- shared helpers ----------------------------------------------------------------------------

def _utc(moment: datetime) -> datetime:
    """An aware UTC datetime (a naive one is taken to be UTC already, as storage keeps them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else _utc(moment).isoformat()


def _when(moment: datetime | None) -> str:
    """A time for people: ``2026-11-23 09:00 UTC``."""
    return "" if moment is None else _utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def decision_label(code: str) -> str:
    """The label the specifications use for a decision code (the code itself if unknown)."""
    return DECISION_LABELS.get(code, code)


def source_label(source: str) -> str:
    """How an evidence source is described to people."""
    return SOURCE_LABELS.get(source, source)


# -- JSON ---------------------------------------------------------------------------------------

def _decision_json(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "id": decision.decision_id,
        "decision": decision.decision,
        "label": decision_label(decision.decision),
        "assessor": decision.assessor,
        "at": _iso(decision.at),
        "comment": decision.comment,
        "supersedes_id": decision.supersedes_id,
    }


def _evidence_json(item: EvidenceItem) -> dict[str, Any]:
    return {
        "source": item.source,
        "source_id": item.source_id,
        "at": _iso(item.at),
        "question": item.question,
        "answer": item.answer,
        "automatic_mark": item.automatic_mark,
        "hints_used": item.hints_used,
        "accepted": item.accepted,
        "reference": item.reference,
        "judged_by": item.judged_by,
        "judged_at": _iso(item.judged_at),
        "judgement_comment": item.judgement_comment,
    }


def _iqa_json(record: IqaRecord) -> dict[str, Any]:
    return {"agree": record.agree, "reviewer": record.reviewer, "at": _iso(record.at), "comment": record.comment}


def _criterion_json(criterion: CriterionRecord) -> dict[str, Any]:
    return {
        "outcome": criterion.outcome,
        "number": criterion.number,
        "text": criterion.text,
        "kind": criterion.kind,
        "decision": _decision_json(criterion.decision),
        "history": [_decision_json(d) for d in criterion.history],
        "evidence": [_evidence_json(e) for e in criterion.evidence],
    }


def _unit_json(unit: UnitRecord) -> dict[str, Any]:
    return {
        "key": unit.key,
        "title": unit.title,
        "decision": _decision_json(unit.decision),
        "iqa": [_iqa_json(r) for r in unit.iqa],
        "criteria": [_criterion_json(c) for c in unit.criteria],
    }


def portfolio_document(portfolio: Portfolio) -> dict[str, Any]:
    """The portfolio as the plain JSON-ready structure described in this module's docstring."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "learner": {"username": portfolio.learner, "name": portfolio.learner_name},
        "qualification": {"number": portfolio.qualification_number, "title": portfolio.qualification_title},
        "generated_at": _iso(portfolio.generated_at),
        "generated_by": portfolio.generated_by,
        "audit": {"head": portfolio.audit_head, "entries": portfolio.audit_entries},
        "units": [_unit_json(u) for u in portfolio.units],
    }


def render_json(portfolio: Portfolio) -> str:
    """The portfolio as a stable JSON document (sorted keys, two-space indent, final newline)."""
    return json.dumps(portfolio_document(portfolio), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# -- CSV ----------------------------------------------------------------------------------------

def _accepted(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _csv_rows(portfolio: Portfolio):
    for unit in portfolio.units:
        unit_part = (
            decision_label(unit.decision.decision) if unit.decision else "",
            unit.decision.assessor if unit.decision else "",
            _iso(unit.decision.at) if unit.decision else "",
        )
        for criterion in unit.criteria:
            decision = criterion.decision
            head = (portfolio.learner, portfolio.qualification_number, unit.key, unit.title,
                    criterion.number, criterion.text, criterion.kind)
            tail = (
                decision_label(decision.decision) if decision else "",
                decision.assessor if decision else "",
                _iso(decision.at) if decision else "",
                decision.comment if decision else "",
                *unit_part,
                portfolio.audit_head,
            )
            if not criterion.evidence:
                yield (*head, *([""] * 12), *tail)
            for item in criterion.evidence:
                yield (*head, item.source, item.source_id, _iso(item.at), item.question, item.answer,
                       item.automatic_mark, item.hints_used, _accepted(item.accepted), item.reference,
                       item.judged_by, _iso(item.judged_at), item.criterion_wording, *tail)


def render_csv(portfolio: Portfolio) -> str:
    """The portfolio as RFC 4180 CSV: a header row, then one row per evidence item (and one per
    criterion without evidence, its evidence columns empty). Every cell passes :func:`safe_cell`."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for row in _csv_rows(portfolio):
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


# -- HTML ---------------------------------------------------------------------------------------

def _environment(templates: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(when=_when, iso=_iso, decision_label=decision_label, source_label=source_label)
    return env


def render_html(portfolio: Portfolio, templates: Path) -> str:
    """The portfolio as one standalone, printable HTML5 page from ``templates/export/portfolio.html.j2``
    (autoescaped: learner and imported text is shown, never interpreted)."""
    env = _environment(templates)
    return env.get_template(HTML_TEMPLATE).render(portfolio=portfolio)


# -- writing ------------------------------------------------------------------------------------

def write_portfolio(portfolio: Portfolio, fmt: str, path: Path, templates: Path, *,
                    base: Path | None = None, overwrite: bool = False) -> Path:
    """Render ``portfolio`` as ``fmt`` (html, csv or json) and write it atomically to ``path``,
    after :func:`check_output_path`; returns the resolved path written."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    target = check_output_path(path, base=base, overwrite=overwrite)
    if fmt == "html":
        text = render_html(portfolio, templates)
    elif fmt == "csv":
        text = render_csv(portfolio)
    else:
        text = render_json(portfolio)
    write_atomically(target, text)
    return target
