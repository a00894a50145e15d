"""Validating QTI 3 files against the 1EdTech XSDs, offline.

The schemas are not part of this project (their licence does not allow a copy): give the folder that holds
them (``qtiv3p0/``, ``w3/``, ``imsmd_loose_v1p3p2.xsd``, as laid out in the interchange corpus). The one
absolute schema location in them (xlink, imported by the packaging XSD) is mapped to its local copy; any
other network location is refused. Compiling the item schema takes seconds: compile once per process.
"""

from __future__ import annotations

import io
import zipfile
from functools import cache
from pathlib import Path

from tutor.interchange.model import InterchangeError

ASI_XSD = Path("qtiv3p0") / "imsqti_asiv3p0_sbacv1p0_v1p0.xsd"
CP_XSD = Path("qtiv3p0") / "imsqtiv3p0_imscpv1p2_v1p0.xsd"
LOM_XSD = Path("imsmd_loose_v1p3p2.xsd")
XLINK = "https://purl.imsglobal.org/spec/w3/1999/schema/xsd/xlink.xsd"


def _parser(folder: Path):
    from lxml import etree

    class LocalOnly(etree.Resolver):
        def resolve(self, url, pubid, context):
            if url == XLINK:
                return self.resolve_filename(str(folder / "w3" / "xlink.xsd"), context)
            if url.startswith(("http:", "https:", "ftp:")):
                raise InterchangeError(f"the schemas would need the network for {url}")
            return None

    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(LocalOnly())
    return parser


@cache
def schemas(folder: Path) -> dict:
    """The compiled item/test, package and LOM schemas of a folder."""
    from lxml import etree

    if not (folder / ASI_XSD).is_file():
        raise InterchangeError(f"{folder}: no QTI 3 schemas here (expected {ASI_XSD})")
    parser = _parser(folder)
    try:
        return {name: etree.XMLSchema(etree.parse(str(folder / path), parser))
                for name, path in (("asi", ASI_XSD), ("cp", CP_XSD), ("lom", LOM_XSD))}
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        raise InterchangeError(f"{folder}: the QTI 3 schemas do not compile: {exc}") from None


def validate_xml(data: bytes, folder: Path, name: str = "") -> list[str]:
    """The schema errors of one QTI item, test or manifest (empty when it validates)."""
    from lxml import etree

    from tutor.interchange.safety import parse_xml

    root = parse_xml(data, name or "document")
    compiled = schemas(folder)
    local = etree.QName(root).localname
    schema = compiled["cp"] if local == "manifest" else compiled["lom"] if local == "lom" else compiled["asi"]
    if schema.validate(root.getroottree()):
        return []
    return [f"{name}:{e.line}: {e.message}" for e in schema.error_log]


def validate_package(data: bytes, folder: Path) -> list[str]:
    """Every XML file of a content package against the schemas, and every file the manifest names present."""
    from tutor.interchange.safety import parse_xml

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")}
    errors = []
    for name in sorted(files):
        if name.endswith(".xml"):
            errors += validate_xml(files[name], folder, name)
    manifest = parse_xml(files.get("imsmanifest.xml", b"<missing/>"), "imsmanifest.xml")
    for element in manifest.iter():
        if isinstance(element.tag, str) and element.tag.endswith("}file") and element.get("href") not in files:
            errors.append(f"imsmanifest.xml: names {element.get('href')}, which is not in the package")
    return errors
