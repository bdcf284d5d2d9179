"""Makes `ast.parse` safe to call from several threads at once, for `scripts/fuzz-api`.

CPython 3.11 up to 3.11.7 (and Debian's 3.11.2) keeps the AST builder's recursion depth in
state shared by every thread of the interpreter; when the garbage collector lets another
thread run in the middle of a parse and that thread parses too, the first one fails with
"SystemError: AST constructor recursion depth mismatch" (python/cpython#106905, fixed by
python/cpython#113035 in later releases). schemathesis runs its workers
as threads, and hypothesis parses the source of lambdas to describe a strategy when it
validates one (the Alertmanager payload's recursive schema does that): a run crashed inside
schemathesis on POST /v1/alertmanager that way. One lock keeps the parses one at a time.

`scripts/fuzz-api` copies this file into schemathesis's virtual environment with a `.pth`
line that imports it at start-up.
"""

import ast
import threading

_lock = threading.RLock()
_parse = ast.parse


def _parse_one_at_a_time(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time
