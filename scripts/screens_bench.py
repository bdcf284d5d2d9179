#!/usr/bin/env python3
"""Issue 19 item 4's memory figures: a wall and a desk against a backend holding thousands of
closed incidents, which a screen must not hold.

    cargo build --release
    python3 scripts/screens_bench.py [--closed 5000] [--runs 3] [--binary PATH] [--db FILE]

A real `warroom serve` (the per-caller write limit off) declares --closed incidents through
the API and resolves each, then declares three open P1s (the issue's "three incidents open");
the SQLite file is kept at --db, and reused when it already exists (so two binaries, before
and after a change, are measured on the same history; `--runs 0` only builds it). Then,
--runs times, with --binary:
the backend is started on that file, and `warroom --wall` and the desk each run in a 200x50
pty until settled; their VmRSS (and peak, VmHWM) is read from /proc, with the backend's.

A benchmark, not a test: nothing here fails when a figure misses its target.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import history_bench  # noqa: E402  (serve: a backend on a file, timed to /healthz)
import tui_bench  # noqa: E402  (the pty screen, the process stack, /proc readings)

OPEN = 3


def build(stack, binary, db, closed):
    config = stack.dir / "unlimited.toml"
    config.write_text("[server.limits]\nwrites_per_minute = 0\n")
    child = stack.spawn("seed", [binary, "serve", "--listen", "127.0.0.1:0", "--db", db,
                                 "--config", str(config)], stdout=tui_bench.subprocess.PIPE)
    line = child.stdout.readline().decode()
    if not line.startswith("listening on "):
        sys.exit(f"warroom serve did not start: {line!r}")
    tui_bench.threading.Thread(target=child.stdout.read, daemon=True).start()
    url = line.split()[-1]
    actor = {"X-Warroom-Actor": "alice"}
    started = time.perf_counter()
    for n in range(1, closed + 1):
        tui_bench.http_json("POST", f"{url}/v1/incidents", {
            "title": f"Old outage number {n}", "severity": "P2"}, headers=actor)
        tui_bench.http_json("POST", f"{url}/v1/incidents/INC-{n}/commands",
                            {"type": "transition", "to": "resolved"}, headers=actor)
    for n in range(OPEN):
        tui_bench.http_json("POST", f"{url}/v1/incidents", {
            "title": f"Burning now {n + 1}", "severity": "P1"}, headers=actor)
    print(f"built {closed} closed and {OPEN} open incidents in "
          f"{time.perf_counter() - started:.0f} s")
    child.terminate()
    child.wait()


def measure(stack, binary, url, config, wall, settle):
    screen = tui_bench.Screen(stack, binary, url, config, wall=wall)
    # The three open incidents are P1s, declared acknowledged: the first frame showing that
    # word shows the most severe open incident.
    shown = screen.wait_for(b"ACKNOWLEDGED", 0, timeout=60)
    if shown is None:
        sys.exit("the screen never showed an open incident")
    screen.settle(settle)
    memory = tui_bench.memory_kb(screen.pid)
    screen.child.terminate()
    screen.child.wait()
    return memory["VmRSS"] / 1024, memory["VmHWM"] / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(tui_bench.ROOT / "target" / "release" / "warroom"))
    parser.add_argument("--closed", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--db", default="/tmp/warroom-screens-bench.db")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: run `cargo build --release` first")
    with tui_bench.Stack() as stack:
        if not os.path.exists(args.db):
            build(stack, args.binary, args.db, args.closed)
        if args.runs == 0:
            return
        config = stack.dir / "empty.toml"
        config.write_text("")
        walls, desks, backends = [], [], []
        for run in range(args.runs):
            child, url, _ = history_bench.serve(stack, args.binary, args.db, f"serve-{run}")
            walls.append(measure(stack, args.binary, url, config, True, args.settle))
            desks.append(measure(stack, args.binary, url, config, False, args.settle))
            backends.append(tui_bench.memory_kb(child.pid)["VmRSS"] / 1024)
            child.terminate()
            child.wait()
        print(f"{args.binary} on {args.db}; {args.runs} runs")
        for name, values in (("wall RSS settled", [w[0] for w in walls]),
                             ("wall peak RSS (VmHWM)", [w[1] for w in walls]),
                             ("desk RSS settled", [d[0] for d in desks]),
                             ("desk peak RSS (VmHWM)", [d[1] for d in desks]),
                             ("backend RSS after both", backends)):
            shown = ", ".join(f"{v:.1f}" for v in values)
            print(f"  {name}: {shown} MB; median {statistics.median(values):.1f}")


if __name__ == "__main__":
    main()
