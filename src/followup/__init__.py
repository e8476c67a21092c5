"""followup-advisor: is a (second) follow-up after a job interview okay here, and when?"""

__version__ = "0.1.0"
