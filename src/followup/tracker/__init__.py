"""`followup track`: every application in one place, and "what do I send today?".

A library of plain functions over a Store (store.py: one SQLite file that the command line and a
web server can share), for the commands in followup.cli.track and for a web view alike: they
take plain values and an explicit `as_of` day, return records, raise FollowupError for user
mistakes, and never print or read the clock. A Store is one SQLite connection: a web server
opens one per request (or per thread); opening an up-to-date database takes no lock.

    from followup.core.advisor import load_advisor
    from followup.tracker import answers, changes
    from followup.tracker.store import open_store

    advisor = load_advisor(None)
    with open_store(path) as store:
        changes.log(store, advisor, "3", "follow_up", day, as_of=day)   # "I sent it today"
        rows = answers.answers(advisor, changes.applications(store), day)

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
