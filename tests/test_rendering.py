"""A template with no Jinja syntax is its own text until jinja2 loads (the app's first screen does not wait
for jinja2): exactly what jinja2 renders from it."""

from __future__ import annotations

import sys

from tutor.paths import templates_dir
from tutor.rendering import TextRenderer


def test_every_plain_template_is_what_jinja2_renders():
    templates = templates_dir()
    names = sorted(str(p.relative_to(templates)) for p in templates.rglob("*.j2"))
    plain = [name for name in names if TextRenderer(templates).plain_text(name) is not None]
    assert "ui/home.j2" in plain and len(plain) < len(names)
    jinja = TextRenderer(templates)
    for name in plain:
        assert TextRenderer(templates).render(name) == jinja.env.get_template(name).render(), name


def test_a_template_with_jinja_syntax_loads_jinja2(tmp_path):
    (tmp_path / "plain.j2").write_text("just words\n")
    (tmp_path / "value.j2").write_text("{{ x }}\n")
    (tmp_path / "crlf.j2").write_text("a\r\nb\r\n", newline="")
    renderer = TextRenderer(tmp_path)
    assert renderer.render("plain.j2") == "just words\n" and "env" not in vars(renderer)
    assert renderer.render("crlf.j2") == "a\nb\n" and renderer.plain_text("../plain.j2") is None
    assert renderer.render("value.j2", x=3) == "3\n" and "jinja2" in sys.modules
    assert renderer.render("crlf.j2") == "a\nb\n"  # jinja2's reading of the same file
