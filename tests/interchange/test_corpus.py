"""The real files in ../shared/external/interchange (read in place): every question imported or skipped with its
reason, with the figures the corpus README gives, and Moodle's own expected GIFT readings reproduced."""

from __future__ import annotations

import json
import re

import pytest

from tests.interchange.conftest import UNIT, corpus
from tutor.interchange import InterchangeError, read
from tutor.interchange.model import MEDIA_REASON, UnitFacts, to_item

FACTS = UnitFacts(("603/2394/2",), UNIT, frozenset({UNIT}), "Principles", {"1.1": "1", "1.2": "1"})


def _decide(relative: str, criterion: str | None = "1.1"):
    path = corpus(relative)
    reading = read(path.read_bytes(), path.name)
    results = [to_item(q, FACTS, criterion, reading.format, path.name) for q in reading.questions]
    imported = [r for r in results if not isinstance(r, str)]
    skipped = [r for r in results if isinstance(r, str)]
    return reading, imported, skipped


def _moodle_question_count(relative: str) -> int:
    """Questions in a Moodle XML file as Moodle counts them: <question> elements that are not categories."""
    text = corpus(relative).read_text(encoding="utf-8")
    return len(re.findall(r"<question\b", text)) - len(re.findall(r'<question type="category"', text))


# file -> questions the corpus README (or Moodle's own tests) states for it
STATED = {
    "moodle/gift/questions.gift.txt": 9,
    "moodle/gift/questions_in_category.gift.txt": 4,
    "moodle/aiken/questions.aiken.txt": 2,
    "moodle/xml/truefalse.xml": 2,
    "moodle/xml/multichoice.xml": 1,
    "moodle/xml/multianswer.xml": 1,
    "moodle/xml/nested_categories_with_questions.xml": 5,
    "moodle/xml/sample_questions_with_old_image_tag.xml": 2,
    "moodle/xml/broken_cloze_questions.xml": 5,
}


@pytest.mark.parametrize("relative", sorted(STATED))
def test_question_counts_are_those_the_corpus_states(relative):
    reading, imported, skipped = _decide(relative)
    assert len(reading.questions) == STATED[relative]
    assert len(imported) + len(skipped) == STATED[relative]


def _every_file() -> list[str]:
    root = corpus()
    return sorted(str(p.relative_to(root)) for folder in ("moodle", "qti3") for p in (root / folder).rglob("*")
                  if p.is_file() and "xsd" not in p.parts and p.suffix in (".txt", ".xml", ".gift", ".zip"))


REFUSED = {
    "moodle/gift/questions_encoding_windows-1252.gift.txt": "not UTF-8",
    "moodle/xml/error_invalid_grades.xml": "whole file is refused",
}


def test_every_corpus_file_is_read_or_refused_in_one_line():
    files = _every_file()
    assert len(files) > 60
    refused: dict[str, str] = {}
    for relative in files:
        if relative.endswith("imsmanifest.xml") or relative.endswith(".expected.txt") or "NOTICE" in relative:
            continue
        try:
            reading, imported, skipped = _decide(relative)
        except InterchangeError as exc:
            assert "\n" not in str(exc)
            refused[relative] = str(exc)
            continue
        assert len(imported) + len(skipped) == len(reading.questions), relative
        assert all(reason and "\n" not in reason for reason in skipped), relative
        if relative.endswith(".xml") and relative.startswith("moodle/"):
            assert len(reading.questions) == _moodle_question_count(relative), relative
    for relative, reason in REFUSED.items():
        assert reason in refused.pop(relative)
    cloze = {r for r in refused if r.startswith("moodle/cloze/")}
    assert all("Cloze" in refused[r] or "cannot tell its format" in refused[r] for r in cloze) and len(cloze) == 5
    # a fragment of a question (a lone <questiontext>) from Moodle's unit tests is not a file of questions
    assert set(refused) - cloze == {"moodle/xml/inline/test_import_files_as_draft.input.xml"}


def test_only_what_fits_an_item_of_this_bank_is_imported():
    reading, imported, skipped = _decide("moodle/gift/questions.gift.txt")
    kinds = {q.qtype for q in reading.questions}
    assert kinds == {"essay", "match", "multichoice", "numerical", "shortanswer", "truefalse"}
    assert [i.kind for i in imported] == ["true_false"] * 3  # Q1, {T}, {TRUE}
    assert any("3 options" in s for s in skipped) and any("multiple-answer" in s for s in skipped)
    assert all(i.status == "draft" and i.ref.criterion == "1.1" for i in imported)
    reading, imported, skipped = _decide("moodle/gift/questions_in_category.gift.txt")
    assert {q.category for q in reading.questions} == {"$course$/Default for New Features"}
    assert any("images, sound" in s for s in skipped)  # the greeting refers to an mp3 it does not hold


def test_aiken_reports_moodles_error_lines_and_its_three_good_questions():
    reading, imported, skipped = _decide("moodle/aiken/aiken_errors.txt")
    lines = {int(m) for text in skipped + [e.reason for e in reading.errors] for m in re.findall(r"^line (\d+)", text)}
    assert lines == {3, 5, 7, 18}
    assert sum(1 for q in reading.questions if not q.problem) == 3  # what Moodle imports
    good = [q for q in reading.questions if not q.problem]
    assert good[-1].answers[0].text == "Correct (< > &)"
    reading, imported, skipped = _decide("moodle/aiken/questions.aiken.txt")
    assert [i.kind for i in imported] == ["single_best", "true_false"]
    assert imported[0].key == "B" and imported[1].stem.endswith('<html class="cool"> & images:')


def test_moodle_xml_figures():
    with pytest.raises(InterchangeError, match="33%"):
        _decide("moodle/xml/error_invalid_grades.xml")
    _, imported, skipped = _decide("moodle/xml/broken_cloze_questions.xml")
    assert not imported and len(skipped) == 5
    reading, _, _ = _decide("moodle/xml/nested_categories_with_questions.xml")
    assert len({q.category for q in reading.questions}) == 4
    _, imported, _ = _decide("moodle/qtype/ordering.testquestion.moodle.xml")
    assert imported[0].sequence == ["Modular", "Object", "Oriented", "Dynamic", "Learning", "Environment"]


def test_without_a_criterion_a_foreign_question_is_skipped_with_the_reason():
    _, imported, skipped = _decide("moodle/aiken/questions.aiken.txt", criterion=None)
    assert not imported and all("--criterion" in s for s in skipped)


def test_qti3_items_and_packages():
    _, imported, _ = _decide("qti3/items/order.xml")
    assert imported[0].sequence == ["Michael Schumacher", "Rubens Barrichello", "Jenson Button"]
    _, imported, skipped = _decide("qti3/items/BBQs-TF-choice.xml")
    assert imported[0].kind == "true_false" and imported[0].key == "B"
    assert imported[0].stem == "An octahedron has 12 faces."
    for name, reason in (("choice.xml", "has 3 options"), ("choice_multiple.xml", "multiple-answer"),
                         ("match.xml", "one-to-one"), ("text_entry.xml", "text-entry")):
        _, imported, skipped = _decide(f"qti3/items/{name}")
        assert not imported and reason in skipped[0], (name, skipped)
    # the other template URL form is recognised (the item is skipped for its multiple answers, not its template)
    _, _, skipped = _decide("qti3/items/BPIG-QTI3multiplechoice2.xml")
    assert "template" not in skipped[0]
    for package in ("CASE.zip", "englishHighLevelV2.zip", "externalMetadata.zip", "metaData.zip", "simple.zip"):
        reading, imported, skipped = _decide(f"qti3/packages/{package}")
        manifest = corpus(f"qti3/packages/{package}")
        import zipfile

        resources = zipfile.ZipFile(manifest).read("imsmanifest.xml").count(b"<resource ") + zipfile.ZipFile(
            manifest).read("imsmanifest.xml").count(b":resource ")
        assert len(reading.questions) + len(reading.notes) == resources, package  # every resource accounted for


LUGGAGE = "Look at the text in the picture.\n[Picture: NEVER LEAVE LUGGAGE UNATTENDED]\nWhat does it say?"


def test_a_picture_with_alt_text_becomes_words_in_the_stem_of_a_draft():
    _, [item], skipped = _decide("qti3/items/choice_fixed.xml")  # README R4: MC single, mapped
    assert not skipped and (item.kind, item.status, item.key) == ("single_best", "draft", "A")
    assert item.stem == LUGGAGE
    assert list(item.options.values()) == ["You must stay with your luggage at all times.",
                                           "Do not let someone else look after your luggage.",
                                           "Remember your luggage when you leave.", "None of the above."]
    # shuffle="true" with D fixed: the options keep the file's order A-D, and the reviewer is told twice over
    # that D cannot stay as it is (no pin on a test form; no 'none of the above' in this bank)
    [pinned, above] = item.provenance["review"]
    assert pinned.startswith("option D stayed in place") and above.startswith("option D ('None of the above.')")
    _, imported, skipped = _decide("qti3/packages/simple.zip")  # the same item with 3 options and no fixed one
    assert not imported and "has 3 options" in skipped[0]
    _, imported, skipped = _decide("moodle/xml/truefalse.xml")  # pictures in stem, rationale and feedback
    assert not skipped and [i.kind for i in imported] == ["true_false", "true_false"]
    assert imported[0].stem == ("Moodle [Picture: Moodle logo] is an acronym for Modular Object-Oriented Dynamic "
                                "Learning Education.") and imported[0].key == "B"
    assert imported[1].rationale.startswith("[Picture: Informations]For further information")
    _, imported, skipped = _decide("moodle/xml/multichoice.xml")  # its flags have alt text, its mp3 none
    assert not imported and skipped == [MEDIA_REASON]


@pytest.mark.parametrize("drop", ['alt="NEVER LEAVE LUGGAGE UNATTENDED"', 'NEVER LEAVE LUGGAGE UNATTENDED'])
def test_a_picture_without_alt_text_is_still_skipped(drop):
    data = corpus("qti3/items/choice_fixed.xml").read_bytes().replace(drop.encode(), b"")
    assert b"<img" in data
    [question] = read(data, "no-alt.xml").questions
    assert to_item(question, FACTS, "1.1", "qti3", "no-alt.xml") == MEDIA_REASON


def test_qti22_is_refused_in_one_line():
    with pytest.raises(InterchangeError, match="QTI 2.2 is not supported"):
        _decide("qti22/items/choice.xml")


EXPECTED = "moodle/gift/inline/expected_import.json"


def test_moodles_expected_gift_readings_are_reproduced():
    expected = json.loads(corpus(EXPECTED).read_text(encoding="utf-8"))
    checked = 0
    for test, want in expected.items():
        path = corpus(f"moodle/gift/inline/{test}.input.gift")
        if not path.exists():
            continue
        [q] = read(path.read_bytes(), path.name, "gift").questions
        qtype = {"match": "match"}.get(want["qtype"], want["qtype"])
        assert (q.name, q.qtype) == (want["name"], qtype), test
        if "questiontext" in want:
            assert q.text == want["questiontext"], test
        if "questiontextformat" in want:
            assert q.text_format == want["questiontextformat"], test
        if "answers" in want and q.qtype == "multichoice":
            assert [[a.text, a.format, a.fraction, a.feedback] for a in q.answers] == [a[:4] for a in want["answers"]]
            assert q.single == bool(want["single"])
        if "pairs" in want:
            assert [(a, b) for a, b in q.pairs] == [(p[0], p[2]) for p in want["pairs"]]
        if "correctanswer" in want:
            assert q.true_answer == bool(want["correctanswer"])
            assert (q.answers[0].feedback, q.answers[1].feedback) == (want["feedbacktrue"], want["feedbackfalse"])
        if "generalfeedback" in want:
            assert q.general_feedback == want["generalfeedback"]
        if "tags" in want:
            assert (q.tags, q.idnumber) == (want["tags"], want["idnumber"])
        checked += 1
    assert checked >= 14
    from tutor.interchange.gift import _comment_meta

    for case, given in expected["extract_idnumber_and_tags_from_comment"].items():
        if case != "_about":
            idnumber, tags, comment = given
            assert _comment_meta(comment) == (idnumber, tags), case
