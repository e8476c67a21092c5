"""Drafted messages and calendar reminders for an answer that sends something.

templates.py reads and checks rules/messages.yaml (the message templates, data only); draft.py
fills the template for an answer's contact and channel from the scenario; calendar.py writes the
reminder as an RFC 5545 file (and is the only module that imports icalendar). This layer sits
between core (which it reads) and audit (which renders its drafts).
"""
