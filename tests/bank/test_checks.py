"""Broken items are rejected, each with its own message; a sound item passes."""

from __future__ import annotations

import pytest

from tests.bank.conftest import BANK
from tutor.bank.checks import check_items, form_reports
from tutor.bank.model import item_from_dict


def _item(raw: dict, **changes):
    raw = {**raw, **changes}
    return item_from_dict(raw, "603/2394/2", "2794-210", "items/test.yaml")


def test_a_sound_item_passes(index, valid_item):
    assert check_items([_item(valid_item)], index) == []


def _two_keys(item):
    item["key"] = ["A", "B"]


def _duplicate_options(item):
    item["options"]["C"] = item["options"]["B"]


def _unknown_criterion(item):
    item["criterion"] = "9.9"


def _competence_criterion(item):
    item.update(unit="2794-204", outcome="3", criterion="3.1")


def _missing_source(item):
    item["source"] = {}


def _source_beyond_the_document(item):
    item["source"] = {"spec_line": 999_999}


def _near_copy_options(item):
    item["options"]["D"] = item["options"]["B"].replace("staff", "staf")


def _all_of_the_above(item):
    item["options"]["D"] = "All of the above"


def _lowercase_negative(item):
    item["stem"] = "Which of these is not an advantage of a PESTLE analysis?"


def _three_options(item):
    del item["options"]["D"]


def _unknown_unit_in_qualification(item):
    item["qualification"] = "601/4797/0"


def _generated_secure(item):
    item["provenance"] = {"kind": "generated", "template": "items/single_best.j2", "seed": 1}


BROKEN = [
    (_two_keys, "two_keys", "has 2 keys; exactly one option is correct"),
    (_duplicate_options, "duplicate_options", "options B and C are the same"),
    (_unknown_criterion, "unknown_criterion", "criterion 2794-210 LO1 9.9 is not in the catalogue"),
    (_competence_criterion, "competence_criterion", "criterion 3.1 is a competence criterion"),
    (_missing_source, "missing_source", "cites no source"),
    (_source_beyond_the_document, "bad_source", "is not a line of the unit's specification"),
    (_near_copy_options, "near_copy_options", "options B and D are near-copies"),
    (_all_of_the_above, "above_option", "all/none of the above"),
    (_lowercase_negative, "negative_stem", "NOT in capitals"),
    (_three_options, "bad_options", "needs exactly four options A-D"),
    (_unknown_unit_in_qualification, "unknown_criterion", "is not in qualification"),
    (_generated_secure, "secure_generated", "generated items are practice items"),
]


@pytest.mark.parametrize(("breaker", "code", "message"), BROKEN, ids=[b[0].__name__.strip("_") for b in BROKEN])
def test_each_broken_item_is_rejected_with_its_own_message(index, valid_item, breaker, code, message):
    breaker(valid_item)
    problems = check_items([_item(valid_item)], index)
    assert [p.code for p in problems] == [code], problems
    assert message in problems[0].message
    assert str(problems[0]).startswith("items/test.yaml:")
    assert "T-1" in str(problems[0])


def test_the_messages_differ_from_each_other():
    assert len({message for _, _, message in BROKEN}) == len(BROKEN)


def test_a_secure_item_copied_into_practice_is_rejected(index, valid_item):
    secure = _item(valid_item)
    practice = _item(valid_item, id="P-1", use="practice")
    problems = check_items([secure, practice], index)
    assert [(p.item, p.code) for p in problems] == [("P-1", "duplicate_stem"), ("P-1", "secure_in_practice")]
    assert "copies secure item T-1" in problems[1].message


def test_duplicate_ids_and_stems_are_rejected(index, valid_item):
    same_id = _item(valid_item, stem="Another question entirely?")
    same_stem = _item(valid_item, id="T-2")
    problems = check_items([_item(valid_item), same_id, same_stem], index)
    assert sorted((p.item, p.code) for p in problems) == [
        ("T-1", "duplicate_id"), ("T-1", "duplicate_id"), ("T-2", "duplicate_stem")]


def test_forms_count_whole_blueprints_per_outcome(index, valid_item):
    items = []
    for outcome, criterion, count in (("1", "1.2", 11), ("2", "2.1", 10), ("3", "3.1", 16), ("4", "4.1", 21)):
        for n in range(count):
            items.append(_item(valid_item, id=f"{criterion}-{n}", outcome=outcome, criterion=criterion,
                               stem=f"Question {criterion} number {n}?"))
    (report,) = form_reports(items, index)
    assert report.blueprint == {"1": 5, "2": 5, "3": 8, "4": 7}
    assert report.pool == {"1": 11, "2": 10, "3": 16, "4": 21}
    assert report.disjoint_forms == 2  # LO2 10/5 and LO3 16/8 both allow two
    drafts = [_item(valid_item, id="draft", status="draft", stem="Draft?")]
    assert form_reports(drafts, index)[0].pool["1"] == 0


@pytest.mark.parametrize(("phrase", "specific"), [
    ("customers", False), ("all staff", False), ("the organisation and its people", False), ("what to do", False),
    ("external factors", True), ("to-do list", True), ("P", True), ("30 days", True), ("SLA", True),
    ("customers leave", True),
    # Phrasings that shrink to a word every answer uses ("need to know" -> "need", "go over" -> "over").
    ("need to know", False), ("go over it", False), ("right person", False), ("help them", False),
    ("need to know basis", True), ("right department", True),
])
def test_an_accepted_phrasing_must_keep_a_word_specific_to_its_point(phrase, specific):
    from tutor.bank.checks import phrase_is_specific

    assert phrase_is_specific(phrase) is specific


def test_bank_check_refuses_a_generic_phrasing(index):
    from tutor.bank.checks import check_sheets
    from tutor.bank.model import load_sheet_file

    (entry, *_) = [e for e in load_sheet_file(BANK / "sheets" / "2794-210.yaml") if e.ref.criterion == "1.3"]
    entry.key_points[0].accept.append("customers")
    problems = [p for p in check_sheets([entry], index) if p.code == "generic_phrasing"]
    assert [p.message for p in problems] == [
        "accepted phrasing 'customers' has no word specific to its key point "
        "(only stop-words or words such as customer, staff, organisation)"]


def test_bank_check_refuses_a_malformed_scenario_and_a_self_review(index):
    from dataclasses import replace

    from tutor.bank.checks import check_sheets
    from tutor.bank.model import Scenario, load_sheet_file

    (entry, *_) = [e for e in load_sheet_file(BANK / "sheets" / "2794-210.yaml") if e.ref.criterion == "1.2"]
    good = Scenario("Aisha plans a spa.", "Which tool helps?", "A PESTLE analysis", ["A SWOT", "An appraisal", "A survey"],
                    "Outside factors.", {"spec_line": 2406})
    assert check_sheets([replace(entry, scenarios=[good])], index) == []
    bad = replace(good, wrong=["A SWOT", "An appraisal"], key="")
    codes = [p.message for p in check_sheets([replace(entry, scenarios=[bad])], index)]
    assert codes == ["a scenario needs situation, question, key and why",
                     "a scenario needs exactly three wrong answers, has 2"]
    selfish = replace(entry, provenance={"author": "w1", "reviewer": "w1"})
    assert [p.code for p in check_sheets([selfish], index)] == ["self_review"]


@pytest.mark.parametrize("bare", ["false", "true", "yes", "no", "on", "off"])
def test_a_phrasing_yaml_reads_as_yes_or_no_is_refused_with_a_line(tmp_path, bare):
    from tutor.bank.model import BankError, load_sheet_file

    path = tmp_path / "s.yaml"
    path.write_text(
        "qualification: q\nunit: u\ncriteria:\n  - outcome: '1'\n    criterion: '1.1'\n    text: t\n"
        "    key_points:\n      - point: p\n        short: s\n        accept: [honest]\n"
        f"        synonyms: {{misleading: [{bare}, untrue]}}\n", encoding="utf-8")
    with pytest.raises(BankError, match="yes/no value: put it in quotes"):
        load_sheet_file(path)
    path.write_text(path.read_text(encoding="utf-8").replace(f"[{bare},", f'["{bare}",'), encoding="utf-8")
    (entry,) = load_sheet_file(path)
    assert entry.key_points[0].synonyms == {"misleading": [bare, "untrue"]}


def test_marked_examples_need_text_and_a_known_label(index):
    from dataclasses import replace

    from tutor.bank.checks import check_sheets
    from tutor.bank.model import MarkedExample, load_sheet_file

    (entry, *_) = [e for e in load_sheet_file(BANK / "sheets" / "2794-210.yaml") if e.ref.criterion == "1.2"]
    assert check_sheets([replace(entry, examples=[MarkedExample("outside factors", "credited")])], index) == []
    bad = replace(entry, examples=[MarkedExample("outside factors", "right"), MarkedExample("", "credited")])
    assert [p.code for p in check_sheets([bad], index)] == ["bad_field", "bad_field"]
