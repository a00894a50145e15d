"""Reading QTI 3.0: a single ``qti-assessment-item`` file, or a content package (zip with ``imsmanifest.xml``).

In a package every resource the manifest lists is accounted for: an item is a question; a test, a shared
stimulus or any other file is noted and not imported. Every file the manifest names must be in the package
(else the whole package is refused). Whether a resource is an item is decided by its root element, not by the
type the manifest declares. This project's own metadata (the LOM identifier and ``tutor`` taxa written by
:mod:`tutor.interchange.qti3`) gives the item id and its placing back.
"""

from __future__ import annotations

import posixpath
import re

from tutor.interchange.model import Answer, InterchangeError, Question, Reading, picture_words
from tutor.interchange.qti3 import ASI, CATALOG, RATIONALE
from tutor.interchange.safety import MAX_QUESTIONS, parse_xml, read_zip, safe_member_name
from tutor.rendering import bundled_text

QTI22 = "http://www.imsglobal.org/xsd/imsqti_v2p2"
_TEMPLATES = re.compile(r"^https?://(www\.imsglobal\.org/question/qti_v3p0|purl\.imsglobal\.org/spec/qti/v3p0)"
                        r"/rptemplates/(match_correct|map_response|map_response_point)(\.xml)?$")
_MEDIA = {"img", "object", "audio", "video", "math", "picture", "svg", "qti-portable-custom-interaction"}


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element, skip: tuple[str, ...] = ("qti-feedback-inline",)) -> str:
    """An element's text without the parts named in ``skip``; a picture with alt text as its words."""
    parts = [element.text or ""]
    for child in element:
        words = picture_words(child.get("alt")) if _local(child) == "img" else None
        if words:
            parts.append(f" {words} ")
        elif _local(child) not in skip:
            parts.append(_text(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


def _is_media(element) -> bool:
    """A picture, sound, video or other object the text cannot stand in for (an image with alt text it can)."""
    local = _local(element)
    return local in _MEDIA and not (local == "img" and picture_words(element.get("alt")))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def read(data: bytes, name: str) -> Reading:
    if data[:4] == b"PK\x03\x04":
        return read_package(data, name)
    reading = Reading("qti3")
    root = parse_xml(data, name)
    kind = _root_kind(root, name)
    if kind == "item":
        reading.questions.append(_item(root, 1, {}, ""))
    else:
        reading.notes.append(f"{name}: {kind}, not a question")
    return reading


def _root_kind(root, name: str) -> str:
    namespace = root.tag.split("}", 1)[0].lstrip("{") if root.tag.startswith("{") else ""
    if namespace == QTI22:
        raise InterchangeError(f"{name}: QTI 2.2 is not supported (only QTI 3.0)")
    if namespace != ASI:
        raise InterchangeError(f"{name}: not a QTI 3.0 document (root <{_local(root)}> in {namespace or 'no namespace'})")
    return {"qti-assessment-item": "item", "qti-assessment-test": "an assessment test",
            "qti-assessment-stimulus": "a shared stimulus"}.get(_local(root), f"a <{_local(root)}>")


def _metadata(resource) -> tuple[str, list[str]]:
    """The item id and ``key:value`` tags this project's LOM metadata gives (nothing for other packages)."""
    idnumber, tags = "", []
    for element in resource.iter():
        local = _local(element)
        if local == "identifier":
            catalog = [c.text for c in element if _local(c) == "catalog"]
            entry = [c.text for c in element if _local(c) == "entry"]
            if catalog == [CATALOG] and entry:
                idnumber = (entry[0] or "").strip()
        elif local == "taxonPath":
            source = "".join(_text(c) for c in element if _local(c) == "source").strip()
            if source != CATALOG:
                continue
            for taxon in (c for c in element if _local(c) == "taxon"):
                key = "".join(c.text or "" for c in taxon if _local(c) == "id").strip()
                value = "".join(_text(c) for c in taxon if _local(c) == "entry").strip()
                if key and value:
                    tags.append(f"{key}:{value}")
    return idnumber, tags


def read_package(data: bytes, name: str) -> Reading:
    files = read_zip(data, name)
    if "imsmanifest.xml" not in files:
        raise InterchangeError(f"{name}: not a QTI content package: no imsmanifest.xml at its top")
    manifest = parse_xml(files["imsmanifest.xml"], f"{name}!imsmanifest.xml")
    resources = [e for e in manifest.iter() if _local(e) == "resource"]
    for resource in resources:
        for element in resource.iter():
            href = element.get("href") if _local(element) in ("resource", "file") else None
            if href is None:
                continue
            path = _member(href, name)
            if path not in files:
                raise InterchangeError(f"{name}: the manifest names {href}, which is not in the package")
    reading = Reading("qti3")
    for resource in resources:
        identifier = resource.get("identifier", "?")
        href = resource.get("href")
        if not href or not href.lower().endswith(".xml"):
            reading.notes.append(f"resource {identifier}: {resource.get('type', 'a file')}, not a question")
            continue
        path = _member(href, name)
        root = parse_xml(files[path], f"{name}!{path}")
        if not root.tag.startswith(f"{{{ASI}}}") and not root.tag.startswith(f"{{{QTI22}}}"):
            reading.notes.append(f"resource {identifier} ({path}): <{_local(root)}>, not a question")
            continue
        kind = _root_kind(root, f"{name}!{path}")
        if kind != "item":
            reading.notes.append(f"resource {identifier} ({path}): {kind}, not a question")
            continue
        if len(reading.questions) >= MAX_QUESTIONS:
            raise InterchangeError(f"{name}: more than {MAX_QUESTIONS:,} questions")
        idnumber, tags = _metadata(resource)
        reading.questions.append(_item(root, len(reading.questions) + 1, {"tags": tags}, idnumber))
    return reading


def _member(href: str, name: str) -> str:
    if problem := safe_member_name(href):
        raise InterchangeError(f"{name}: refused: the manifest names {problem}")
    return posixpath.normpath(href)


def _item(root, position: int, meta: dict, idnumber: str) -> Question:
    own = bool(idnumber)
    q = Question(position, "", name=root.get("title") or root.get("identifier") or "", text_format="plain",
                 idnumber=idnumber or root.get("identifier", ""), tags=meta.get("tags", []), line=root.sourceline)
    body = next((e for e in root if _local(e) == "qti-item-body"), None)
    if body is None:
        q.qtype, q.problem = "unknown", "has no qti-item-body"
        return q
    interactions = [e for e in body.iter() if _local(e).endswith("-interaction")]
    q.media = any(_is_media(e) for e in body.iter())
    if len(interactions) != 1:
        q.qtype, q.problem = "composite", f"has {len(interactions)} interactions; an item of this bank has one"
        return q
    interaction = interactions[0]
    kind = _local(interaction).removeprefix("qti-").removesuffix("-interaction")
    prompt = next((e for e in interaction if _local(e) == "qti-prompt"), None)
    outside = [_text(e, ("qti-feedback-inline",) + tuple(_local(i) for i in interactions)) for e in body
               if e is not interaction and interaction not in e.iter()]
    holder = [e for e in body if interaction in e.iter() and e is not interaction]
    if holder:  # the interaction sits inside a block: that block's own text is part of the stem
        outside.append(_text(holder[0], (_local(interaction), "qti-feedback-inline")))
    stem_parts = [_text(e) for e in [prompt] if e is not None]
    if own:
        q.text = "\n".join(p.strip() for p in outside + stem_parts if p.strip())
    else:
        q.text = "\n".join(_collapse(p) for p in outside + stem_parts if p.strip())
    declarations = {d.get("identifier"): d for d in root if _local(d) == "qti-response-declaration"}
    declaration = declarations.get(interaction.get("response-identifier"))
    correct = [(v.text or "").strip() for v in declaration.iter() if _local(v) == "qti-value"
               and _local(v.getparent()) == "qti-correct-response"] if declaration is not None else []
    cardinality = declaration.get("cardinality") if declaration is not None else None
    processing = next((e for e in root if _local(e) == "qti-response-processing"), None)
    template = processing.get("template") if processing is not None else None
    if template and not _TEMPLATES.match(template.strip()):
        q.problem = f"uses a response-processing template this importer does not know: {template}"
    if own:
        feedback = [e for e in root if _local(e) == "qti-modal-feedback" and e.get("identifier") == RATIONALE]
        q.general_feedback = "\n".join(_text(e).strip() for e in feedback)
    clean = (lambda t: t.strip()) if own else _collapse
    if kind == "choice":
        choices = [e for e in interaction if _local(e) == "qti-simple-choice"]
        q.qtype, q.single = "multichoice", cardinality == "single"
        q.answers = [Answer(clean(_text(c)), 1.0 if c.get("identifier") in correct else 0.0, "", "plain")
                     for c in choices]
        fixed = [chr(ord("A") + n) for n, c in enumerate(choices) if c.get("fixed") == "true"]
        if fixed and interaction.get("shuffle") == "true":
            q.remarks.append(bundled_text("items/remarks/pinned.j2", letters=fixed))
        if not correct:
            q.problem = q.problem or "has no correct response"
    elif kind == "order":
        choices = {c.get("identifier"): clean(_text(c)) for c in interaction if _local(c) == "qti-simple-choice"}
        q.qtype = "ordering"
        if sorted(correct) != sorted(choices):
            q.problem = q.problem or "its correct order does not name each step once"
        q.sequence = [choices.get(c, "") for c in correct]
    elif kind == "match":
        q.qtype = "match"
        sets = [e for e in interaction if _local(e) == "qti-simple-match-set"]
        texts = {c.get("identifier"): clean(_text(c)) for s in sets for c in s if _local(c).endswith("choice")}
        sources = [c.get("identifier") for c in sets[0] if _local(c).endswith("choice")] if sets else []
        targets = [c.get("identifier") for c in sets[1] if _local(c).endswith("choice")] if len(sets) > 1 else []
        pairs = [tuple(v.split()) for v in correct]
        one_to_one = (len(sets) == 2 and all(len(p) == 2 for p in pairs) and sorted(p[0] for p in pairs) == sorted(sources)
                      and sorted(p[1] for p in pairs) == sorted(targets))
        if not one_to_one:
            q.problem = q.problem or "a matching question whose pairs are not one-to-one; this bank's are"
        q.pairs = [(texts.get(p[0], ""), texts.get(p[1], "")) for p in pairs if len(p) == 2]
    else:
        q.qtype = kind.replace("-", "_")
    return q
