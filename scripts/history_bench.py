#!/usr/bin/env python3
"""Issue 13's memory figures: a backend and a wall display on a log of 1,000,000 events.

    cargo build --release
    python3 scripts/history_bench.py [--events 1000000] [--runs 3]

The log is made the way a long-lived team's looks: a real `warroom serve` declares 50
incidents through the API and resolves 45 of them, adds a note (the template of every later
row, so the rows are the backend's own format), and is stopped; then the notes of a long
history are appended to its SQLite file, spread over the 45 resolved incidents, with a few on
the 5 open ones. One start folds the appended notes into the incidents' snapshot rows (what
an upgrade to schema 6 does once; timed and printed apart). Then, with the release binary:

- backend: time from starting `warroom serve` to `/healthz` answering, and its RSS once it
  serves (median of --runs starts);
- wall: `warroom --wall` in a 200x50 pty against it: time to the first complete frame showing
  the most severe open incident (one of the 5 open P1s, all acknowledged), and the wall's RSS
  once settled (median of --runs starts).

A benchmark, not a test: nothing here fails when a figure misses its target.
"""

import argparse
import json
import os
import sqlite3
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tui_bench  # noqa: E402  (the pty screen, the process stack, /proc readings)

INCIDENTS = 50
OPEN = 5


def serve(stack, binary, db, name):
    child = stack.spawn(name, [binary, "serve", "--listen", "127.0.0.1:0", "--db", db],
                        stdout=tui_bench.subprocess.PIPE)
    started = time.perf_counter()
    line = child.stdout.readline().decode()
    if not line.startswith("listening on "):
        sys.exit(f"warroom serve did not start: {line!r}")
    tui_bench.threading.Thread(target=child.stdout.read, daemon=True).start()
    url = line.split()[-1]

    def healthy():
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
            return response.status == 200

    tui_bench.wait_until("/healthz", healthy, every=0.005)
    return child, url, time.perf_counter() - started


def build_log(stack, binary, events):
    db = stack.dir / "history.db"
    child, url, _ = serve(stack, binary, db, "seed")
    actor = {"X-Warroom-Actor": "alice"}
    for n in range(1, INCIDENTS + 1):
        severity = "P1" if n > INCIDENTS - OPEN else "P2"
        tui_bench.http_json("POST", f"{url}/v1/incidents", {
            "title": f"Incident number {n}", "severity": severity, "service": "checkout"},
            headers=actor)
        if n <= INCIDENTS - OPEN:
            tui_bench.http_json("POST", f"{url}/v1/incidents/INC-{n}/commands",
                                {"type": "transition", "to": "resolved"}, headers=actor)
    tui_bench.http_json("POST", f"{url}/v1/incidents/INC-1/commands",
                        {"type": "add_note", "kind": "note", "text": "template"}, headers=actor)
    child.terminate()
    child.wait()
    with sqlite3.connect(db) as conn:
        head, at, template = conn.execute(
            "SELECT seq, at, kind FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        kind = json.loads(template)

        def rows():
            for i in range(events - head):
                # Nearly all of the history on resolved incidents; every 1000th on an open one.
                if i % 1000 == 0:
                    incident = INCIDENTS - OPEN + 1 + (i // 1000) % OPEN
                else:
                    incident = 1 + i % (INCIDENTS - OPEN)
                kind["text"] = f"history note {i}: checked the dashboards, nothing new"
                yield head + 1 + i, f"INC-{incident}", at, "bob", json.dumps(kind)

        conn.executemany("INSERT INTO events (seq, incident, at, actor, kind) "
                         "VALUES (?, ?, ?, ?, ?)", rows())
        total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    # Events appended behind warroom's back are not in the incidents' snapshot rows yet: the
    # next start folds them in, once, as it does when an older file is upgraded (schema 6).
    # That start is timed apart, not counted as a restart.
    child, _, folded = serve(stack, binary, db, "fold")
    child.terminate()
    child.wait()
    return db, total, folded


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(tui_bench.ROOT / "target" / "release" / "warroom"))
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        sys.exit(f"{args.binary} is missing: run `cargo build --release` first")
    with tui_bench.Stack() as stack:
        db, total, folded = build_log(stack, args.binary, args.events)
        config = stack.dir / "empty.toml"
        config.write_text("")
        # The 5 open incidents are all P1 and, since issue 8, declared acknowledged: the first
        # frame showing that status word is the first showing a most severe open incident.
        # (Not one title: ratatui writes only the cells that changed, so a title that differs
        # from an earlier frame's in two digits never appears whole in the bytes.)
        headline = b"ACKNOWLEDGED"
        restarts, backend_rss, firsts, wall_rss, backend_rss_wall = [], [], [], [], []
        for run in range(args.runs):
            child, url, took = serve(stack, args.binary, db, f"serve-{run}")
            restarts.append(took)
            backend_rss.append(tui_bench.memory_kb(child.pid)["VmRSS"] / 1024)
            started = time.perf_counter()
            screen = tui_bench.Screen(stack, args.binary, url, config, wall=True)
            shown = screen.wait_for(headline, 0, timeout=30)
            end = shown and screen.wait_for(tui_bench.FRAME_END, shown, timeout=30)
            if end is None:
                sys.exit("the wall never showed the most severe open incident")
            firsts.append(screen.arrival(end - 1) - started)
            screen.settle(args.settle)
            wall_rss.append(tui_bench.memory_kb(screen.pid)["VmRSS"] / 1024)
            backend_rss_wall.append(tui_bench.memory_kb(child.pid)["VmRSS"] / 1024)
            for process in (screen.child, child):
                process.terminate()
                process.wait()
        print(f"log: {total} events, {INCIDENTS} incidents ({OPEN} open), "
              f"{os.path.getsize(db) / 2**20:.0f} MB SQLite file; {args.runs} runs")

        def row(name, values, unit, fmt="{:.2f}"):
            shown = ", ".join(fmt.format(v) for v in values)
            print(f"  {name}: {shown} {unit}; median {fmt.format(statistics.median(values))}")

        print(f"  first start, folding the appended history into the snapshot rows: {folded:.2f} s")
        row("backend restart to /healthz", restarts, "s")
        row("backend RSS once serving", backend_rss, "MB", "{:.1f}")
        row("backend RSS with the wall connected", backend_rss_wall, "MB", "{:.1f}")
        row("wall first complete frame", firsts, "s")
        row("wall RSS after settling", wall_rss, "MB", "{:.1f}")


if __name__ == "__main__":
    main()
