"""What the families' structure tables share: the regulator's unit reference, a unit row as a table
prints it, and the membership such a row gives the unit it is joined to."""

from __future__ import annotations

from dataclasses import dataclass

from tutor.domain.catalogue import Membership, Unit

UNIT_REF = r"[A-Z]/\d{3}/\d{4}"
"""A regulator's unit reference as printed (``H/502/0292``); a pattern to put inside others."""


@dataclass
class TableRow:
    """One unit as a structure table prints it (a family adds the columns its tables have)."""

    ref: str
    title: str
    level: int
    credit: int
    line: int


def table_membership(row: TableRow, ref: str, group: str, kind: str, unit: Unit | None = None) -> Membership:
    """The place ``row`` gives the unit ``ref`` it was joined to, in ``group``. Where the row printed
    another reference, or (given the unit) another credit, the membership keeps the print."""
    member = Membership(ref=ref, group=group, group_kind=kind, table_line=row.line)  # type: ignore[arg-type]
    if ref != row.ref:
        member.table_ref = row.ref
    if unit is not None and unit.credit != row.credit:
        member.table_credit = row.credit
    return member
