"""Every QTI 3 file the export writes validates against the 1EdTech XSDs (read in place, offline), and a
broken one does not: the check can fail."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.interchange.conftest import UNIT, corpus, service_on
from tutor.interchange.qti3_schema import validate_package, validate_xml


@pytest.fixture(scope="module")
def xsd():
    return corpus("qti3/xsd")


@pytest.fixture(scope="module")
def package(bank_url):
    from tutor.domain.access import ADMIN, Actor

    return service_on(bank_url).export(Actor("ada", ADMIN), UNIT, "qti3")


def test_every_exported_file_validates(package, xsd):
    files = zipfile.ZipFile(io.BytesIO(package.data)).namelist()
    assert "imsmanifest.xml" in files and any(f.startswith("tests/") for f in files)
    assert len([f for f in files if f.startswith("items/")]) == len(package.written)
    assert validate_package(package.data, xsd) == []


def test_identifiers_are_unique_ncnames_and_the_criterion_is_in_the_metadata(package):
    from lxml import etree

    archive = zipfile.ZipFile(io.BytesIO(package.data))
    manifest = etree.fromstring(archive.read("imsmanifest.xml"))
    identifiers = [r.get("identifier") for r in manifest.iter("{*}resource")]
    assert len(set(identifiers)) == len(identifiers)
    assert all(i[0].isalpha() or i[0] == "_" for i in identifiers)
    taxa = {t.findtext("{*}id") for t in manifest.iter("{*}taxon")}
    assert {"qualification", "unit", "outcome", "criterion"} <= taxa


def test_the_test_follows_the_specification(package):
    from lxml import etree

    archive = zipfile.ZipFile(io.BytesIO(package.data))
    [name] = [n for n in archive.namelist() if n.startswith("tests/")]
    test = etree.fromstring(archive.read(name))
    assert test.find("{*}qti-time-limits").get("max-time") == "3600"
    assert test.find("{*}qti-test-part").get("navigation-mode") == "linear"
    assert [s.get("select") for s in test.iter("{*}qti-selection")] == ["5", "5", "8", "7"]
    assert test.find(".//{*}qti-gte/{*}qti-base-value").text == "18"


@pytest.mark.parametrize(("old", "new"), [
    (b'cardinality="single"', b'cardinality="one"'),
    (b"<qti-prompt>", b"<qti-prompt><unknown-element/>"),
    (b'response-identifier="RESPONSE"', b""),
])
def test_a_broken_item_does_not_validate(package, xsd, old, new):
    archive = zipfile.ZipFile(io.BytesIO(package.data))
    name = next(n for n in archive.namelist() if n.startswith("items/"))
    good = archive.read(name)
    assert validate_xml(good, xsd, name) == []
    assert validate_xml(good.replace(old, new, 1), xsd, name) != []


def test_a_package_whose_manifest_names_a_missing_file_does_not_validate(package, xsd):
    source = zipfile.ZipFile(io.BytesIO(package.data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist()[:3]:
            target.writestr(name, source.read(name))
    assert any("not in the package" in e for e in validate_package(buffer.getvalue(), xsd))
