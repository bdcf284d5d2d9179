"""The string formats of warroom's API document, for schemathesis (`scripts/fuzz-api`).

The document names a format where a value has a grammar no JSON Schema pattern states
exactly (an age is never zero nor over a century, a time must be past, a severity is one of
the server's configured levels in any case); its description says the grammar in words.
Without this file schemathesis would send any text as such a value and count the 400 it gets
as a valid value refused. Each strategy here draws from the grammar the server reads; values
outside it are still sent by the negative checks, which expect a 400.

`scripts/fuzz-api` names this module in SCHEMATHESIS_HOOKS.
"""

from datetime import datetime, timezone

import schemathesis
from hypothesis import strategies as st

_CENTURY_DAYS = 100 * 365

# Units largest first, each at most once, as `warroom::duration` reads them; the total stays
# under a century.
_days = st.integers(1, _CENTURY_DAYS // 7).map(lambda n: f"{n}w") | st.integers(
    1, _CENTURY_DAYS
).map(lambda n: f"{n}d")
_ages = (
    _days
    | st.integers(1, _CENTURY_DAYS * 24).map(lambda n: f"{n}h")
    | st.tuples(st.integers(1, 999), st.integers(0, 23), st.integers(0, 59)).map(
        lambda t: f"{t[0]}d{t[1]}h{t[2]}m"
    )
    | st.integers(1, 10**6).map(lambda n: f"{n}m")
)
_past_times = st.datetimes(
    min_value=datetime(1970, 1, 1),
    max_value=datetime(2020, 1, 1),
    timezones=st.just(timezone.utc),
).map(lambda at: at.isoformat())

schemathesis.openapi.format("age-or-date-time", _ages | _past_times)
schemathesis.openapi.format("days", _days)
# The default scale of `warroom serve`, which the fuzzed server runs.
schemathesis.openapi.format(
    "severity", st.sampled_from(["P0", "P1", "P2", "p1", " P2"])
)
# A list's filter: one level or several separated by commas.
schemathesis.openapi.format(
    "severities", st.sampled_from(["P0", "P1", "p2", " P2", "P0,P1", "p1, P2,P0"])
)

# The follow-ups' cursor: DUE,INC-N,ID, as a next link writes it.
schemathesis.openapi.format(
    "followup-cursor",
    st.tuples(_past_times, st.integers(1, 10**6), st.integers(1, 1000)).map(
        lambda t: f"{t[0]},INC-{t[1]},{t[2]}"
    ),
)
