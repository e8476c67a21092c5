"""`followup batch`: answer a JSON Lines file of scenarios, one result line per input line.

    followup batch INPUT [-o OUTPUT] [--workers N] [--as-of DATE] [--rules DIR] [--resume] [-q]

Each output line is `{"line": 7, "id": "abc", "answer": {...}}` (the object `advise --format json`
prints) or `{"line": 8, "id": null, "error": {"code", "message", "diagnostics": [...]}}`, in input
order. `id` is the scenario's `id` when it had a text or number one, else null.

How a line is read: its bytes must be UTF-8 (codes `not-utf8`, `binary`, as advise), at most
loader.MAX_BYTES long (`too-large`) and not blank (`empty-file`, message "line is empty"); then it
must be JSON (`json-syntax`, with the JSON parser's message and column). A line that could not
differ from advise's reading (no duplicate key, nothing YAML refuses, short) is validated straight
from the JSON value (loader.from_plain, the fast path); any other line, and any line the validator
finds a problem in, is read exactly as advise reads a file (loader.parse_text, lenient) and
validated again, so the codes, messages and columns are the advise ones, at INPUT:LINE:COLUMN.
(One deliberate difference: JSON surrogate-pair escapes such as \\ud83d\\ude00, which advise's YAML
reader refuses, are read.)

Design (shared/durable-rules.md: the engine can kill its process):
- this process, the supervisor, never evaluates anything. N worker processes each load the Advisor
  once and answer records sent to them in small chunks. A worker that dies is replaced; the record
  it was working on becomes an `engine-crash` error record and the rest of its chunk is sent again.
  A record that takes more than RECORD_TIMEOUT seconds gets its worker killed the same way. A
  worker stopped by SIGTERM/SIGHUP/SIGINT (e.g. a signal to the whole process group) blames no
  record: its records are sent again. Workers ignore SIGINT (Ctrl-C is the supervisor's), die with
  the supervisor (Linux PR_SET_PDEATHSIG, else at EOF on their pipe), and are replaced by fresh
  ones after RECYCLE_AFTER records, which caps whatever they leak. `--workers 1` also uses one
  worker process, so a crash never ends the run.
- input is read lazily and at most `window` records are in flight or waiting for their turn to be
  written (a bounded reorder buffer), so memory stays flat whatever the input size.
- results are written in input order as complete lines only, one os.write per flush, flushed every
  FLUSH_SECONDS (or FLUSH_BYTES), fsynced every FSYNC_SECONDS and at the end. An interrupted run
  (Ctrl-C, SIGTERM, kill -9) leaves every written result on disk; `--resume` truncates a torn last
  line, reads the `line` of the last complete one, and answers the input lines after it. Resume
  with the same INPUT, --as-of and --rules as the first run: that is not checked.

Exit status: 0 all answered, 1 some records were errors (counting the part of OUTPUT kept by
--resume), 2 unusable invocation (missing input, bad options, unreadable rules, OUTPUT that cannot
be written or resumed), 130/143 stopped by SIGINT/SIGTERM (run again with --resume), 141 the
output pipe was closed.

Code: run.py takes a run from start to end (the command line is followup.cli's `batch`);
supervisor.py is the supervisor (Batch); io.py reads INPUT, encodes the result records and writes
OUTPUT; workers.py runs the worker processes (Pool); answer.py turns one input line into its
result line, in a worker.

Test hook: FOLLOWUP_BATCH_CRASH_ON_ID=<id> makes a worker call os._exit(139) just before it
evaluates a record whose `id` is <id>, to simulate an engine crash. For tests only.
"""

MAX_WORKERS = 256  # the most worker processes a run may ask for (--workers)
