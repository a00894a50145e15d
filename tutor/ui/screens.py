"""The catalogue screens: qualifications → groups and units → one unit's outcomes and criteria."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker


class LoadingScreen(Screen):
    """Imports the bundled specifications (first run, interrupted run, new bundle) with a progress bar."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="loading"):
            yield Static(self.app.render_text("ui/loading.j2", current=None, done=0, total=0), id="loading-text")
            yield ProgressBar(id="loading-bar", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        from tutor.services.bundled import import_bundled  # the parsers load with it, off the start-up path

        worker = get_current_worker()

        def progress(done: int, total: int, what: str) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_progress, done, total, what)

        try:
            import_bundled(self.app.catalogue, self.app.bank, progress, self.app.templates)
        except Exception as exc:  # shown to the person, the app stays usable
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.app.after_loading)

    def _show_progress(self, done: int, total: int, what: str) -> None:
        self.query_one(ProgressBar).update(total=total, progress=done)
        current = what if done < total else None
        self.query_one("#loading-text", Static).update(
            self.app.render_text("ui/loading.j2", current=current, done=done, total=total)
        )

    def _failed(self, message: str) -> None:
        self.app.notify(self.app.render_text("ui/load_failed.j2", message=message).rstrip(), severity="error", timeout=30)
        self.app.after_loading()


class HomeScreen(Screen):
    """The seven qualifications, with their counts: ``qualifications`` as the quick start read them, else
    from the catalogue service. Opening one waits for the services (:meth:`TutorApp.when_ready`)."""

    SUB_TITLE = "Qualifications"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("c", "app.continue_practice", "Continue practice"),
        Binding("m", "coverage", "Coverage"),
    ]

    def __init__(self, qualifications: list | None = None) -> None:
        super().__init__()
        self.qualifications = qualifications

    def action_coverage(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.app.open_coverage(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.app.render_text("ui/home.j2").rstrip(), id="home-title")
        yield DataTable(id="quals", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Number", "Level", "Units", "Criteria", "Knowledge", "Title", "Awarding body")
        rows = self.qualifications if self.qualifications is not None else self.app.catalogue.qualifications()
        for q in rows:
            table.add_row(
                q.number, str(q.level or "-"), str(q.units), str(q.criteria), str(q.knowledge_criteria),
                q.title, q.awarding_body, key=q.number,
            )
        table.focus()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self._open(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    def _open(self, number: str | None) -> None:
        if number:
            self.app.when_ready(lambda: self.app.push_screen(QualificationScreen(number)))


class QualificationScreen(Screen):
    """One qualification: its facts, test specification, and units by group."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "app.pop_screen", "Back"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        # Set before the header mounts: a later change races the header's own mount.
        self.sub_title = number

    def compose(self) -> ComposeResult:
        qual = self.app.catalogue.qualification(self.number)
        yield Header()
        yield Static(self.app.render_text("ui/qualification.j2", qual=qual), id="qual-summary")
        options: list[Option] = []
        for group in qual.groups:
            options.append(Option(self.app.render_text("ui/group.j2", group=group).rstrip(), disabled=True))
            options.extend(
                Option(self.app.render_text("ui/unit_option.j2", unit=unit).rstrip(), id=unit.key)
                for unit in group.units
            )
        yield OptionList(*options, id="units")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _unit_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.open_unit(event.option.id)


class UnitScreen(Screen):
    """One unit: outcomes and criteria with knowledge and competence told apart, then range and guidance."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "app.pop_screen", "Back"),
        Binding("p", "practise", "Practise in a chat"),
        Binding("m", "coverage", "Coverage"),
    ]

    def action_coverage(self) -> None:
        placement = self.unit_view.placements[0] if self.unit_view.placements else None
        if placement is not None:
            self.app.open_coverage(placement.qualification_number, self.unit_view.key)

    def action_practise(self) -> None:
        placement = self.unit_view.placements[0] if self.unit_view.placements else None
        if placement is None:
            self.notify(self.app.render_text("ui/practice/no_qualification.j2").strip(), severity="warning")
            return
        self.app.start_practice(placement.qualification_number, self.unit_view.key, self.unit_view.title)

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.sub_title = key

    def compose(self) -> ComposeResult:
        unit = self.unit_view = self.app.catalogue.unit(self.key)
        yield Header()
        with VerticalScroll(id="unit-body"):
            yield Static(self.app.render_text("ui/unit.j2", unit=unit).rstrip(), id="unit-head")
            for outcome in unit.outcomes:
                with Vertical(classes=f"outcome {outcome.kind}"):
                    yield Static(self.app.render_text("ui/outcome.j2", outcome=outcome).rstrip(), classes="outcome-head")
                    for criterion in outcome.criteria:
                        with Horizontal(classes="criterion"):
                            yield Static(criterion.id, markup=False, classes="criterion-id")
                            yield Static(criterion.text, markup=False, classes="criterion-text")
            extras = self.app.render_text("ui/unit_extras.j2", unit=unit).rstrip()
            if extras:
                yield Static(extras, id="unit-extras")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#unit-body").focus()
