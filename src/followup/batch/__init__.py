"""`followup batch`: answer a JSON Lines file of scenarios, one result line per input line.

    followup batch INPUT [-o OUTPUT] [--workers N] [--as-of DATE] [--rules DIR] [--resume] [-q]

Each output line is `{"schema_version": 1, "line": 7, "id": "abc", "answer": {...}}` (the answer
`advise --format json` prints, without its schema_version) or `{"schema_version": 1, "line": 8,
"id": null, "error": {"code", "message", "diagnostics": [...]}}`, in input order. `id` is the
scenario's `id` when it had a text or number one, else null (also on `internal-error` and
`engine-crash` records, whenever the line was JSON).

How a line is read: its bytes must be UTF-8 (codes `not-utf8`, `binary`, as advise), at most
loader.MAX_BYTES long (`too-large`) and not blank (`empty-file`, message "line is empty"); then it
must be JSON (`json-syntax`, with the JSON parser's message and column). A line that could not
differ from advise's reading (no duplicate key, nothing YAML refuses, short) is validated straight
from the JSON value (loader.from_plain, the fast path); any other line, and any line the validator
finds a problem in, is read exactly as advise reads a file (loader.parse_text, lenient) and
validated again, so the codes, messages and columns are the advise ones, at INPUT:LINE:COLUMN.
Two deliberate differences: JSON surrogate-pair escapes such as \\ud83d\\ude00, which advise's YAML
reader refuses, are read; and an escape of half a pair alone (\\ud800) is `not-utf8` at the escape
(text that cannot be UTF-8, like an invalid byte), where advise stops with a `yaml-syntax` error.

Files: INPUT must be a regular file (`-` reads stdin, whatever it is: a file, a pipe, a terminal);
a FIFO, socket, device or directory is refused at once (`not-a-file`), never opened for a read
that could block. OUTPUT is opened without truncating it and refused when it is INPUT under any
name (a link, a relative path, stdin or stdout redirected to it: `output-is-input`) or when
another run holds its lock (`output-locked`: flock, held for the whole run, where the file
system has it); only then is it truncated (or, with --resume, cut back to what OUTPUT.resume
vouches for).

Design (shared/durable-rules.md: the engine can kill its process):
- this process, the supervisor, never evaluates anything. N worker processes each load the Advisor
  once and answer the lines sent to them, framed over two pipes each (channel.py): lines go down
  in chunks of up to CHUNK, results come up HOLD_RECORDS at a time (and always before a worker
  waits for work), so neither side makes a system call or wakes the other per record. The
  supervisor's ends never block, so a stopped, hung or dying worker can never hold it up. Each
  worker publishes in shared memory the line it is answering (0: none), its progress marker:
  results it still held when it died are lost and those records are sent again; a worker that dies, or
  gives no answer for RECORD_TIMEOUT seconds and is killed, costs exactly that record (an
  `engine-crash` error record), or none when it was between records; the rest of its lines are
  sent again. A worker stopped by SIGTERM/SIGHUP/SIGINT (e.g. a signal to the whole process
  group) blames no record. Time the supervisor itself was not running (Ctrl-Z, then fg) does not
  count against the workers. Workers ignore SIGINT (Ctrl-C is the supervisor's), die with the
  supervisor (Linux PR_SET_PDEATHSIG, else at EOF on their pipe), and are replaced by fresh ones
  after RECYCLE_AFTER records, which caps whatever they leak. `--workers 1` also uses one worker
  process, so a crash never ends the run.
- input is read lazily, without ever blocking (a silent stdin pipe is waited on with the workers)
  and at most `window` records are in flight or waiting for their turn to be written (a bounded
  reorder buffer), so memory stays flat whatever the input size.
- results are written in input order as complete lines only, one write per flush, flushed every
  FLUSH_SECONDS (or FLUSH_BYTES), fsynced every FSYNC_SECONDS and at the end. A write that fails
  part-way (disk full, file too large) is cut back to the last complete line, and the run stops
  (`write-failed`, exit 2). After each fsync, OUTPUT.resume (resume.py) records how much of OUTPUT
  is good and which INPUT lines, --as-of, day and rules it answers. `--resume` continues from
  there (results written after the last fsync are answered again; a torn last line is dropped)
  and refuses with `resume-mismatch`, saying what differs, when INPUT's answered lines, --as-of or
  the rules' meaning changed; `no-resume-record` when OUTPUT has results but no record.
- SIGINT and SIGTERM stop the run after writing what is finished, wherever it is waiting:
  nothing waits more than 0.1 s without looking (the first worker loading the rules, a silent
  stdin, stopped workers, an OUTPUT pipe nobody reads).

Exit status: 0 all answered, 1 some records were errors (counting the part of OUTPUT kept by
--resume), 2 unusable invocation (missing input, bad options, unreadable rules, OUTPUT that cannot
be written or resumed, a resume that is not the same run) or OUTPUT that could not be written to
the end, 130/143 stopped by SIGINT/SIGTERM (run again with --resume), 141 the output pipe was
closed.

Code: run.py takes a run from start to end (the command line is followup.cli's `batch`);
supervisor.py is the supervisor (Batch); io.py holds the result records and reads INPUT;
output.py writes OUTPUT; resume.py keeps OUTPUT.resume; workers.py runs the worker processes
(Pool); channel.py frames what goes through their pipes; answer.py turns one input line into its
result line, in a worker.

Test hook: FOLLOWUP_BATCH_CRASH_ON_ID=<id> makes a worker call os._exit(139) just before it
evaluates a record whose `id` is <id>, to simulate an engine crash. For tests only. (Other tests
patch RECORD_TIMEOUT, load_advisor or answer_line in the batch process before it starts.)
"""

MAX_WORKERS = 256  # the most worker processes a run may ask for (--workers)
