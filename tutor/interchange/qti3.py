"""QTI 3.0 content packages: writing a unit's items (and the unit's test, when it has one) as a zip.

A package holds ``imsmanifest.xml``, one ``items/<identifier>.xml`` per item and, for a unit with a test
specification, ``tests/<identifier>.xml``: a linear test with the time limit, one section per outcome that
selects the blueprint's number of items, per-outcome scores by item category and the pass mark. Identifiers
are XML NCNames (``I`` + the item id, other characters as ``_``); the item id, its placing (qualification,
unit, outcome, criterion) and its kind, use, status, difficulty and source are in the manifest's LOM metadata
for the item (the status also as LOM ``lifeCycle/status``). The output is deterministic: the same items give
the same bytes (fixed order, fixed zip timestamps).
Reading is in :mod:`tutor.interchange.qti3_read`; validation against the XSDs in :mod:`.qti3_schema`.
"""

from __future__ import annotations

import io
import re
import zipfile

from tutor.bank.model import Item
from tutor.interchange.model import TestPlan, UnitFacts, Written, export_order, item_properties

ASI = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ASI_LOCATION = f"{ASI} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
CP_LOCATION = (f"{CP} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd "
               f"{LOM} https://purl.imsglobal.org/spec/md/v1p3/schema/xsd/imsmd_loose_v1p3p2.xsd")
CATALOG = "tutor"  # the LOM catalog and taxon-path source of this project's metadata
RATIONALE = "RATIONALE"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# an item's status in LOM's lifeCycle vocabulary (draft, final, revised, unavailable)
LOM_STATUS = {"draft": "draft", "approved": "final", "review": "revised", "retired": "unavailable"}
_NOT_NCNAME = re.compile(r"[^A-Za-z0-9._-]")


def ncname(prefix: str, text: str, used: set[str]) -> str:
    """A unique XML NCName for a project name (ids may start with a digit, which an NCName may not)."""
    base = prefix + _NOT_NCNAME.sub("_", text)
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name


def _document(root) -> bytes:
    from lxml import etree

    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def _el(parent, tag: str, text: str | None = None, ns: str = ASI, **attributes):
    from lxml import etree

    child = etree.SubElement(parent, f"{{{ns}}}{tag}", {k.replace("_", "-"): v for k, v in attributes.items()})
    if text is not None:
        child.text = text
    return child


def _value(parent, tag: str, base_type: str, value: str) -> None:
    _el(_el(parent, tag), "qti-base-value", value, base_type=base_type)


def _response_processing(item_root, rationale: bool) -> None:
    processing = _el(item_root, "qti-response-processing")
    condition = _el(processing, "qti-response-condition")
    when = _el(condition, "qti-response-if")
    match = _el(when, "qti-match")
    _el(match, "qti-variable", identifier="RESPONSE")
    _el(match, "qti-correct", identifier="RESPONSE")
    for parent, score in ((when, "1"), (_el(condition, "qti-response-else"), "0")):
        setter = _el(parent, "qti-set-outcome-value", identifier="SCORE")
        _el(setter, "qti-base-value", score, base_type="float")
    if rationale:
        setter = _el(processing, "qti-set-outcome-value", identifier="FEEDBACK")
        _el(setter, "qti-base-value", RATIONALE, base_type="identifier")


def item_xml(item: Item, identifier: str) -> bytes:
    """One item as a ``qti-assessment-item``."""
    from lxml import etree

    root = etree.Element(f"{{{ASI}}}qti-assessment-item", nsmap={None: ASI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", ASI_LOCATION)
    for key, value in (("identifier", identifier), ("title", item.id), ("label", item.id), ("adaptive", "false"),
                       ("time-dependent", "false")):
        root.set(key, value)
    if item.kind == "matching":
        cardinality, base_type = "multiple", "directedPair"
        correct = [f"S{n} T{n}" for n in range(1, len(item.pairs) + 1)]
    elif item.kind == "ordering":
        cardinality, base_type = "ordered", "identifier"
        correct = [f"S{n}" for n in range(1, len(item.sequence) + 1)]
    else:
        cardinality, base_type, correct = "single", "identifier", [item.key or ""]
    response = _el(root, "qti-response-declaration", identifier="RESPONSE", cardinality=cardinality,
                   base_type=base_type)
    answers = _el(response, "qti-correct-response")
    for value in correct:
        _el(answers, "qti-value", value)
    score = _el(root, "qti-outcome-declaration", identifier="SCORE", cardinality="single", base_type="float")
    _el(_el(score, "qti-default-value"), "qti-value", "0")
    if item.rationale:
        _el(root, "qti-outcome-declaration", identifier="FEEDBACK", cardinality="single", base_type="identifier")
    body = _el(root, "qti-item-body")
    if item.kind == "matching":
        interaction = _el(body, "qti-match-interaction", response_identifier="RESPONSE", shuffle="true",
                          max_associations=str(len(item.pairs)))
        _el(interaction, "qti-prompt", item.stem)
        for prefix, side in (("S", 0), ("T", 1)):
            match_set = _el(interaction, "qti-simple-match-set")
            for n, pair in enumerate(item.pairs, 1):
                _el(match_set, "qti-simple-associable-choice", pair[side], identifier=f"{prefix}{n}", match_max="1")
    elif item.kind == "ordering":
        interaction = _el(body, "qti-order-interaction", response_identifier="RESPONSE", shuffle="true")
        _el(interaction, "qti-prompt", item.stem)
        for n, step in enumerate(item.sequence, 1):
            _el(interaction, "qti-simple-choice", step, identifier=f"S{n}")
    else:
        interaction = _el(body, "qti-choice-interaction", response_identifier="RESPONSE", shuffle="false",
                          max_choices="1")
        _el(interaction, "qti-prompt", item.stem)
        for letter, text in item.options.items():
            _el(interaction, "qti-simple-choice", text, identifier=letter)
    _response_processing(root, bool(item.rationale))
    if item.rationale:
        feedback = _el(root, "qti-modal-feedback", outcome_identifier="FEEDBACK", show_hide="show",
                       identifier=RATIONALE)
        _el(_el(feedback, "qti-content-body"), "p", item.rationale)
    return _document(root)


def _test_pools(items: list[Item], plan: TestPlan) -> dict[str, list[Item]] | str:
    """The items each of the test's sections draws from: the secure single-best items when the export has
    them, else the practice ones (a practice paper to the same blueprint); or why the test cannot be made."""
    options = [i for i in items if i.kind in ("single_best", "negative")]
    secure = [i for i in options if i.use == "secure"]
    pool = secure or options
    pools = {outcome: [i for i in pool if i.ref.outcome == outcome] for outcome in plan.blueprint}
    for outcome, need in plan.blueprint.items():
        if len(pools[outcome]) < need:
            return (f"no assessment test: outcome {outcome} has {len(pools[outcome])} single-best items, "
                    f"the blueprint needs {need}")
    return pools


def test_xml(plan: TestPlan, identifier: str, pools: dict[str, list[Item]], ids: dict[str, str]) -> bytes:
    """The unit's test: linear, timed, a section per outcome selecting the blueprint's number, pass mark."""
    from lxml import etree

    root = etree.Element(f"{{{ASI}}}qti-assessment-test", nsmap={None: ASI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", ASI_LOCATION)
    root.set("identifier", identifier)
    root.set("title", plan.title)
    outcomes = list(plan.blueprint)
    for name, base_type in [("SCORE", "float"), ("PASS", "boolean")] + [(f"SCORE_LO{o}", "float") for o in outcomes]:
        _el(root, "qti-outcome-declaration", identifier=_NOT_NCNAME.sub("_", name), cardinality="single",
            base_type=base_type)
    _el(root, "qti-time-limits", max_time=str(plan.minutes * 60))
    part = _el(root, "qti-test-part", identifier="P1", navigation_mode="linear", submission_mode="simultaneous")
    _el(part, "qti-item-session-control", max_attempts="1", show_feedback="false", allow_review="false",
        show_solution="false", allow_comment="false", allow_skipping="true", validate_responses="false")
    for outcome in outcomes:
        category = _NOT_NCNAME.sub("_", f"LO{outcome}")
        section = _el(part, "qti-assessment-section", identifier=f"S_{category}", title=f"Outcome {outcome}",
                      visible="true")
        _el(section, "qti-selection", select=str(plan.blueprint[outcome]))
        _el(section, "qti-ordering", shuffle="true")
        for item in pools[outcome]:
            _el(section, "qti-assessment-item-ref", identifier=ids[item.id], href=f"../items/{ids[item.id]}.xml",
                category=category)
    processing = _el(root, "qti-outcome-processing")
    setter = _el(processing, "qti-set-outcome-value", identifier="SCORE")
    _el(_el(setter, "qti-sum"), "qti-test-variables", variable_identifier="SCORE")
    for outcome in outcomes:
        category = _NOT_NCNAME.sub("_", f"LO{outcome}")
        setter = _el(processing, "qti-set-outcome-value", identifier=f"SCORE_{category}")
        _el(_el(setter, "qti-sum"), "qti-test-variables", variable_identifier="SCORE", include_category=category)
    gte = _el(_el(processing, "qti-set-outcome-value", identifier="PASS"), "qti-gte")
    _el(gte, "qti-variable", identifier="SCORE")
    _el(gte, "qti-base-value", str(plan.pass_mark), base_type="float")
    return _document(root)


def _lom(parent, item: Item) -> None:
    lom = _el(parent, "lom", ns=LOM)
    general = _el(lom, "general", ns=LOM)
    ident = _el(general, "identifier", ns=LOM)
    _el(ident, "catalog", CATALOG, ns=LOM)
    _el(ident, "entry", item.id, ns=LOM)
    _el(_el(general, "title", ns=LOM), "string", item.id, ns=LOM)
    life = _el(lom, "lifeCycle", ns=LOM)
    _el(_el(life, "version", ns=LOM), "string", item.version, ns=LOM)
    status = _el(life, "status", ns=LOM)  # for other systems; the "status" taxon below is what tutor reads
    _el(status, "source", "LOMv1.0", ns=LOM)
    _el(status, "value", LOM_STATUS.get(item.status, "draft"), ns=LOM)
    classification = _el(lom, "classification", ns=LOM)
    purpose = _el(classification, "purpose", ns=LOM)
    _el(purpose, "source", "LOMv1.0", ns=LOM)
    _el(purpose, "value", "discipline", ns=LOM)
    path = _el(classification, "taxonPath", ns=LOM)
    _el(_el(path, "source", ns=LOM), "string", CATALOG, ns=LOM)
    for key, value in item_properties(item):
        taxon = _el(path, "taxon", ns=LOM)
        _el(taxon, "id", key, ns=LOM)
        _el(_el(taxon, "entry", ns=LOM), "string", value, ns=LOM)


def manifest_xml(facts: UnitFacts, entries: list[tuple[str, Item]], test: tuple[str, list[str]] | None) -> bytes:
    from lxml import etree

    root = etree.Element(f"{{{CP}}}manifest", nsmap={None: CP, "imsmd": LOM, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", CP_LOCATION)
    root.set("identifier", ncname("M", facts.unit_key, set()))
    metadata = _el(root, "metadata", ns=CP)
    _el(metadata, "schema", "QTI Package", ns=CP)
    _el(metadata, "schemaversion", "3.0.0", ns=CP)
    _el(root, "organizations", ns=CP)
    resources = _el(root, "resources", ns=CP)
    for identifier, item in entries:
        href = f"items/{identifier}.xml"
        resource = _el(resources, "resource", ns=CP, identifier=identifier, type="imsqti_item_xmlv3p0", href=href)
        _lom(_el(resource, "metadata", ns=CP), item)
        _el(resource, "file", ns=CP, href=href)
    if test is not None:
        identifier, refs = test
        href = f"tests/{identifier}.xml"
        resource = _el(resources, "resource", ns=CP, identifier=identifier, type="imsqti_test_xmlv3p0", href=href)
        _el(resource, "file", ns=CP, href=href)
        for ref in refs:
            _el(resource, "dependency", ns=CP, identifierref=ref)
    return _document(root)


def package(files: dict[str, bytes]) -> bytes:
    """A zip with fixed timestamps and permissions, the manifest first and the rest by name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files, key=lambda n: (n != "imsmanifest.xml", n)):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def write(items: list[Item], facts: UnitFacts) -> Written:
    used: set[str] = set()
    ordered = export_order(items)
    ids = {item.id: ncname("I", item.id, used) for item in ordered}
    files = {f"items/{ids[item.id]}.xml": item_xml(item, ids[item.id]) for item in ordered}
    notes, test = [], None
    if facts.test is not None and ordered:
        pools = _test_pools(ordered, facts.test)
        if isinstance(pools, str):
            notes.append(pools)
        else:
            identifier = ncname("T", facts.test.code, used)
            files[f"tests/{identifier}.xml"] = test_xml(facts.test, identifier, pools, ids)
            test = (identifier, [ids[i.id] for pool in pools.values() for i in pool])
            notes.append(f"assessment test {identifier}: {facts.test.minutes} minutes, "
                         + ", ".join(f"outcome {o}: {n} of {len(pools[o])}" for o, n in facts.test.blueprint.items()))
    files["imsmanifest.xml"] = manifest_xml(facts, [(ids[i.id], i) for i in ordered], test)
    return Written(package(files), [i.id for i in ordered], [], notes)
