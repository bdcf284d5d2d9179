#!/usr/bin/env python3
"""From `warroom setup` to live panels (issue 24), measured on the real binary.

    cargo build --release
    python3 scripts/setup_bench.py [--runs 5] [--days 7]

Each run starts its own servers on loopback: a real Prometheus that already has data (DAYS
days, by default 7, of a made-up checkout service's history in the names real exporters use,
http_requests_total and http_request_duration_seconds_bucket, backfilled with promtool, then
its live values scraped every second), a real Alertmanager, and a `warroom serve` on a fresh
database with one declared incident. Then, from an empty home directory, the clock starts:
`warroom setup --backend … --prometheus … --alertmanager …` runs (it checks the three URLs,
detects the panels, proposes their thresholds from the history and writes the config), and
`warroom` starts in a 200x50 pty on what setup wrote; the clock stops when the p99 panel
shows a value under its title with the proposed crit line. Setup's own share is given apart.
A benchmark, not a test: nothing here runs under `cargo test`, and nothing fails when a
figure misses its target (60 s).
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import time

from tui_bench import ROOT, Screen, Stack, Traffic, free_port, start_backend, start_prometheus

# The p99 panel's title with a crit line, then (colours between) its first value.
LIVE = re.compile(rb"p99 latency \xc2\xb7 crit [0-9.]+ m?s.*?p99 (\x1b\[[0-9;]*m)*[0-9.]+ m?s",
                  re.S)


def start_alertmanager(stack):
    config = stack.dir / "alertmanager.yml"
    config.write_text("route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n")
    port = free_port()
    stack.spawn("alertmanager", [
        "prometheus-alertmanager", f"--config.file={config}",
        f"--storage.path={stack.dir / 'alertmanager'}",
        f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="])
    return f"http://127.0.0.1:{port}"


def one_run(binary, days):
    with Stack() as stack:
        prometheus = start_prometheus(stack, Traffic(prefix=""), history=int(days * 86_400))
        alertmanager = start_alertmanager(stack)
        backend = start_backend(stack, binary)
        home = stack.dir / "home"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WARROOM_", "XDG_"))}
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
                   XDG_DATA_HOME=str(home / "data"), LANG="C.UTF-8")
        config = home / "config" / "warroom" / "config.toml"
        time.sleep(1)  # Alertmanager's start, off the clock
        started = time.perf_counter()
        setup = subprocess.run(
            [binary, "setup", "--backend", backend, "--prometheus", prometheus,
             "--alertmanager", alertmanager], env=env, capture_output=True)
        setup_done = time.perf_counter()
        if setup.returncode != 0:
            sys.exit(f"warroom setup failed:\n{setup.stderr.decode()}")
        screen = Screen(stack, binary, backend, config, wall=False)
        deadline = time.monotonic() + 60
        with screen.cond:
            while not LIVE.search(screen.data):
                left = deadline - time.monotonic()
                if left <= 0 or screen.closed:
                    sys.exit("no live p99 panel within 60 s of `warroom setup`")
                screen.cond.wait(left)
        live = time.perf_counter()
        return setup_done - started, live - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(ROOT / "target" / "release" / "warroom"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--days", type=float, default=7.0, help="history Prometheus holds")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: run `cargo build --release` first")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    runs = [one_run(args.binary, args.days) for _ in range(args.runs)]
    setups = sorted(s for s, _ in runs)
    totals = sorted(t for _, t in runs)
    print(f"runs: {len(runs)}, {args.days:g} days of history")
    print(f"warroom setup alone:          median {statistics.median(setups):.2f} s, "
          f"min {setups[0]:.2f} s, max {setups[-1]:.2f} s")
    print(f"setup to live panels (total): median {statistics.median(totals):.2f} s, "
          f"min {totals[0]:.2f} s, max {totals[-1]:.2f} s (goal: 60 s)")


if __name__ == "__main__":
    main()
