"""`python -m followup.cli`."""

from . import main

main()
