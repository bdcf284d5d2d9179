"""Makes `ast.parse` safe to call from several threads at once, for `scripts/fuzz-api`.

CPython 3.11 keeps the AST builder's recursion depth in state shared by every thread of the
interpreter (see python/cpython#106905), so two threads parsing at the same time can fail
with "SystemError: AST constructor recursion depth mismatch". schemathesis runs its workers
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
