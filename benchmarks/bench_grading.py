"""Throughput of the batch grader: submissions per minute by workers, and its overhead over bare execution.

Run:  python benchmarks/bench_grading.py [--assignment 10_attention_teaser] [--submissions 50] [--workers 1 2]
                                         [--bare 10]

It builds a throw-away course in a temporary folder with ``--submissions`` submissions of the assignment (its sample
students from tests/submissions/ in turn: correct, unanswered and one-bug notebooks), grades them all with
``python -m rnnlab.grading autograde --force --workers k`` for each k (a LocalCluster of k workers) and times each
batch. "Bare" executes ``--bare`` of the same submitted notebooks one after another with nbclient, as plain
``jupyter nbconvert --execute`` would: no sandbox, no judge kernel, no hidden tests. The overhead is the grader's
time per submission on one worker divided by the bare time per notebook. It prints a markdown table. Do not run it
next to other work: on a shared machine the numbers are only comparable within one run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from course_tools import SAMPLES, copy_course, submit_samples, tool_env  # noqa: E402


def make_course(folder: Path, assignment: str, n: int) -> list[Path]:
    """A course with ``n`` submissions of ``assignment``; returns their notebooks."""
    course = copy_course(folder, [assignment])
    submit_samples(course, assignment)
    samples = sorted((course / "submitted").glob(f"*/{assignment}/{assignment}.ipynb"))
    submitted = []
    for i, sample in zip(range(n), cycle(samples), strict=False):
        dest = course / "submitted" / f"s{i:04d}" / assignment / sample.name
        dest.parent.mkdir(parents=True)
        dest.write_bytes(sample.read_bytes())
        submitted.append(dest)
    for sample in samples:  # only the numbered copies are graded
        for path in sorted(sample.parents[1].rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        sample.parents[1].rmdir()
    return submitted


def grade(course: Path, assignment: str, workers: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rnnlab.grading", "autograde", assignment, "--force",
                           "--workers", str(workers)], cwd=course, env=tool_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0 or "GRADER ERROR" in proc.stdout:
        raise SystemExit(proc.stdout[-3000:] + proc.stderr[-3000:])
    return elapsed


def bare(notebooks: list[Path]) -> float:
    """Seconds to execute the notebooks one after another (errors allowed, as in an unanswered notebook)."""
    start = time.perf_counter()
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=300, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--assignment", default="10_attention_teaser", choices=sorted(SAMPLES))
    parser.add_argument("--submissions", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--bare", type=int, default=10, help="notebooks executed without the grader (default 10)")
    args = parser.parse_args()
    os.environ["PATH"] = tool_env()["PATH"]
    with tempfile.TemporaryDirectory(prefix="rnnlab-bench-") as tmp:
        course = Path(tmp) / "course"
        notebooks = make_course(course, args.assignment, args.submissions)
        bare_each = bare(notebooks[: args.bare]) / args.bare
        print(f"{args.assignment}, {args.submissions} submissions, {os.cpu_count()} cores\n")
        print("| workers | batch wall time | submissions / minute | worker-seconds per submission | ÷ bare execution |")
        print("|---|---|---|---|---|")
        for k in args.workers:
            wall = grade(course, args.assignment, k)
            each = wall * k / args.submissions  # worker-seconds
            print(f"| {k} | {wall:.0f} s | {60 * args.submissions / wall:.1f} | {each:.1f} | {each / bare_each:.1f}× |",
                  flush=True)
        print(f"\nbare execution (nbclient, one after another, no grader): {bare_each:.1f} s per notebook")


if __name__ == "__main__":
    main()
