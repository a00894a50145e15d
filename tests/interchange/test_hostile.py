"""Hostile and broken input: one line, nothing written, no half import."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.interchange.conftest import UNIT, counts, service_on
from tutor.interchange import InterchangeError
from tutor.interchange.safety import MAX_FILE_BYTES, read_input

ITEM = (b'<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="x" title="x" '
        b'adaptive="false" time-dependent="false"><qti-item-body/></qti-assessment-item>')
MANIFEST = (b'<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="m"><organizations/>'
            b'<resources><resource identifier="r" type="imsqti_item_xmlv3p0" href="%s"><file href="%s"/></resource>'
            b'</resources></manifest>')
GOOD_GIFT = b"::ok::A question?{=right ~wrong ~other ~another}\n"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST % (b"a.xml", b"a.xml"))
        archive.writestr("a.xml", b" " * (101 * 1024 * 1024))
    return buffer.getvalue()


HOSTILE = {
    "xxe": (b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>',
            "DOCTYPE"),
    "billion laughs": (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                       b'<quiz>&lol2;</quiz>', "DOCTYPE"),
    "external dtd": (b'<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "http://example.invalid/x.dtd"><quiz/>', "DOCTYPE"),
    "not well-formed": (b"<quiz><question type='truefalse'></quiz>", "not well-formed"),
    "zip with ../": (_zip({"imsmanifest.xml": MANIFEST % (b"a.xml", b"a.xml"), "../evil.xml": ITEM}), "leaves the package"),
    "zip with an absolute path": (_zip({"imsmanifest.xml": MANIFEST % (b"a.xml", b"a.xml"), "/etc/evil.xml": ITEM}),
                                  "absolute path"),
    "manifest names ../": (_zip({"imsmanifest.xml": MANIFEST % (b"../a.xml", b"../a.xml"), "a.xml": ITEM}),
                           "leaves the package"),
    "manifest names a missing file": (_zip({"imsmanifest.xml": MANIFEST % (b"gone.xml", b"gone.xml")}),
                                      "gone.xml, which is not in the package"),
    "zip without a manifest": (_zip({"a.xml": ITEM}), "no imsmanifest.xml"),
    "zip bomb": (_bomb(), "unpacks to more than"),
    "wrong encoding": ("::q::Größe?{=a ~b ~c ~d}\n".encode("cp1252"), "not UTF-8"),
    "unknown format": (b"just some words\nand more words\n", "cannot tell its format"),
    "html": (b"<html><body>hi</body></html>", "neither Moodle XML"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_is_refused_in_one_line_and_writes_nothing(case, empty_db, admin):
    data, message = HOSTILE[case]
    before = counts(empty_db)
    with pytest.raises(InterchangeError, match=message) as refusal:
        service_on(empty_db).import_file(admin, data, f"{case}.bin", UNIT, criterion="1.1")
    assert "\n" not in str(refusal.value)
    assert counts(empty_db) == before


def test_a_good_file_does_write(empty_db, admin):
    before = counts(empty_db)
    report = service_on(empty_db).import_file(admin, GOOD_GIFT, "ok.gift", UNIT, criterion="1.1")
    assert len(report.imported) == 1
    assert counts(empty_db) == (before[0] + 1, before[1] + 1)  # the draft and its audit entry


@pytest.mark.parametrize(("content", "message"), [(b"", "empty"), (b"  \n\t\n", "empty")])
def test_empty_files_are_refused(tmp_path, content, message):
    path = tmp_path / "empty.gift"
    path.write_bytes(content)
    with pytest.raises(InterchangeError, match=message):
        read_input(path)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.xml"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(InterchangeError, match="too large"):
        read_input(path)


def test_a_missing_file_and_a_folder_are_refused(tmp_path):
    with pytest.raises(InterchangeError, match="no such file"):
        read_input(tmp_path / "nothing.gift")
    with pytest.raises(InterchangeError, match="not a regular file"):
        read_input(tmp_path)


def test_a_criterion_that_is_not_a_knowledge_criterion_of_the_unit_is_refused(empty_db, admin):
    with pytest.raises(InterchangeError, match="no knowledge criterion 9.9"):
        service_on(empty_db).import_file(admin, GOOD_GIFT, "ok.gift", UNIT, criterion="9.9")


def test_a_learner_may_not_import_nor_a_tutor_export_secure_items(empty_db, bank_db):
    from tutor.domain.access import LEARNER, TUTOR, Actor, PermissionDenied

    with pytest.raises(PermissionDenied):
        service_on(empty_db).import_file(Actor("lee", LEARNER), GOOD_GIFT, "ok.gift", UNIT, criterion="1.1")
    with pytest.raises(PermissionDenied):
        service_on(bank_db).export(Actor("tina", TUTOR), UNIT, "gift", include_secure=True)
    assert service_on(bank_db).export(Actor("tina", TUTOR), UNIT, "gift").written


def test_only_an_admin_may_keep_the_recorded_status_and_a_refusal_is_recorded(bank_db, empty_db):
    import sqlite3

    from tutor.domain.access import IQA, TUTOR, Actor, PermissionDenied

    data = service_on(bank_db).export(Actor("tina", TUTOR), UNIT, "gift").data
    for actor in (Actor("tina", TUTOR), Actor("quinn", IQA)):
        before = counts(empty_db)
        with pytest.raises(PermissionDenied):
            service_on(empty_db).import_file(actor, data, "bank.gift", UNIT, keep_status=True)
        assert counts(empty_db) == (before[0], before[1] + 1)  # nothing imported; the refusal logged
    connection = sqlite3.connect(empty_db.removeprefix("sqlite:///"))
    kind, actor = connection.execute("select kind, actor from audit_entry order by seq desc limit 1").fetchone()
    connection.close()
    assert (kind, actor) == ("permission.denied", "quinn")


def test_secure_items_leave_only_with_the_flag_and_are_recorded(bank_db, admin):
    import sqlite3

    service = service_on(bank_db)
    plain = service.export(admin, UNIT, "gift")
    assert b"use:secure" not in plain.data
    before = counts(bank_db)
    secure = service.export(admin, UNIT, "gift", include_secure=True)
    secure_ids = [line for line in secure.data.decode().splitlines() if "[tag:use:secure]" in line]
    assert secure_ids and len(secure.written) == len(plain.written) + len(secure_ids)
    assert counts(bank_db) == (before[0], before[1] + 1)
    connection = sqlite3.connect(bank_db.removeprefix("sqlite:///"))
    kind, actor = connection.execute("select kind, actor from audit_entry order by seq desc limit 1").fetchone()
    connection.close()
    assert (kind, actor) == ("bank.export_secure", "ada")
