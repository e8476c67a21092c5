"""`followup track`: every application in one place, and "what do I send today?".

A library of plain functions over a Store (store.py: one SQLite file that the command line and a
web server can share), for the commands in followup.cli.track and for a web view alike: they
take plain values and an explicit `as_of` day, return records, raise FollowupError for user
mistakes, and never print or read the clock.

  store.py       opening the database (path, WAL, busy timeout, transactions, errors)
  migrations.py  the schema as migrations, and why it has this shape
  documents.py   the Application record, its canonical document, ids
  rows.py        every SQL statement on applications and events
  changes.py     add, log, replace (edit), archive: validated, then one transaction
  edit.py        track edit's --set / --unset and the scenario as YAML for an editor
  answers.py     answers computed as of a day (never stored), status, sorting, JSON
  render.py      the answers as text
  transfer.py    export (JSON Lines), import (all or nothing), the calendar (.ics)
"""
