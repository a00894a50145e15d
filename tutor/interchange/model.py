"""What the interchange formats share: a question as read from a file, the project's tag convention,
and the one rule that turns a read question into a draft item of this bank (or says why it cannot).

Pure: no database, no UI. The readers (one module per format) produce :class:`Question` objects that
keep what the file said (type, text and its format, answers with their grades); :func:`to_item` decides.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from tutor.bank.model import ABOVE_OPTION, LETTERS, STATUSES, USES, CriterionRef, Item
from tutor.rendering import bundled_text

FORMATS = ("qti3", "moodle-xml", "gift", "aiken")
IMPORTED = "imported"  # provenance kind of an item that came in from a file


class InterchangeError(Exception):
    """A file or request that cannot be handled at all; ``str()`` is one line naming the file."""


@dataclass
class Answer:
    text: str
    fraction: float = 0.0
    feedback: str = ""
    format: str = ""


@dataclass
class Question:
    """One question of a file, as the file gives it (Moodle's type names, whichever format it came from)."""

    position: int  # 1-based, in file order
    qtype: str  # multichoice, truefalse, match, ordering, shortanswer, numerical, essay, description, cloze, ...
    name: str = ""
    text: str = ""
    text_format: str = "moodle"  # moodle | html | plain | markdown
    answers: list[Answer] = field(default_factory=list)
    single: bool = True
    pairs: list[tuple[str, str]] = field(default_factory=list)
    sequence: list[str] = field(default_factory=list)
    true_answer: bool | None = None  # truefalse: whether TRUE is correct
    general_feedback: str = ""
    general_feedback_format: str = ""
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)
    category: str = ""
    line: int | None = None
    problem: str = ""  # why the format's own rules reject it (a broken question)
    media: bool = False  # refers to images, sound or attached files
    remarks: list[str] = field(default_factory=list)  # what a reviewer of the draft should know (one line each)


@dataclass(frozen=True)
class Skipped:
    position: int
    name: str
    reason: str


@dataclass
class Reading:
    """Everything one file holds: its questions in order, and lines or parts that belong to none."""

    format: str
    questions: list[Question] = field(default_factory=list)
    errors: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TestPlan:
    """The awarding body's test of a unit, for a QTI assessment test."""

    __test__ = False
    code: str
    title: str
    minutes: int
    pass_mark: int
    blueprint: dict[str, int]


@dataclass(frozen=True)
class UnitFacts:
    """What import and export need to know of one unit of the catalogue."""

    qualifications: tuple[str, ...]
    unit_key: str  # as the bank's items name the unit (a regulator reference, else the body's code)
    names: frozenset[str]  # every name the unit goes by (key, body's code)
    title: str
    criteria: dict[str, str]  # knowledge criterion -> its outcome
    competence: frozenset[str] = frozenset()
    test: TestPlan | None = None


@dataclass
class Written:
    """One export: the bytes, the items in it, and each item refused with its reason."""

    data: bytes
    written: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- the project's tag convention (GIFT [tag:], Moodle XML <tags>, QTI LOM taxa) -----------------------------------

TAG_KEYS = ("qualification", "unit", "outcome", "criterion", "kind", "use", "status", "difficulty", "source", "enemy")
_TAG_UNSAFE = re.compile(r"[<>`\]\x00-\x1f\x7f]")


def item_properties(item: Item) -> list[tuple[str, str]]:
    """(key, value) pairs that carry an item's placing and standing, its status included. The status is a
    record, not an instruction: an import makes every item a draft unless an admin asks for the recorded
    status back (:func:`recorded_status`, ``tutor bank import --keep-status``)."""
    props = [("qualification", item.ref.qualification), ("unit", item.ref.unit), ("outcome", item.ref.outcome),
             ("criterion", item.ref.criterion), ("kind", item.kind), ("use", item.use), ("status", item.status)]
    if item.difficulty is not None:
        props.append(("difficulty", str(item.difficulty)))
    for key in ("spec_line", "outside_fact"):
        if key in item.source:
            props.append(("source", f"{key}={' '.join(str(item.source[key]).split())}"))
    props += [("enemy", e) for e in item.enemies]
    return props


MAX_TAG = 50  # Moodle's longest tag (TAG_MAX_LENGTH)


def item_tags(item: Item) -> list[str]:
    """The properties as ``key:value`` tags, leaving out any a Moodle tag cannot hold (too long, or with
    ``] < >`` or control characters): in practice a long ``outside_fact`` source."""
    tags = [f"{k}:{v}" for k, v in item_properties(item) if v and v.strip() == v and not _TAG_UNSAFE.search(v)]
    return [t for t in tags if len(t) <= MAX_TAG]


def untagged_sources(items: list[Item]) -> str | None:
    """A note when some items' sources cannot travel as tags (a Moodle tag holds 50 characters)."""
    lost = [i.id for i in items if i.source and not any(t.startswith("source:") for t in item_tags(i))]
    if not lost:
        return None
    return (f"{len(lost)} item{'s' if len(lost) != 1 else ''}' source (an outside fact longer than a Moodle tag) "
            "is not carried; QTI 3 carries it")


def read_tags(tags: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for tag in tags:
        key, sep, value = tag.partition(":")
        if sep and key.strip().lower() in TAG_KEYS:
            found.setdefault(key.strip().lower(), []).append(value.strip())
    return found


def recorded_status(q: Question) -> str | None:
    """The status a file records for a question (this project's ``status:`` tag or taxon), if it is one of
    the bank's statuses; None when the file records none."""
    found = read_tags(q.tags).get("status", [])
    return found[0] if found and found[0] in STATUSES else None


def category_path(item: Item) -> str:
    """Moodle's category for an item: per unit and outcome (a ``/`` inside a name is written ``//``)."""
    return "$course$/" + "/".join(part.replace("/", "//") for part in (item.ref.unit, f"LO{item.ref.outcome}"))


def split_category(path: str) -> list[str]:
    parts = re.split(r"(?<!/)/(?!/)", path.strip())
    return [p.replace("//", "/").strip() for p in parts if p.strip()]


def natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def export_order(items: list[Item]) -> list[Item]:
    """Items in a fixed order (outcome, criterion, id), so the same bank always exports the same bytes."""
    return sorted(items, key=lambda i: (natural(i.ref.outcome), natural(i.ref.criterion), natural(i.id)))


def by_category(items: list[Item]) -> Iterator[tuple[str | None, Item]]:
    """Items in export order, each with its Moodle category (:func:`category_path`) where it starts a new
    one, else None: where the GIFT and Moodle XML writers put a category marker."""
    category = None
    for item in export_order(items):
        path = category_path(item)
        yield (path if path != category else None), item
        category = path


def tagged_export(data: bytes, items: list[Item], written: list[str], refused: list[tuple[str, str]]) -> Written:
    """An export whose placing travels as tags (GIFT, Moodle XML), with a note when some written items'
    sources cannot (:func:`untagged_sources`)."""
    ids = set(written)
    note = untagged_sources([i for i in items if i.id in ids])
    return Written(data, written, refused, [note] if note else [])


# -- text -------------------------------------------------------------------------------------------------------------

_MEDIA = re.compile(r"<\s*(img|audio|video|object|embed|iframe|math|svg|source)\b|@@PLUGINFILE@@|<\s*image\b"
                    r"|href\s*=\s*[\"'][^\"']*\.(mp3|wav|ogg|m4a|mp4|webm|png|jpe?g|gif|svg)[\"']", re.IGNORECASE)
_BLOCK_END = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(p|div|li|h[1-6]|tr|pre)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")


def has_media(text: str) -> bool:
    return bool(_MEDIA.search(text))


# A tag's body stops at the next "<" too, so an <img that never closes fails at once (not by a scan to the end
# of the text from every "<img", which made a hostile file of many unclosed tags take minutes).
_IMG = re.compile(r"""<\s*img\b((?:[^<>"']|"[^"]*"|'[^']*')*)>""", re.IGNORECASE)
# One attribute, name and value, read from the left: an "alt=" inside another attribute's value is not its alt.
_ATTRIBUTE = re.compile(r"""\s*([^\s=<>"'/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>]+)))?|\s*/""")


def _alt_of(attributes: str) -> str | None:
    for found in _ATTRIBUTE.finditer(attributes):
        if (found.group(1) or "").lower() == "alt":
            return next((g for g in found.groups()[1:] if g is not None), "")
    return None


def picture_words(alt: str | None) -> str | None:
    """What a picture becomes in a question's text: its alt text in the words of ``templates/items/picture.j2``
    (``[Picture: ...]``); None when it has no alt text, so nothing can stand in for it."""
    alt = " ".join((alt or "").split())
    return bundled_text("items/picture.j2", alt=alt).strip() if alt else None


def pictures_as_words(text: str, fmt: str) -> str:
    """HTML text with each ``<img>`` that has alt text replaced by :func:`picture_words` (escaped again in HTML,
    which :func:`plain_text` then decodes); an ``<img>`` without alt text stays, so :func:`has_media` refuses it."""
    if fmt == "plain":  # plain text shows "<img" as written: it is no picture
        return text

    def swap(found: re.Match) -> str:
        alt = _alt_of(found.group(1))
        words = picture_words(html.unescape(alt)) if alt is not None else None
        if words is None:
            return found.group(0)
        return html.escape(words, quote=False) if fmt == "html" else words

    return _IMG.sub(swap, text)


def plain_text(text: str, fmt: str) -> str:
    """A question's text as this bank holds it: plain text. HTML loses its markup (a line break or the end
    of a paragraph becomes a new line) and its character references are decoded; other formats are text."""
    if fmt == "html":
        text = _TAG.sub("", _BLOCK_END.sub("\n", text))
        text = html.unescape(text).replace("\xa0", " ")
        lines = [" ".join(line.split()) for line in text.split("\n")]
        return "\n".join(line for line in lines if line)
    return text.strip()


# -- from a read question to a draft item -----------------------------------------------------------------------------

_NOT_ITEMS = {
    "shortanswer": "a short-answer question (typed answers)",
    "numerical": "a numerical question",
    "essay": "an essay question",
    "description": "a description, not a question",
    "cloze": "a Cloze question (embedded answers)",
    "multianswer": "a Cloze question (embedded answers)",
    "calculated": "a calculated question",
    "calculatedsimple": "a calculated question",
    "calculatedmulti": "a calculated question",
    "ddwtos": "a drag-and-drop question",
    "ddimageortext": "a drag-and-drop question",
    "ddmarker": "a drag-and-drop question",
    "gapselect": "a select-missing-words question",
    "randomsamatch": "a random short-answer matching question",
    "text_entry": "a text-entry question (typed answers)",
    "extended_text": "an essay question",
}
MEDIA_REASON = "refers to images, sound or attached files, which this bank's items cannot hold"
NOT_A_ITEM = "cannot become an item of this bank (single best answer from A-D, true/false, matching or ordering)"
_CRITERION_TOKEN = re.compile(r"(?<![\d.])(\d+\.\d+)(?![\d.])")
ITEM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,119}")


def _is_one(value: float) -> bool:
    return abs(value - 1.0) < 1e-6


def _kind_and_answers(q: Question) -> tuple[str, dict[str, str], str | None] | str:
    """(kind, options, key) for an option question, else the reason it cannot be one."""
    if q.qtype == "truefalse":
        if q.true_answer is None:
            return "a true/false question without its answer"
        return "true_false", {"A": "True", "B": "False"}, "A" if q.true_answer else "B"
    if q.qtype != "multichoice":
        return f"{_NOT_ITEMS.get(q.qtype, f'a {q.qtype} question')}: {NOT_A_ITEM}"
    right = [i for i, a in enumerate(q.answers) if _is_one(a.fraction)]
    if not q.single:
        return f"a multiple-answer question: {NOT_A_ITEM}"
    if len(right) != 1 or any(abs(a.fraction) > 1e-6 for i, a in enumerate(q.answers) if i != right[0]):
        return "needs exactly one answer at 100% and the others at 0% (partial or negative grades cannot be kept)"
    texts = [plain_text(a.text, a.format or q.text_format) for a in q.answers]
    if any(not t for t in texts):
        return "has an empty answer"
    if len(texts) == 2 and [t.lower() for t in texts] == ["true", "false"]:
        return "true_false", {"A": "True", "B": "False"}, "AB"[right[0]]
    if len(texts) != 4:
        return f"has {len(texts)} options; an item of this bank has exactly four (A-D) or is true/false"
    if len({" ".join(t.lower().split()) for t in texts}) != 4:
        return "has two options with the same text"
    return "single_best", dict(zip(LETTERS, texts, strict=True)), LETTERS[right[0]]


def _shape(q: Question) -> tuple[str, dict[str, str], str | None, list[tuple[str, str]], list[str]] | str:
    if q.qtype == "match":
        pairs = [(plain_text(a, q.text_format), b.strip()) for a, b in q.pairs]
        if any(not a for a, _ in pairs):
            return "a matching question with extra answers that match nothing: this bank's matching items have none"
        if not 3 <= len(pairs) <= 6:
            return f"a matching question with {len(pairs)} pairs; this bank's have 3 to 6"
        if len({a for a, _ in pairs}) != len(pairs) or len({b for _, b in pairs}) != len(pairs) or not all(
                b for _, b in pairs):
            return "a matching question whose pairs are not one-to-one; this bank's are"
        return "matching", {}, None, pairs, []
    if q.qtype == "ordering":
        steps = [plain_text(s, q.text_format) for s in q.sequence]
        if not 3 <= len(steps) <= 6 or len(set(steps)) != len(steps) or not all(steps):
            return f"an ordering question with {len(steps)} steps; this bank's have 3 to 6 distinct steps"
        return "ordering", {}, None, [], steps
    found = _kind_and_answers(q)
    if isinstance(found, str):
        return found
    kind, options, key = found
    return kind, options, key, [], []


def _criterion(q: Question, tags: dict[str, list[str]], facts: UnitFacts, given: str | None) -> str:
    """The criterion a question bears on, or raise ValueError with the reason none can be found."""
    if given:
        return given
    for criterion in tags.get("criterion", []):
        if criterion in facts.criteria:
            return criterion
        raise ValueError(f"its criterion {criterion} is not a knowledge criterion of {facts.unit_key}")
    for part in reversed(split_category(q.category)):
        for word in (part, part.removeprefix("AC").strip()):
            if word in facts.criteria:
                return word
    tokens = {t for t in _CRITERION_TOKEN.findall(q.idnumber) if t in facts.criteria}
    if len(tokens) == 1:
        return tokens.pop()
    raise ValueError("no criterion: name one with --criterion, or tag the question criterion:N")


def _above_options(options: dict[str, str]) -> list[str]:
    return [bundled_text("items/remarks/above.j2", letter=letter, text=text)
            for letter, text in options.items() if ABOVE_OPTION.search(text)]


def to_item(q: Question, facts: UnitFacts, criterion: str | None, fmt: str, file_name: str) -> Item | str:
    """The draft item a question becomes, or the reason it cannot become one (one line). A picture with alt
    text becomes those words (:func:`pictures_as_words`); any other picture, sound or file skips the question."""
    if q.problem:
        return q.problem
    q = replace(q, text=pictures_as_words(q.text, q.text_format),
                general_feedback=pictures_as_words(q.general_feedback, q.general_feedback_format or q.text_format),
                answers=[replace(a, text=pictures_as_words(a.text, a.format or q.text_format)) for a in q.answers])
    if q.media or any(has_media(t) for t in (q.text, q.general_feedback, *(a.text for a in q.answers))):
        return MEDIA_REASON
    shape = _shape(q)
    if isinstance(shape, str):
        return shape
    kind, options, key, pairs, sequence = shape
    stem = plain_text(q.text, q.text_format)
    if not stem:
        return "has no question text"
    tags = read_tags(q.tags)
    units = tags.get("unit", [])
    if units and units[0] not in facts.names:
        return f"is tagged for unit {units[0]}, not {facts.unit_key}"
    unit = units[0] if units else facts.unit_key
    try:
        chosen = _criterion(q, tags, facts, criterion)
    except ValueError as exc:
        return str(exc)
    tagged_kind = (tags.get("kind") or [""])[0]
    if kind == "single_best" and tagged_kind in ("single_best", "negative"):
        kind = tagged_kind
    elif kind == "single_best" and not tagged_kind and re.search(r"\bNOT\b", stem):
        kind = "negative"
    qualification = (tags.get("qualification") or [""])[0]
    if qualification not in facts.qualifications:
        qualification = facts.qualifications[0] if facts.qualifications else ""
    use = (tags.get("use") or ["practice"])[0]
    difficulty = (tags.get("difficulty") or [""])[0]
    source: dict = {}
    for value in tags.get("source", [])[:1]:
        name, _, text = value.partition("=")
        if name == "spec_line" and text.isdigit():
            source = {"spec_line": int(text)}
        elif name == "outside_fact" and text:
            source = {"outside_fact": text}
    provenance = {"kind": IMPORTED, "format": fmt, "file": file_name, "position": q.position}
    if remarks := q.remarks + _above_options(options):
        provenance["review"] = remarks
    if q.idnumber:
        provenance["source_id"] = q.idnumber
    if q.name:
        provenance["name"] = q.name
    rationale = plain_text(q.general_feedback, q.general_feedback_format or q.text_format)
    candidate = q.idnumber if ITEM_ID.fullmatch(q.idnumber or "") else ""
    return Item(
        id=candidate, ref=CriterionRef(qualification, unit, facts.criteria[chosen], chosen), kind=kind,
        use=use if use in USES else "practice", status="draft",
        difficulty=int(difficulty) if difficulty in ("1", "2", "3") else None, stem=stem, options=options, key=key,
        rationale=rationale, source=source, provenance=provenance, pairs=pairs, sequence=sequence,
        enemies=[e for e in tags.get("enemy", []) if ITEM_ID.fullmatch(e)],
    )
