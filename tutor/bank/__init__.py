"""The question bank: items, knowledge sheets, the generator and the checks that keep them sound.

Pure like the domain: it reads YAML and renders jinja2 templates, and imports neither textual
nor sqlmodel. Storing items in the database is :mod:`tutor.services.bank`'s job.
"""
