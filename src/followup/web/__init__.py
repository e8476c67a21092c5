"""`followup serve`'s app: the form and answer pages for people, the HTTP API for programs, over
the same library the command line uses (app.py builds it; guard.py keeps it safe; pages.py and
api.py serve it; form.py, share.py and timeline.py make the pages). Loaded only by serve."""
