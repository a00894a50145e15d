"""Table-driven unit tests of each format's reader and writer, on small files of the project's own."""

from __future__ import annotations

import pytest

from tutor.interchange import InterchangeError, detect, read
from tutor.interchange.gift import escape
from tutor.interchange.model import MEDIA_REASON, UnitFacts, plain_text, to_item

FACTS = UnitFacts(("603/2394/2",), "2794-210", frozenset({"2794-210"}), "Principles", {"1.1": "1", "2.3": "2"},
                  frozenset({"5.1"}))

GIFT = [
    # (text, qtype, stem, answers as (text, fraction))
    ("::a::Q?{=r ~w1 ~w2 ~w3}", "multichoice", "Q?", [("r", 1.0), ("w1", 0.0), ("w2", 0.0), ("w3", 0.0)]),
    ("Grant is {~buried =entombed ~living} here.", "multichoice", "Grant is _____ here.",
     [("buried", 0.0), ("entombed", 1.0), ("living", 0.0)]),
    ("Q {~%50%a ~%50%b ~%-100%c}", "multichoice", "Q", [("a", 0.5), ("b", 0.5), ("c", -1.0)]),
    ("Escapes \\~ \\= \\# \\{ \\} \\: \\\\ x{=a\\=b ~c\\#d}", "multichoice", "Escapes ~ = # { } : \\ x",
     [("a=b", 1.0), ("c#d", 0.0)]),
    ("Line one\\nline two{T}", "truefalse", "Line one\nline two", [("true", 1.0), ("false", 0.0)]),
    ("Q{=one =two}", "shortanswer", "Q", []),
    ("Q{#3:1}", "numerical", "Q", []),
    ("Q{}", "essay", "Q", []),
    ("Just words", "description", "Just words", []),
    ("Q{=a -> 1 =b -> 2 =c -> 3}", "match", "Q", []),
]


@pytest.mark.parametrize(("text", "qtype", "stem", "answers"), GIFT)
def test_gift_reading(text, qtype, stem, answers):
    [q] = read(text.encode(), "t.gift", "gift").questions
    assert (q.qtype, q.text) == (qtype, stem)
    if answers:
        assert [(a.text, a.fraction) for a in q.answers] == answers


@pytest.mark.parametrize(("text", "escaped"), [
    ("a ~ b", "a \\~ b"), ("x = y", "x \\= y"), ("#1", "\\#1"), ("{}", "\\{\\}"), ("k: v", "k\\: v"),
    ("A \\ B \\\\ C", "A \\\\ B \\\\\\\\ C"), ("two\nlines", "two\\nlines"),
])
def test_gift_escapes_as_moodle_does(text, escaped):
    assert escape(text) == escaped
    [q] = read(f"{escape(text)}{{}}".encode(), "t.gift", "gift").questions
    assert q.text == text


def test_gift_categories_ids_and_tags():
    text = ("$CATEGORY: $course$/2794-210/LO1\n\n// [id:X-1] [tag:criterion:1.1] [tag:use:secure]\n"
            "::X-1::Q?{=a ~b ~c ~d}\n")
    [q] = read(text.encode(), "t.gift", "gift").questions
    assert (q.category, q.idnumber, q.tags) == ("$course$/2794-210/LO1", "X-1", ["criterion:1.1", "use:secure"])
    item = to_item(q, FACTS, None, "gift", "t.gift")
    assert (item.id, item.ref.criterion, item.ref.outcome, item.use, item.status) == ("X-1", "1.1", "1", "secure",
                                                                                     "draft")


AIKEN = [
    ("Q?\nA) a\nB) b\nC) c\nD) d\nANSWER: C\n", [("Q?", "C", 4, "")]),
    ("Q?\nA. a\nB. b\nANSWER: B", [("Q?", "B", 2, "")]),
    ("Q?\nA) a\nANSWER: A\n", [("Q?", None, 1, "fewer than two options")]),
    ("Q?\nA) a\nB) b\nANSWER: E\n", [("Q?", None, 2, "not one of its options")]),
    ("Q1?\nA) a\nB) b\nQ2?\nA) a\nB) b\nANSWER: A\n", [("Q1?", None, 2, "no ANSWER line"), ("Q2?", "A", 2, "")]),
]


@pytest.mark.parametrize(("text", "expected"), AIKEN)
def test_aiken_reading(text, expected):
    questions = read(text.encode(), "t.txt", "aiken").questions
    got = []
    for q in questions:
        right = [chr(65 + i) for i, a in enumerate(q.answers) if a.fraction == 1.0]
        got.append((q.text, right[0] if right and not q.problem else None, len(q.answers), q.problem))
    assert [(s, k, n) for s, k, n, _ in got] == [(s, k, n) for s, k, n, _ in expected]
    assert all(want in problem for (*_, problem), (*_, want) in zip(got, expected, strict=True))


MOODLE = '''<quiz><question type="category"><category><text>$course$/2794-210/LO2</text></category></question>
<question type="multichoice"><name><text>n</text></name><questiontext format="html"><text><![CDATA[<p>Which &amp; why?</p>]]></text></questiontext>
<generalfeedback format="html"><text>Because</text></generalfeedback><idnumber>210-2.3-Z</idnumber><single>true</single>
<answer fraction="0"><text>a</text></answer><answer fraction="100"><text>b</text></answer>
<answer fraction="0"><text>c</text></answer><answer fraction="0"><text>d</text></answer>
<tags><tag><text>criterion:2.3</text></tag></tags></question></quiz>'''


def test_moodle_xml_reading_and_mapping():
    [q] = read(MOODLE.encode(), "t.xml").questions
    assert (q.qtype, q.category, q.idnumber, q.tags) == ("multichoice", "$course$/2794-210/LO2", "210-2.3-Z",
                                                         ["criterion:2.3"])
    item = to_item(q, FACTS, None, "moodle-xml", "t.xml")
    assert (item.stem, item.key, item.ref.outcome, item.rationale) == ("Which & why?", "B", "2", "Because")


@pytest.mark.parametrize(("html", "text"), [
    ("<p>One</p><p>Two &amp; <b>three</b></p>", "One\nTwo & three"),
    ("a<br/>b", "a\nb"), ("x&nbsp;y", "x y"),
])
def test_html_becomes_plain_text(html, text):
    assert plain_text(html, "html") == text


@pytest.mark.parametrize(("data", "fmt"), [
    (b"PK\x03\x04rest", "qti3"), (b"<quiz/>", "moodle-xml"), (b"Q?\nA) a\nB) b\nANSWER: A\n", "aiken"),
    (b"Q?{=a ~b}", "gift"), (b'<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"/>', "qti3"),
])
def test_format_detection(data, fmt):
    assert detect(data, "x") == fmt


@pytest.mark.parametrize(("criterion", "tags", "reason"), [
    (None, [], "no criterion"), (None, ["criterion:9.9"], "not a knowledge criterion"),
    (None, ["unit:2794-201"], "tagged for unit 2794-201"),
])
def test_mapping_refusals(criterion, tags, reason):
    [q] = read(b"Q?{=a ~b ~c ~d}", "t.gift", "gift").questions
    q.tags = tags
    assert reason in to_item(q, FACTS, criterion, "gift", "t.gift")


def test_unknown_format_is_refused():
    with pytest.raises(InterchangeError, match="unknown format"):
        read(b"x", "x", "csv")


_MOODLE_PICTURE = """<quiz><question type="multichoice"><name><text>sign</text></name>
<questiontext format="html"><text><![CDATA[<p>Read the sign: {img}</p><p>What does it mean?</p>]]></text>
<file name="sign.png" encoding="base64">iVBORw0KGgo=</file></questiontext>
<single>true</single>
<answer fraction="100"><text>Stay with it</text></answer><answer fraction="0"><text>Leave it</text></answer>
<answer fraction="0"><text>Lock it</text></answer><answer fraction="0"><text>Weigh it</text></answer>
</question></quiz>"""


@pytest.mark.parametrize(("fmt", "template"), [
    ("moodle-xml", _MOODLE_PICTURE),
    ("gift", "::sign::[html]<p>Read the sign\\: {img}</p><p>What does it mean?</p>"
             "{=Stay with it ~Leave it ~Lock it ~Weigh it}"),
])
@pytest.mark.parametrize(("img", "stem"), [
    ('<img src="@@PLUGINFILE@@/sign.png" alt="Don&#39;t leave &amp; go" width="30">',
     "Read the sign: [Picture: Don't leave & go]\nWhat does it mean?"),
    ("<img alt='NO ENTRY' src=\"@@PLUGINFILE@@/sign.png\"/>", "Read the sign: [Picture: NO ENTRY]\nWhat does it mean?"),
    ('<img src="@@PLUGINFILE@@/sign.png">', None),
    ('<img src="@@PLUGINFILE@@/sign.png" alt="  ">', None),
    ('<audio src="@@PLUGINFILE@@/sign.mp3" alt="a sign read aloud"></audio>', None),
])
def test_a_picture_with_alt_text_becomes_words_and_any_other_is_skipped(fmt, template, img, stem):
    text = template.replace("{img}", img if fmt == "moodle-xml" else img.replace("=", "\\="))
    [q] = read(text.encode(), f"t.{fmt}", fmt).questions
    got = to_item(q, FACTS, "1.1", fmt, "t")
    if stem is None:
        assert got == MEDIA_REASON
    else:
        assert (got.stem, got.key, got.status) == (stem, "A", "draft")


def test_img_written_in_plain_text_is_text_not_a_picture():
    [q] = read(b"::p::[plain]What does <img alt\\='x'> do?{=Shows a picture ~Plays ~Links ~Bolds}", "p.gift",
               "gift").questions
    assert to_item(q, FACTS, "1.1", "gift", "p") == MEDIA_REASON  # as before: never turned into words


def test_an_alt_written_inside_another_attribute_is_not_the_pictures_alt_text():
    q = read(_MOODLE_PICTURE.replace("{img}", '<img title=" alt=x" src="@@PLUGINFILE@@/sign.png">').encode(),
             "t.xml", "moodle-xml").questions[0]
    assert to_item(q, FACTS, "1.1", "moodle-xml", "t") == MEDIA_REASON


def test_a_file_in_the_general_feedback_skips_the_question_rather_than_vanish_from_the_rationale():
    feedback = ('<generalfeedback format="html"><text><![CDATA[See <img src="@@PLUGINFILE@@/d.png"> and '
                '<a href="@@PLUGINFILE@@/x.pdf">this</a>]]></text></generalfeedback>')
    text = _MOODLE_PICTURE.replace("{img}", "").replace("<single>", feedback + "<single>")
    [q] = read(text.encode(), "t.xml", "moodle-xml").questions
    assert to_item(q, FACTS, "1.1", "moodle-xml", "t") == MEDIA_REASON


def test_many_unclosed_img_tags_are_read_in_linear_time():
    # Each "<img" that never closes once made the picture pattern scan to the end of the text: 40 KB took 10 s.
    import time

    from tutor.interchange.model import pictures_as_words

    started = time.perf_counter()
    assert pictures_as_words("<img " * 40000, "html") == "<img " * 40000
    assert time.perf_counter() - started < 1.0
