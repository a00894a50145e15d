"""Moodle XML: reading it as Moodle 4.5's ``qformat_xml`` does, and writing items in it.

Moodle XML has no schema; ``question/format/xml/format.php`` and the fixtures of Moodle's tests define it.
A ``<question type="category">`` switches category and is not a question; every other ``<question>`` is one.
A multiple-choice grade that is not one Moodle allows (e.g. 33%) fails the whole file, as in Moodle. Written
files follow the element order of Moodle's own export (``multichoice.testquestion.moodle.xml``).
"""

from __future__ import annotations

from tutor.bank.model import Item
from tutor.interchange.model import (Answer, InterchangeError, Question, Reading, UnitFacts, Written, by_category,
                                     item_tags, tagged_export)
from tutor.interchange.safety import MAX_QUESTIONS, parse_xml

_FORMATS = {"html": "html", "moodle_auto_format": "moodle", "plain_text": "plain", "markdown": "markdown"}
_TYPES = {"matching": "match", "multianswer": "cloze"}
_GRADES = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667,
           0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)


def _text(element, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def _fraction(value: str | None) -> float:
    try:
        return float(value or 0) / 100
    except ValueError:
        return float("nan")


def read(data: bytes, name: str) -> Reading:
    root = parse_xml(data, name)
    if root.tag not in ("quiz", "question"):  # a lone <question> is read as a file of one
        raise InterchangeError(f"{name}: not a Moodle XML file (its root is <{root.tag}>, not <quiz>)")
    reading = Reading("moodle-xml")
    category = ""
    for element in [root] if root.tag == "question" else root.iter("question"):
        qtype = (element.get("type") or "").strip()
        if qtype == "category":
            category = _text(element.find("category")).strip()
            continue
        if len(reading.questions) >= MAX_QUESTIONS:
            raise InterchangeError(f"{name}: more than {MAX_QUESTIONS:,} questions")
        reading.questions.append(_question(element, qtype, len(reading.questions) + 1, category, name))
    return reading


def _question(element, qtype: str, position: int, category: str, file_name: str) -> Question:
    text_element = element.find("questiontext")
    fmt = _FORMATS.get(text_element.get("format", "html") if text_element is not None else "html", "html")
    feedback = element.find("generalfeedback")
    q = Question(position, _TYPES.get(qtype, qtype), name=_text(element.find("name")).strip(),
                 text=_text(text_element), text_format=fmt, category=category, line=element.sourceline,
                 general_feedback=_text(feedback),
                 general_feedback_format=_FORMATS.get(feedback.get("format", fmt), fmt) if feedback is not None else fmt,
                 idnumber=(element.findtext("idnumber") or "").strip(),
                 tags=[(t.findtext("text") or "").strip() for t in element.findall("tags/tag")])
    # Moodle 1.9's image fields have no alt text: such a question is skipped. An embedded <file> matters only
    # where the text uses it (@@PLUGINFILE@@), which to_item judges after a picture's alt text replaces it.
    q.media = any(True for _ in element.iter("image", "image_base64"))
    single = (element.findtext("single") or "true").strip().lower()
    q.single = single in ("true", "1")
    for answer in element.findall("answer"):
        q.answers.append(Answer(_text(answer), _fraction(answer.get("fraction")), _text(answer.find("feedback")),
                                _FORMATS.get(answer.get("format", fmt), fmt)))
    if q.qtype == "multichoice":
        for answer in q.answers:
            if not any(abs(abs(answer.fraction) - grade) < 1e-5 for grade in _GRADES):
                raise InterchangeError(
                    f"{file_name}: question {position} ({q.name or 'no name'}): grade {answer.fraction * 100:g}% "
                    "is not one Moodle allows, so the whole file is refused (as Moodle refuses it)")
    elif q.qtype == "truefalse":
        right = [a.text.strip().lower() for a in q.answers if abs(a.fraction - 1) < 1e-6]
        q.true_answer = right == ["true"] if right in (["true"], ["false"]) else None
    elif q.qtype == "match":
        q.pairs = [(_text(s), _text(s.find("answer"))) for s in element.findall("subquestion")]
    elif q.qtype == "ordering":
        ordered = sorted(q.answers, key=lambda a: a.fraction)
        q.sequence = [_plain(a) for a in ordered]
    return q


def _plain(answer: Answer) -> str:
    from tutor.interchange.model import plain_text

    return plain_text(answer.text, answer.format)


# -- writing --------------------------------------------------------------------------------------------------------

def _document(root) -> bytes:
    from lxml import etree

    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _sub(parent, tag: str, text: str | None = None, **attributes):
    from lxml import etree

    child = etree.SubElement(parent, tag, {k: v for k, v in attributes.items()})
    if text is not None:
        child.text = text
    return child


def _texted(parent, tag: str, text: str, fmt: str | None = "plain_text"):
    element = _sub(parent, tag, **({"format": fmt} if fmt else {}))
    _sub(element, "text", text)
    return element


def _combined_feedback(question) -> None:
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _texted(question, tag, "")


def _item(parent, item: Item) -> None:
    qtype = {"true_false": "truefalse", "matching": "matching", "ordering": "ordering"}.get(item.kind, "multichoice")
    q = _sub(parent, "question", type=qtype)
    _texted(q, "name", item.id, None)
    _texted(q, "questiontext", item.stem)
    _texted(q, "generalfeedback", item.rationale)
    _sub(q, "defaultgrade", "1.0000000")
    _sub(q, "penalty", "1.0000000" if qtype == "truefalse" else "0.3333333")
    _sub(q, "hidden", "0")
    _sub(q, "idnumber", item.id)
    if qtype == "multichoice":
        _sub(q, "single", "true")
        _sub(q, "shuffleanswers", "false")
        _sub(q, "answernumbering", "ABCD")
        _sub(q, "showstandardinstruction", "0")
        _combined_feedback(q)
        for letter, text in item.options.items():
            answer = _texted(q, "answer", text)
            answer.set("fraction", "100" if letter == item.key else "0")
            _texted(answer, "feedback", "")
    elif qtype == "truefalse":
        for value, letter in (("true", "A"), ("false", "B")):
            answer = _sub(q, "answer", fraction="100" if item.key == letter else "0", format="moodle_auto_format")
            _sub(answer, "text", value)
            _texted(answer, "feedback", "")
    elif qtype == "matching":
        _sub(q, "shuffleanswers", "true")
        _combined_feedback(q)
        for term, meaning in item.pairs:
            sub = _texted(q, "subquestion", term)
            _sub(_sub(sub, "answer"), "text", meaning)
    else:
        for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0"),
                           ("gradingtype", "ABSOLUTE_POSITION"), ("showgrading", "SHOW"), ("numberingstyle", "none")):
            _sub(q, tag, value)
        _combined_feedback(q)
        for position, step in enumerate(item.sequence, 1):
            answer = _texted(q, "answer", step)
            answer.set("fraction", str(position))
    tags = _sub(q, "tags")
    for tag in item_tags(item):
        _sub(_sub(tags, "tag"), "text", tag)


def write(items: list[Item], facts: UnitFacts) -> Written:
    """Items as Moodle XML: a category per unit and outcome; the item id as name and idnumber; the stem,
    options and rationale as plain text; options in order A-D, not shuffled; the placing as tags."""
    from lxml import etree

    root = etree.Element("quiz")
    written = []
    for path, item in by_category(items):
        if path:
            _texted(_sub(root, "question", type="category"), "category", path, None)
        _item(root, item)
        written.append(item.id)
    data = _document(root)
    return tagged_export(data, items, written, [])
