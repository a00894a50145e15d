"""Benchmark: the cohort coverage matrix (ReviewService.coverage) on a generated centre.

Prints figures; asserts nothing. Targets (SQLite file database): the coverage matrix of one
cohort of 30 learners on a 535-criterion qualification in under 100 ms (judged on the p95 of the
timed runs); of all 1,000 learners in under 2 s (judged on the median).

    python benchmarks/coverage.py [--learners 1000] [--responses 1000000] [--repeat 20] [--dir DIR] [--profile]

The bundled catalogue and question bank are imported into a fresh SQLite file, then the centre is
generated straight into it (seeded, so runs are comparable): learner accounts, cohorts of 30 each
with its own tutor, practice exchanges spread over the learners and the qualification's criteria,
and a few thousand evidence and assessment decisions (some of them corrected) so every cell state
occurs. ``ANALYZE`` runs once after generation. Both matrices are also timed with a date filter,
for information. ``--profile`` adds one instrumented call of each size that prints every
statement the call runs, its time and SQLite's query plan.
"""

from __future__ import annotations

import argparse
import math
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 2794
COHORT_SIZE = 30
WANTED_CRITERIA = 535
CELL_TARGET_S, ALL_TARGET_S = 0.100, 2.0
VERDICTS = ("secure", "partial", "thin", "none", "right", "wrong")
VERDICT_WEIGHTS = (3, 3, 2, 2, 3, 2)
TURNS = ("answer", "probe_answer", "choice", "command")
TURN_WEIGHTS = (50, 20, 22, 8)
STORED = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite
START = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
YEAR_S = 365 * 24 * 3600
ANSWERS = (
    "I would listen to the customer, repeat back what they said and check I had understood.",
    "Greet them, use their name, and keep my tone calm and friendly.",
    "Follow the complaints procedure and log it on the system.",
    "Tell my supervisor.",
    "Because it keeps the customer informed and builds trust, so they are more likely to come back.",
    "Data protection: only share their details with people who need them, and keep records secure.",
    "B",
    "I don't know",
    "Ask open questions to find out what they need, then explain the options that fit.",
    "Check the product information and be honest about delivery times rather than over-promise.",
)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime(STORED)


# -- set-up ----------------------------------------------------------------------------------------


def import_catalogue(url: str):
    from tutor.clock import SystemClock
    from tutor.paths import bank_dir, templates_dir
    from tutor.services.bundled import import_bundled
    from tutor.services.catalogue import CatalogueService
    from tutor.storage.engine import open_database

    engine = open_database(url)
    import_bundled(CatalogueService(engine, SystemClock().now), bank_dir(), templates=templates_dir())
    return engine


def qualification_sizes(engine) -> list[tuple[str, str, int]]:
    """(number, title, criteria) of each current qualification: the criteria of its member units."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from tutor.storage import tables as t

    query = (select(t.Qualification.number, t.Qualification.title, func.count(t.Criterion.id))
             .join(t.DocumentVersion, t.DocumentVersion.id == t.Qualification.document_id)
             .join(t.UnitMembership, t.UnitMembership.qualification_id == t.Qualification.id)
             .join(t.Outcome, t.Outcome.unit_id == t.UnitMembership.unit_id)
             .join(t.Criterion, t.Criterion.outcome_id == t.Outcome.id)
             .where(t.DocumentVersion.is_current)
             .group_by(t.Qualification.id).order_by(t.Qualification.number))
    with Session(engine) as session:
        return [(number, title, count) for number, title, count in session.exec(query)]


def criteria_of(engine, number: str) -> list[tuple[int, int, str, str, str]]:
    """(criterion id, unit id, unit key, outcome number, criterion number) in the matrix's column order."""
    from sqlmodel import Session, select

    from tutor.storage import tables as t

    with Session(engine) as session:
        qual_id = session.exec(select(t.Qualification.id).join(
            t.DocumentVersion, t.DocumentVersion.id == t.Qualification.document_id)
            .where(t.DocumentVersion.is_current, t.Qualification.number == number)).first()
        query = (select(t.Criterion.id, t.Unit.id, t.Unit.key, t.Outcome.number, t.Criterion.number)
                 .join(t.Outcome, t.Outcome.id == t.Criterion.outcome_id)
                 .join(t.Unit, t.Unit.id == t.Outcome.unit_id)
                 .join(t.UnitMembership, t.UnitMembership.unit_id == t.Unit.id)
                 .where(t.UnitMembership.qualification_id == qual_id)
                 .order_by(t.UnitMembership.position, t.Outcome.position, t.Criterion.position))
        return [tuple(row) for row in session.exec(query)]


def generate(db: Path, qualification: str, criteria: list[tuple[int, int, str, str, str]],
             learners: int, responses: int) -> dict[str, int]:
    """Write the centre straight into the database file with the sqlite3 module, in one transaction.

    Each learner has got some way through the qualification: their practice is spread over the first
    ``reach`` criteria in column order (reach drawn from 10% to all), so the rest are not started.
    Every learner has a few responses judged (mostly accepted; some judgements later corrected), and
    about half of the accepted criteria a "competent" decision (a few corrected too)."""
    rng = random.Random(SEED)
    names = [f"learner{i:04d}" for i in range(learners)]
    cohorts = math.ceil(learners / COHORT_SIZE)
    created = stamp(START - timedelta(days=30))
    per_learner = [responses // learners + (i < responses % learners) for i in range(learners)]
    verdict_pool = [v for v, w in zip(VERDICTS, VERDICT_WEIGHTS) for _ in range(w)]
    turn_pool = [v for v, w in zip(TURNS, TURN_WEIGHTS) for _ in range(w)]
    prompts = {c[0]: f"Unit {c[2]}, criterion {c[4]}: explain in your own words what this criterion asks of you."
               for c in criteria}
    judged: list[tuple[str, list[tuple[int, int]]]] = []  # learner, [(criterion index, exchange id)]

    def exchanges():
        exchange_id = 0
        for learner, count in zip(names, per_learner):
            reach = rng.randint(max(1, len(criteria) // 10), len(criteria))
            last: dict[int, int] = {}  # criterion index -> a response exchange of it
            for _ in range(count):
                exchange_id += 1
                index = int(rng.random() * reach)
                criterion_id, _, unit_key, outcome, number = criteria[index]
                turn = turn_pool[int(rng.random() * len(turn_pool))]
                if turn == "command":
                    verdict, answer, hints, seconds = None, "hint", 0, 1.0
                else:
                    verdict = verdict_pool[int(rng.random() * len(verdict_pool))]
                    answer = ANSWERS[int(rng.random() * len(ANSWERS))]
                    hints = int(rng.random() * 3)
                    seconds = round(5 + rng.random() * 175, 1)
                    last[index] = exchange_id
                at = stamp(START + timedelta(seconds=int(rng.random() * YEAR_S)))
                yield (exchange_id, learner, qualification, unit_key, outcome, number, criterion_id,
                       prompts[criterion_id], answer, verdict, "[]" if verdict != "secure" else "[0, 1]", hints,
                       seconds, turn, "practice", at, "{}")
            picks = rng.sample(sorted(last), min(len(last), rng.randint(1, 6)))
            judged.append((learner, [(index, last[index]) for index in picks]))

    started = time.perf_counter()
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO user_account (username, display_name, role, password_hash, created_at, created_by, "
            "failed_logins, active) VALUES (?, ?, ?, ?, ?, 'admin', 0, 1)",
            [("admin", "Centre Admin", "admin", "$argon2id$dummy", created)]
            + [(f"tutor{k}", f"Tutor {k}", "tutor", "$argon2id$dummy", created) for k in range(cohorts)]
            + [(name, f"Learner {i}", "learner", "$argon2id$dummy", created) for i, name in enumerate(names)])
        connection.executemany(
            "INSERT INTO cohort (id, name, qualification, tutor, created_at) VALUES (?, ?, ?, ?, ?)",
            [(k + 1, f"Cohort {k:02d}", qualification, f"tutor{k}", created) for k in range(cohorts)])
        connection.executemany(
            "INSERT INTO cohort_member (cohort_id, learner) VALUES (?, ?)",
            [(i // COHORT_SIZE + 1, name) for i, name in enumerate(names)])
        connection.executemany(
            "INSERT INTO practice_exchange (id, learner, qualification, unit_key, outcome_number, "
            "criterion_number, criterion_id, prompt, answer, verdict, matched, hints_used, seconds, turn, "
            "mode, at, contradicted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", exchanges())

        evidence, decisions = [], []
        reference = 0
        for position, (learner, picks) in enumerate(judged):
            assessor = f"tutor{position // COHORT_SIZE}"
            for index, exchange_id in picks:
                criterion_id, unit_id = criteria[index][:2]
                at = START + timedelta(days=200 + int(rng.random() * 150))
                accepted = rng.random() < 0.8
                reference += 1
                evidence.append([len(evidence) + 1, learner, criterion_id, exchange_id, accepted,
                                 f"EV-{reference:05d}", assessor, stamp(at), None])
                if rng.random() < 0.1:  # the judgement corrected later
                    accepted = not accepted
                    evidence.append([len(evidence) + 1, learner, criterion_id, exchange_id, accepted,
                                     f"EV-{reference:05d}", assessor, stamp(at + timedelta(days=2)),
                                     len(evidence)])
                if accepted and rng.random() < 0.5:
                    decisions.append([len(decisions) + 1, learner, unit_id, criterion_id, "competent", assessor,
                                      stamp(at + timedelta(days=5)), None])
                    if rng.random() < 0.05:  # a competent decision corrected to not yet competent
                        decisions.append([len(decisions) + 1, learner, unit_id, criterion_id,
                                          "not_yet_competent", assessor, stamp(at + timedelta(days=6)),
                                          len(decisions)])
        connection.executemany(
            "INSERT INTO evidence_decision (id, learner, criterion_id, source, source_id, accepted, reference, "
            "comment, assessor, at, supersedes_id) VALUES (?, ?, ?, 'practice', ?, ?, ?, '', ?, ?, ?)", evidence)
        connection.executemany(
            "INSERT INTO assessment_decision (id, learner, unit_id, criterion_id, decision, comment, assessor, at, "
            "supersedes_id) VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)", decisions)
        connection.execute("COMMIT")
        generated = time.perf_counter() - started
        started = time.perf_counter()
        connection.execute("ANALYZE")
        analysed = time.perf_counter() - started
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("user_account", "cohort", "cohort_member", "practice_exchange", "evidence_decision",
                                "assessment_decision", "test_evidence")}
    finally:
        connection.close()
    counts["seconds to generate"] = generated
    counts["seconds to analyse"] = analysed
    return counts


# -- timing ----------------------------------------------------------------------------------------


def timed(call, repeat: int) -> tuple[list[float], object]:
    result = call()  # warm-up: the engine's pool, statement caches, SQLite's page cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return times, result


def state_counts(matrix) -> Counter:
    counts: Counter = Counter()
    for learner in matrix.learners:
        for column in matrix.columns:
            counts[matrix.state(learner, column.criterion_id)] += 1
    return counts


def describe(matrix) -> list[str]:
    from tutor.services.review import CELL_STATES

    counts = state_counts(matrix)
    cells = len(matrix.learners) * len(matrix.columns)
    shown = ", ".join(f"{state} {counts[state]}" for state in CELL_STATES)
    return [f"  matrix: {len(matrix.learners)} learners x {len(matrix.columns)} columns = {cells} cells, "
            + f"{len(matrix.states)} of them started; {len(matrix.decisions)} criterion decisions",
            f"  cells by state: {shown}"]


def profile(engine, call, label: str) -> list[str]:
    """One instrumented call: each statement, its time and SQLite's plan for it."""
    from sqlalchemy import event

    statements: list[list] = []
    marks: dict[str, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        marks["start"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - marks["start"]
        statements.append([statement, parameters, elapsed])

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        start = time.perf_counter()
        call()
        total = time.perf_counter() - start
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    lines = [f"profile, {label}: {ms(total)} in all, {len(statements)} statements "
             + "(cursor.execute time only; a streamed result's rows are fetched, and counted, outside it)"]
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        for statement, parameters, elapsed in statements:
            flat = " ".join(statement.split())
            shown = flat if len(flat) <= 160 else flat[:157] + "..."
            lines.append(f"  {ms(elapsed)}  {shown}")
            if flat.upper().startswith(("SELECT", "WITH")):
                for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall():
                    lines.append(f"                 plan: {row[3]}")
        python = total - sum(s[2] for s in statements)
    lines.append(f"  outside cursor.execute (fetching rows, ORM rows, building the matrix): {ms(python)}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000, help="learner accounts to generate")
    parser.add_argument("--responses", type=int, default=1_000_000, help="practice exchanges to generate")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of the one-cohort matrix")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the temporary directory")
    parser.add_argument("--profile", action="store_true", help="also print each statement's time and plan")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, seconds: the test suite's run, so the benchmark cannot rot")
    args = parser.parse_args(argv)
    if args.smoke:
        args.learners, args.responses, args.repeat = 5, 500, 1

    from tutor.clock import SystemClock
    from tutor.domain.access import Actor
    from tutor.services.review import Filters, ReviewService
    from tutor.storage.engine import open_database

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="coverage-") as tmp:
        db = Path(tmp) / "bench.db"
        url = f"sqlite:///{db}"
        start = time.perf_counter()
        engine = import_catalogue(url)
        imported = time.perf_counter() - start
        sizes = qualification_sizes(engine)
        exact = [s for s in sizes if s[2] == WANTED_CRITERIA]
        number, title, size = exact[0] if exact else max(sizes, key=lambda s: s[2])
        criteria = criteria_of(engine, number)
        engine.dispose()
        print(f"directory: {Path(tmp).parent}")
        print(f"bundled catalogue and bank imported in {imported:.1f} s; current qualifications "
              f"(criteria of their member units): " + ", ".join(f"{n} {c}" for n, _, c in sizes))
        note = "" if exact else f"   (none has {WANTED_CRITERIA}: using the largest)"
        print(f"qualification: {number} {title}: {size} criteria in {len({c[1] for c in criteria})} units{note}")

        counts = generate(db, number, criteria, args.learners, args.responses)
        print(f"generated in {counts.pop('seconds to generate'):.1f} s (seed {SEED}, sqlite3 executemany, one "
              f"transaction, synchronous=OFF); ANALYZE once after generation: {counts.pop('seconds to analyse'):.1f} s")
        print("  rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
        print(f"  database file: {db.stat().st_size / 2**20:.0f} MiB (SQLite {sqlite3.sqlite_version})")

        engine = open_database(url)  # a fresh engine: its connections read the new statistics
        with engine.connect() as connection:
            indexes = [row[1] for row in connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'practice_exchange' "
                "AND sql IS NOT NULL ORDER BY name")]
        print("  practice_exchange indexes: " + "; ".join(" ".join(sql.split()[2:]) for sql in indexes))
        review = ReviewService(engine, SystemClock().now)
        tutor, admin = Actor("tutor0", "tutor"), Actor("admin", "admin")
        dated = Filters(since=START + timedelta(days=182))  # the last half of the year of practice
        cohort_times, cohort = timed(lambda: review.coverage(tutor, number), args.repeat)
        all_times, everyone = timed(lambda: review.coverage(admin, number), 5)
        cohort_dated, _ = timed(lambda: review.coverage(tutor, number, dated), 5)
        all_dated, _ = timed(lambda: review.coverage(admin, number, dated), 3)
        profiled = []
        if args.profile:
            profiled = (profile(engine, lambda: review.coverage(tutor, number), "one cohort (tutor0)")
                        + profile(engine, lambda: review.coverage(admin, number), "all learners (admin)"))
        engine.dispose()

    cohort_p95, all_median = percentile(cohort_times, 95), statistics.median(all_times)
    print(f"coverage matrix of one cohort (Actor('tutor0', 'tutor')), {args.repeat} runs after one warm-up:")
    print(f"  median {ms(statistics.median(cohort_times))}   p95 {ms(cohort_p95)}   max {ms(max(cohort_times))}")
    for line in describe(cohort):
        print(line)
    verdict = "met" if cohort_p95 < CELL_TARGET_S else "MISSED"
    print(f"  target < 100 ms (p95, {len(cohort.learners)} learners x {len(cohort.columns)} criteria): {verdict}")
    print("coverage matrix of all learners (Actor('admin', 'admin')), 5 runs after one warm-up:")
    print(f"  median {ms(all_median)}   max {ms(max(all_times))}")
    for line in describe(everyone):
        print(line)
    verdict = "met" if all_median < ALL_TARGET_S else "MISSED"
    print(f"  target < 2 s (median, {len(everyone.learners)} learners x {len(everyone.columns)} criteria): {verdict}")
    print(f"with a date filter (Filters(since={dated.since:%Y-%m-%d})), for information, no target:")
    print(f"  one cohort: median {ms(statistics.median(cohort_dated))} (5 runs)   "
          f"all learners: median {ms(statistics.median(all_dated))} (3 runs)")
    for line in profiled:
        print(line)

if __name__ == "__main__":
    main()
