"""The chat-practice dialogue engine: one learner, one unit, one criterion at a time.

The engine is a state machine driven by :meth:`PracticeEngine.start` and
:meth:`PracticeEngine.respond`. Each returns a :class:`Turn`: the assistant messages to show,
and (for a learner turn) the :class:`Exchange` to store at once. Every assistant text comes
from ``templates/practice/*.j2``; the learner's text is only ever a template *variable*.

Flow per criterion, due-for-review criteria first, then the rest in catalogue order:

* knowledge criterion with a sheet: open question -> answer, marked -> if on topic but no point, one probing
  follow-up -> feedback (points made and missed) and a model answer -> a practice item of one of the
  generator's forms (scenario, single best, which-statement, NOT, true/false, matching, ordering; drawn by
  :data:`FORM_WEIGHTS`, so NOT stays under 15%) -> right or wrong with the rationale -> next;
* own-organisation criterion, or a knowledge criterion with no sheet: open question -> the
  answer is recorded for the tutor to judge (no mark) -> next;
* competence criterion: explain that it needs workplace evidence, offer to record a note for
  the tutor -> next. Never marked met.

Commands: ``/hint`` ``/skip`` ``/repeat`` ``/progress`` ``/why`` ``/quit``; any other ``/x`` gets
one help line. Only practice items are ever served: a secure item given to the engine raises
:class:`SecureItemError`.

Over 500 lines because the dialogue is one state machine: its steps share :class:`_State` and read
in the order a learner meets them; serving items of each form is its last section.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tutor.bank.catalogue_index import CriterionFacts
from tutor.bank.generator import item_form
from tutor.bank.model import LETTERS, Item, SheetEntry
from tutor.bank.prompts import OpenPrompt, command_verb
from tutor.practice.marking import Marking, mark_answer
from tutor.rendering import TextRenderer

__all__ = [
    "COMMANDS",
    "MCQ_KINDS",
    "AssistantMessage",
    "EngineFinished",
    "Exchange",
    "PracticeEngine",
    "SecureItemError",
    "Turn",
]

MCQ_KINDS = ("single_best", "negative")
SERVED_KINDS = (*MCQ_KINDS, "true_false", "matching", "ordering")
# How often each form is served when a criterion has it (weights, normalised over the forms it has). "Which is
# NOT" stays rare: 0.05 / (0.05 + 0.20 + 0.15) = 12.5% of A-D items even where a sheet has no scenario.
FORM_WEIGHTS = {"scenario": 0.30, "single_best": 0.20, "statement": 0.15, "true_false": 0.15,
                "negative": 0.05, "matching": 0.15, "ordering": 0.15}
NOT_SHARE = 0.12
"""Past its first, a session serves a NOT item only while NOT items stay within this share of its A-D items
(held by count, not left to chance; the weight keeps the first rare)."""
A_TO_D_FORMS = ("scenario", "single_best", "statement", "negative")
COMMANDS = ("/hint", "/skip", "/repeat", "/progress", "/why", "/quit")

# Verdicts recorded on exchanges that are not marks of free text.
RIGHT, WRONG = "right", "wrong"              # a multiple-choice answer
FOR_TUTOR = "for_tutor"                      # own organisation / no sheet: the tutor judges
NOTE = "note"                                # competence criterion: a note for the tutor
SKIPPED = "skipped"


class SecureItemError(ValueError):
    """A secure (test-only) item was offered to practice."""


class EngineFinished(RuntimeError):
    """Input after the session ended (by ``/quit`` or at the end of the unit)."""


@dataclass(frozen=True)
class AssistantMessage:
    """One thing the assistant says. ``kind`` is one of: question, probe, feedback, model_answer,
    mcq, mcq_result, choose_letter, recorded, competence, note_recorded, hint, no_hint, help,
    progress, why, skipped, empty, end."""

    kind: str
    text: str
    criterion: CriterionFacts | None
    item_id: str | None = None
    item_version: str | None = None


@dataclass(frozen=True)
class Exchange:
    """One learner turn, ready to store. ``prompt`` is the question text the learner was answering
    (empty for an item, which is named by ``item_id`` and ``item_version``). ``turn`` says what the
    input was: answer, probe_answer, choice, note, command, empty. ``verdict`` is the marking verdict
    (secure/partial/not_yet/contradicted) for free text, right/wrong for an item, for_tutor, note,
    skipped, or ``None`` for a command that answers nothing. ``contradicted`` and ``misconceptions``
    name the key points the answer said the wrong way round and the misconceptions it stated."""

    qualification: str
    unit: str
    outcome: str
    criterion: str
    prompt: str
    item_id: str | None
    item_version: str | None
    answer: str
    verdict: str | None
    matched: tuple[int, ...]
    hints_used: int
    seconds: float
    turn: str
    mode: str = "practice"
    contradicted: tuple[int, ...] = ()
    misconceptions: tuple[int, ...] = ()


@dataclass(frozen=True)
class Turn:
    messages: tuple[AssistantMessage, ...]
    exchange: Exchange | None = None  # None only for :meth:`PracticeEngine.start`


@dataclass
class _State:
    """Where the learner is within the current criterion."""

    stage: str = "open"          # open | probe | mcq | note
    hints: int = 0
    revealed: list[int] = field(default_factory=list)
    first_answer: str = ""
    marking: Marking | None = None
    item: Item | None = None
    pending: tuple[AssistantMessage, ...] = ()   # what /repeat repeats


def _seconds(value: datetime | float) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


def _source_text(source: Mapping) -> str | None:
    if "spec_line" in source:
        return f"specification line {source['spec_line']}"
    if "outside_fact" in source:
        return str(source["outside_fact"])
    return None


class PracticeEngine:
    """Chat practice over one unit for one learner.

    ``criteria``: the unit's criteria in catalogue order. ``sheets`` and ``prompts`` are keyed by
    criterion id (``"1.2"``). ``items``: practice items for the unit (any secure item raises
    :class:`SecureItemError`; retired and draft items are ignored). ``due``: criterion ids due for
    review, asked first. ``clock``: returns a datetime or seconds, used for the time each turn took.
    """

    def __init__(
        self,
        criteria: Sequence[CriterionFacts],
        sheets: Mapping[str, SheetEntry],
        items: Iterable[Item],
        prompts: Mapping[str, OpenPrompt],
        due: Iterable[str],
        renderer: TextRenderer,
        seed: int = 0,
        clock: Callable[[], datetime | float] = time.monotonic,
    ) -> None:
        self.renderer = renderer
        self.sheets = dict(sheets)
        self.prompts = dict(prompts)
        self.seed = seed
        self.clock = clock
        self.items: dict[str, list[Item]] = {}
        for item in items:
            if item.use != "practice":
                raise SecureItemError(f"item {item.id} is {item.use or 'not marked'} use, not practice: "
                                      "it must never be served in chat practice")
            if item.status == "approved" and _servable(item):
                self.items.setdefault(item.ref.criterion, []).append(item)
        due_set = set(due)
        self.due = [c.criterion for c in criteria if c.criterion in due_set]
        self.order: list[CriterionFacts] = ([c for c in criteria if c.criterion in due_set]
                                            + [c for c in criteria if c.criterion not in due_set])
        self.position = 0
        self.answered: set[str] = set()
        self.skipped: set[str] = set()
        self.exchanges: list[Exchange] = []
        self.finished = False
        self.started = False
        self._state = _State()
        self._visits: dict[str, int] = {}
        self._served_a_to_d = 0  # A-D items served this session, and how many of them were NOT items
        self._served_not = 0
        self._asked_at = _seconds(clock())

    # -- public ----------------------------------------------------------------------------

    @property
    def current(self) -> CriterionFacts | None:
        return self.order[self.position] if self.position < len(self.order) else None

    def start(self) -> Turn:
        """The first question (or the end, for a unit with no criteria)."""
        if self.started:
            raise RuntimeError("the practice session has already started")
        self.started = True
        return Turn(self._finish(self._enter()))

    def respond(self, text: str) -> Turn:
        """Take one learner input; return what the assistant says and the exchange to store."""
        if not self.started:
            raise RuntimeError("call start() first")
        if self.finished:
            raise EngineFinished("the practice session has ended")
        seconds = max(0.0, _seconds(self.clock()) - self._asked_at)
        answer = text.strip()
        if answer.startswith("/"):
            messages, exchange = self._command(answer, seconds)
        elif not answer:
            messages = (self._msg("empty", "practice/empty.j2"),)
            exchange = self._exchange("", None, (), seconds, "empty")
        else:
            messages, exchange = self._answer(answer, seconds)
        self.exchanges.append(exchange)
        return Turn(self._finish(messages), exchange)

    # -- entering a criterion --------------------------------------------------------------

    def _kind(self, c: CriterionFacts) -> str:
        if c.kind != "knowledge":
            return "competence"
        sheet = self.sheets.get(c.criterion)
        prompt = self.prompts.get(c.criterion)
        # The sheet decides whether a criterion is about the learner's own organisation; without one, the prompt.
        if (sheet.own_organisation if sheet else prompt is not None and prompt.own_organisation):
            return "own"
        return "knowledge" if sheet and sheet.key_points else "no_sheet"

    def _prompt_text(self, c: CriterionFacts) -> str:
        prompt = self.prompts.get(c.criterion)
        return prompt.text if prompt else self.renderer.render("practice/fallback_prompt.j2", criterion=c).strip()

    def _enter(self) -> tuple[AssistantMessage, ...]:
        """Start the current criterion (or end the session) and return what to say."""
        self._state = _State()
        c = self.current
        if c is None:
            self.finished = True
            return (self._msg("end", "practice/end.j2", quit=False, **self._counts()),)
        if self._kind(c) == "competence":
            self._state.stage = "note"
            msg = self._msg("competence", "practice/competence.j2", criterion=c)
        else:
            msg = self._msg("question", "practice/question.j2", prompt=self._prompt_text(c),
                            due=c.criterion in self.due)
        self._state.pending = (msg,)
        return (msg,)

    def _advance(self) -> tuple[AssistantMessage, ...]:
        self.position += 1
        return self._enter()

    # -- learner answers -------------------------------------------------------------------

    def _answer(self, answer: str, seconds: float) -> tuple[tuple[AssistantMessage, ...], Exchange]:
        c = self.current
        assert c is not None
        state = self._state
        kind = self._kind(c)
        if state.stage == "note":
            self.answered.add(c.criterion)
            exchange = self._exchange(answer, NOTE, (), seconds, "note")
            return (self._msg("note_recorded", "practice/note_recorded.j2"), *self._advance()), exchange
        if state.stage == "mcq":
            return self._choice(answer, seconds)
        if kind in ("own", "no_sheet"):
            self.answered.add(c.criterion)
            exchange = self._exchange(answer, FOR_TUTOR, (), seconds, "answer")
            sheet = self.sheets.get(c.criterion)
            covers = [p.point for p in sheet.key_points] if kind == "own" and sheet else []
            recorded = self._msg("recorded", "practice/recorded_for_tutor.j2", own_organisation=kind == "own",
                                 covers=covers)
            return (recorded, *self._advance()), exchange
        sheet = self.sheets[c.criterion]
        question = self._prompt_text(c)
        turn = "probe_answer" if state.stage == "probe" else "answer"
        full = f"{state.first_answer} {answer}" if state.stage == "probe" else answer
        marking = mark_answer(full, sheet, question)
        exchange = self._exchange(answer, marking.verdict, tuple(m.index for m in marking.made), seconds, turn,
                                  contradicted=tuple(m.index for m in marking.contradicted),
                                  misconceptions=tuple(m.index for m in marking.misconceptions))
        if state.stage == "open" and marking.verdict == "not_yet" and marking.related and not marking.copied_question:
            state.stage = "probe"
            state.first_answer = answer
            verb = command_verb(c.text)
            probe = self._msg("probe", "practice/probe.j2", task=c.text[len(verb):].strip() or c.text)
            state.pending = (probe,)
            return (probe,), exchange
        self.answered.add(c.criterion)
        state.marking = marking
        return self._feedback(sheet, marking), exchange

    def _feedback(self, sheet: SheetEntry, marking: Marking) -> tuple[AssistantMessage, ...]:
        points = sheet.key_points
        made = [(points[m.index].short, m.evidence) for m in marking.made]
        missed = [points[i].short for i in marking.missed if i not in {m.index for m in marking.contradicted}]
        contradicted = [(points[m.index].short, m.evidence) for m in marking.contradicted]
        held = [(sheet.misconceptions[m.index].why, m.evidence) for m in marking.misconceptions]
        messages = [
            self._msg("feedback", "practice/feedback.j2", verdict=marking.verdict, copied=marking.copied_question,
                      made=made, missed=missed, contradicted=contradicted, misconceptions=held),
            self._msg("model_answer", "practice/model_answer.j2", points=[p.point for p in points]),
        ]
        item = self._pick_item()
        if item is None:
            return (*messages, *self._advance())
        self._state.stage = "mcq"
        self._state.item = item
        mcq = self._msg("mcq", "practice/mcq.j2", item=item, layout=self._layout(item))
        self._state.pending = (mcq,)
        return (*messages, mcq)

    def _pick_item(self) -> Item | None:
        """One practice item for the criterion: a form drawn by :data:`FORM_WEIGHTS` among those it has,
        then an item of that form (each visit to the criterion draws afresh)."""
        c = self.current
        assert c is not None
        pool = sorted(self.items.get(c.criterion, []), key=lambda i: i.id)
        if not pool:
            return None
        visits = self._visits.get(c.criterion, 0)
        self._visits[c.criterion] = visits + 1
        rng = random.Random(f"{self.seed}:{c.unit}:{c.criterion}:{visits}")
        by_form: dict[str, list[Item]] = {}
        for item in pool:
            by_form.setdefault(item_form(item), []).append(item)
        forms = sorted(by_form)
        if ("negative" in forms and len(forms) > 1 and self._served_not
                and self._served_not + 1 > NOT_SHARE * (self._served_a_to_d + 1)):
            forms.remove("negative")  # a second NOT item would take the session over its share
        form = rng.choices(forms, weights=[FORM_WEIGHTS.get(f, 0.1) for f in forms])[0]
        if form in A_TO_D_FORMS:
            self._served_a_to_d += 1
            self._served_not += form == "negative"
        return rng.choice(by_form[form])

    def _choice(self, answer: str, seconds: float) -> tuple[tuple[AssistantMessage, ...], Exchange]:
        item = self._state.item
        assert item is not None
        given = read_choice(item, answer, self._layout(item))
        if given is None:
            exchange = self._exchange(answer, None, (), seconds, "choice", item)
            return (self._msg("choose_letter", "practice/choose_letter.j2", item=item, layout=self._layout(item)),), exchange
        expected = self._layout(item).key
        right = given == expected
        exchange = self._exchange(given, RIGHT if right else WRONG, (), seconds, "choice", item)
        result = self._msg("mcq_result", "practice/mcq_result.j2", item=item, right=right, layout=self._layout(item))
        return (result, *self._advance()), exchange

    def _layout(self, item: Item) -> ItemLayout:
        return item_layout(item)

    # -- commands --------------------------------------------------------------------------

    def _command(self, text: str, seconds: float) -> tuple[tuple[AssistantMessage, ...], Exchange]:
        command = text.split()[0].lower()
        c = self.current
        assert c is not None
        item = self._state.item if self._state.stage == "mcq" else None
        if command == "/hint":
            messages = (self._hint(),)
            return messages, self._exchange(text, None, (), seconds, "command", item)
        if command == "/skip":
            exchange = self._exchange(text, SKIPPED, (), seconds, "command", item)
            if c.criterion not in self.answered:
                self.skipped.add(c.criterion)
            return (self._msg("skipped", "practice/skipped.j2"), *self._advance()), exchange
        if command == "/repeat":
            return self._state.pending, self._exchange(text, None, (), seconds, "command", item)
        if command == "/progress":
            msg = self._msg("progress", "practice/progress.j2", position=self.position + 1, total=len(self.order),
                            due=self.due, **self._counts())
            return (msg,), self._exchange(text, None, (), seconds, "command", item)
        if command == "/why":
            return (self._why(),), self._exchange(text, None, (), seconds, "command", item)
        if command == "/quit":
            exchange = self._exchange(text, None, (), seconds, "command", item)
            self.finished = True
            return (self._msg("end", "practice/end.j2", quit=True, **self._counts()),), exchange
        return (self._msg("help", "practice/help.j2"),), self._exchange(text, None, (), seconds, "command", item)

    def _hint(self) -> AssistantMessage:
        c = self.current
        assert c is not None
        state = self._state
        sheet = self.sheets.get(c.criterion)
        if state.stage not in ("open", "probe") or sheet is None or not sheet.key_points:
            return self._msg("no_hint", "practice/no_hint.j2", exhausted=False)
        made = {m.index for m in state.marking.made} if state.marking else set()
        left = [i for i in range(len(sheet.key_points)) if i not in state.revealed and i not in made]
        if not left:
            return self._msg("no_hint", "practice/no_hint.j2", exhausted=True)
        index = left[0]
        state.revealed.append(index)
        state.hints += 1
        return self._msg("hint", "practice/hint.j2", number=state.hints, total=len(sheet.key_points),
                         short=sheet.key_points[index].short.rstrip("."))

    def _why(self) -> AssistantMessage:
        c = self.current
        sheet = self.sheets.get(c.criterion) if c else None
        sources: list[str] = []
        for point in sheet.key_points if sheet else []:
            text = _source_text(point.source)
            if text and text not in sources:
                sources.append(text)
        return self._msg("why", "practice/why.j2", sources=sources)

    # -- helpers ---------------------------------------------------------------------------

    def _counts(self) -> dict[str, int]:
        return {"answered": len(self.answered), "skipped": len(self.skipped - self.answered)}

    def _msg(self, kind: str, template: str, **context) -> AssistantMessage:
        c = self.current
        context.setdefault("criterion", c)
        text = self.renderer.render(template, **context).strip()
        item = context.get("item")
        return AssistantMessage(kind, text, c, item.id if item else None, item.version if item else None)

    def _exchange(self, answer: str, verdict: str | None, matched: tuple[int, ...], seconds: float, turn: str,
                  item: Item | None = None, contradicted: tuple[int, ...] = (),
                  misconceptions: tuple[int, ...] = ()) -> Exchange:
        c = self.current
        assert c is not None
        prompt = "" if item else "\n".join(m.text for m in self._state.pending)
        return Exchange(c.qualification, c.unit, c.outcome, c.criterion, prompt,
                        item.id if item else None, item.version if item else None,
                        answer, verdict, matched, self._state.hints, round(seconds, 3), turn,
                        contradicted=contradicted, misconceptions=misconceptions)

    def _finish(self, messages: tuple[AssistantMessage, ...]) -> tuple[AssistantMessage, ...]:
        self._asked_at = _seconds(self.clock())
        return tuple(messages)


# -- serving items of every form ------------------------------------------------------------

@dataclass(frozen=True)
class ItemLayout:
    """How an item is shown in the chat and what answer is right: ``options`` as (label, text) in the order
    shown, ``terms`` (matching: the numbered terms) and ``key``, the answer in the form the learner types it
    (a letter; for matching and ordering, a string of letters)."""

    options: tuple[tuple[str, str], ...]
    terms: tuple[str, ...]
    key: str
    kind: str


def _servable(item: Item) -> bool:
    if item.kind in MCQ_KINDS:
        return set(item.options) == set(LETTERS) and item.key in LETTERS
    if item.kind == "true_false":
        return item.options == {"A": "True", "B": "False"} and item.key in ("A", "B")
    if item.kind == "matching":
        return 3 <= len(item.pairs) <= 6
    if item.kind == "ordering":
        return 3 <= len(item.sequence) <= 6
    return False


def item_layout(item: Item) -> ItemLayout:
    """The item as the chat shows it. Matching meanings and ordering steps are shuffled by the item's own id
    (the same every time it is served), never left in their right order."""
    if item.kind in ("matching", "ordering"):
        texts = [meaning for _, meaning in item.pairs] if item.kind == "matching" else list(item.sequence)
        order = list(range(len(texts)))
        rng = random.Random(f"layout:{item.id}:{item.version}")
        while order == sorted(order):
            rng.shuffle(order)
        letters = [chr(ord("A") + n) for n in range(len(texts))]
        shown = tuple((letters[i], texts[j]) for i, j in enumerate(order))
        key = "".join(letters[order.index(j)] for j in range(len(texts)))
        terms = tuple(term for term, _ in item.pairs) if item.kind == "matching" else ()
        return ItemLayout(shown, terms, key, item.kind)
    return ItemLayout(tuple(item.options.items()), (), item.key or "", item.kind)


_TRUE_FALSE = {"A": "A", "B": "B", "TRUE": "A", "FALSE": "B", "T": "A", "F": "B", "YES": "A", "NO": "B"}


def read_choice(item: Item, answer: str, layout: ItemLayout) -> str | None:
    """The learner's choice as the letters it is marked on, or None when it is not a well-formed choice:
    one letter (true/false also takes true/false/t/f), or every letter once for matching and ordering
    ("CAB", "C, A, B", "1C 2A 3B")."""
    text = answer.strip().upper()
    if item.kind == "true_false":
        return _TRUE_FALSE.get(text.rstrip(".):!"))
    if item.kind in MCQ_KINDS:
        letter = text.rstrip(".):")
        return letter if letter in LETTERS else None
    letters = [label for label, _ in layout.options]
    numbered = re.findall(r"(\d+)\s*[-=:.)]?\s*([A-Z])\b", text)
    if numbered:
        by_number = {int(n): letter for n, letter in numbered}
        if sorted(by_number) != list(range(1, len(letters) + 1)):
            return None
        given = "".join(by_number[n] for n in sorted(by_number))
    else:
        given = "".join(re.findall(r"[A-Z]", text))
    return given if sorted(given) == letters else None
