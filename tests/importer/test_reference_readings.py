"""The parser's reading of each bundled document matches the hand-checked reference, field by field.

The reference files are copies kept in ``tests/fixtures/reference``; where a reference was
wrong the copy was corrected and the closing note of the issue says why.
Free prose written by the reference's author (``rules_of_combination``, ``guidance``) is not
compared word for word: it is an editor's summary, not text of the document.
"""

from __future__ import annotations

import pytest

from tests.conftest import DOCUMENTS, reference

FAMILIES = list(DOCUMENTS)
QUAL_FIELDS = ("title", "number", "awarding_body", "level", "glh", "tqt", "credits", "accreditation_start")
UNIT_FIELDS = ("ref", "local_id", "title", "level", "glh", "credit", "group")
MEMBER_FIELDS = ("ref", "group", "group_kind", "table_line", "table_ref", "table_credit")


def _got(readings, family):
    return readings(family).to_reference_dict()


@pytest.mark.parametrize("family", FAMILIES)
def test_qualification_fields(readings, family):
    want, got = reference(family), _got(readings, family)
    for name in QUAL_FIELDS:
        assert got["qualification"].get(name) == want["qualification"].get(name), name
    assert ("qualifications" in got) == ("qualifications" in want)
    for want_q, got_q in zip(want.get("qualifications", []), got.get("qualifications", []), strict=True):
        for name in QUAL_FIELDS:
            assert got_q.get(name) == want_q.get(name), (want_q["number"], name)
        assert len(got_q["units"]) == len(want_q["units"]), want_q["number"]
        for want_m, got_m in zip(want_q["units"], got_q["units"], strict=True):
            for name in MEMBER_FIELDS:
                assert got_m.get(name) == want_m.get(name), (want_q["number"], want_m["ref"], name)


@pytest.mark.parametrize("family", FAMILIES)
def test_unit_list(readings, family):
    want, got = reference(family), _got(readings, family)
    assert [u["ref"] or u["local_id"] for u in got["units"]] == [u["ref"] or u["local_id"] for u in want["units"]]


@pytest.mark.parametrize("family", FAMILIES)
def test_unit_fields(readings, family):
    want, got = reference(family), _got(readings, family)
    for want_u, got_u in zip(want["units"], got["units"], strict=True):
        for name in UNIT_FIELDS:
            assert got_u[name] == want_u[name], (want_u["ref"] or want_u["local_id"], name)


@pytest.mark.parametrize("family", FAMILIES)
def test_outcomes_and_criteria(readings, family):
    want, got = reference(family), _got(readings, family)
    for want_u, got_u in zip(want["units"], got["units"], strict=True):
        key = want_u["ref"] or want_u["local_id"]
        assert [o["id"] for o in got_u["outcomes"]] == [o["id"] for o in want_u["outcomes"]], key
        for want_o, got_o in zip(want_u["outcomes"], got_u["outcomes"]):
            where = f"{key} LO{want_o['id']}"
            assert got_o["text"] == want_o["text"], where
            assert got_o["kind"] == want_o["kind"], where
            assert [(c["id"], c["text"]) for c in got_o["criteria"]] == [
                (c["id"], c["text"]) for c in want_o["criteria"]
            ], where


@pytest.mark.parametrize("family", FAMILIES)
def test_range_terms(readings, family):
    want, got = reference(family), _got(readings, family)
    for want_u, got_u in zip(want["units"], got["units"], strict=True):
        assert got_u["range"] == want_u["range"], want_u["ref"] or want_u["local_id"]


@pytest.mark.parametrize("family", FAMILIES)
def test_assessment_methods(readings, family):
    want, got = reference(family), _got(readings, family)
    for want_u, got_u in zip(want["units"], got["units"], strict=True):
        assert got_u["assessment_methods"] == want_u["assessment_methods"], want_u["ref"] or want_u["local_id"]


def test_2794_210_test_specification(readings):
    want, got = reference("cityguilds"), _got(readings, "cityguilds")
    assert got["test_spec"] == want["test_spec"]
    spec = readings("cityguilds").test_specs[0]
    assert (spec.total_questions, spec.duration_minutes, spec.pass_mark) == (25, 60, 18)
    assert list(spec.blueprint().values()) == [5, 5, 8, 7]


@pytest.mark.parametrize("family", FAMILIES)
def test_rule_groups_cover_every_group(readings, family):
    """Every group a unit sits in is a group of the rules of combination."""
    reading = readings(family)
    for qual in reading.qualifications:
        names = {g.name for g in qual.rule_groups}
        assert names, qual.number
        assert {m.group for m in qual.units} <= names, qual.number
