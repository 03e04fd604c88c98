"""Command line of the hardened grader (run from the course directory).

    python -m rnnlab.grading autograde ASSIGNMENT [--student S ...] [--workers N | --scheduler ADDRESS] [--force]
    python -m rnnlab.grading feedback ASSIGNMENT     # nbgrader generate_feedback --force
    python -m rnnlab.grading export                  # nbgrader export -> grades.csv
    python -m rnnlab.grading report ASSIGNMENT       # score, max and the reason for every lost point
    python -m rnnlab.grading insights ASSIGNMENT | --all [--students] [--out DIR]   # what the class got wrong
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rnnlab.grading import batch, insights


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnnlab.grading", description=__doc__.split("\n")[0])
    parser.add_argument("--course", type=Path, default=Path("."), help="course directory (default: .)")
    sub = parser.add_subparsers(dest="command", required=True)
    grade = sub.add_parser("autograde", help="grade submitted/*/ASSIGNMENT in the sandbox")
    grade.add_argument("assignment")
    grade.add_argument("--student", action="append", help="only this student (repeatable)")
    grade.add_argument("--workers", type=int, default=1,
                       help="submissions graded in parallel on this machine (default 1)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on an existing dask cluster instead, e.g. tcp://10.0.0.5:8786")
    grade.add_argument("--allow-no-sandbox", action="store_true",
                       help="with --scheduler: let workers without bubblewrap grade (they refuse by default)")
    grade.add_argument("--force", action="store_true", help="regrade even unchanged submissions")
    grade.add_argument("--cell-timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    grade.add_argument("--notebook-timeout", type=float, default=300.0, help="seconds per notebook (default 300)")
    grade.add_argument("--require-sandbox", action="store_true", help="fail instead of grading without bwrap")
    feedback = sub.add_parser("feedback", help="feedback HTML for every autograded submission")
    feedback.add_argument("assignment")
    sub.add_parser("export", help="grades.csv from the gradebook")
    rep = sub.add_parser("report", help="per student: score, max, reasons for lost points")
    rep.add_argument("assignment")
    insight = sub.add_parser("insights", help="per exercise: score distribution and the mistakes the class made")
    which = insight.add_mutually_exclusive_group(required=True)
    which.add_argument("assignment", nargs="?")
    which.add_argument("--all", action="store_true", help="every assignment on one page, recurring mistakes first")
    insight.add_argument("--students", action="store_true", help="list the students who made each mistake")
    insight.add_argument("--out", type=Path, help="folder for the CSV and HTML (default: insights/ in the course)")
    args = parser.parse_args(argv)
    course = batch.Course.load(args.course)

    if args.command == "autograde":
        if args.require_sandbox and not args.scheduler:  # on a cluster every worker checks its own machine
            reason = batch.sandbox.probe()
            if reason:
                print(f"error: {reason}; not grading without the sandbox (--require-sandbox)", file=sys.stderr)
                return 2
        allow = args.allow_no_sandbox if args.scheduler else not args.require_sandbox
        settings = batch.Settings(args.cell_timeout, args.notebook_timeout, args.workers, args.scheduler, allow)
        states = batch.autograde(course, args.assignment, settings, only=args.student, force=args.force)
        print(batch.report(course, args.assignment))
        return 1 if any("error" in s for s in states.values()) else 0
    if args.command == "feedback":
        return batch.nbgrader(course, "generate_feedback", args.assignment, "--force")
    if args.command == "export":
        status = batch.nbgrader(course, "export", "--to", str(course.root / "grades.csv"))
        missing = batch.ungraded(course)
        if missing:
            print(f"grades.csv has no grade for {len(missing)} submission(s):\n  " + "\n  ".join(missing))
        return status
    if args.command == "insights":
        insights.run(course, None if args.all else args.assignment, args.students, args.out)
        return 0
    print(batch.report(course, args.assignment))
    return 0


if __name__ == "__main__":
    sys.exit(main())
