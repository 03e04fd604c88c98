"""Where submissions are graded: dask.distributed workers, on this machine or on a cluster.

The batch grader (batch.py) submits one task per submission to a dask ``Client``: by default an embedded
``LocalCluster`` of single-threaded worker processes, or an existing cluster's scheduler (``dask scheduler`` and
``dask worker`` on any machines, dask-jobqueue on Slurm/PBS). A task carries everything it needs as bytes (the
source and release notebooks, sent once per batch as a task of their own, and the submission's checked files) and
returns the graded notebook and the result, so workers need no shared file system; only the parent process writes
grades.

On the worker, ``grade_submission`` reserves a sandbox slot of that machine (sandbox.reserved_slots, so workers
sharing a machine never share uids), writes the submission into a scratch folder and runs the runner process
(runner.py) on it, with the same sandbox and limits as a local run. A grader error (a kernel that did not start on a
busy machine) is tried again on the worker. A worker whose machine has no usable bubblewrap refuses to grade unless
the instructor allowed it, and a worker whose rnnlab differs from the instructor's refuses too: its grades could
differ. Tasks run under a dask worker lost mid-task (a node gone, a killed process) are run again elsewhere by dask;
one that keeps killing its workers ends as ``KilledWorker`` and batch.py scores it as a crashed notebook.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import rnnlab
from rnnlab.grading import intake, sandbox

GRADER_ATTEMPTS = 3  # tries per submission when the grader itself fails
RETRY_SECONDS = 5  # wait before the second try; twice as long before the third
ALLOWED_WORKER_DEATHS = 2  # a task whose workers died this many times more is the submission's doing (KilledWorker)
# A grading task is one long call that starts processes of its own: dask's sampling profiler and fast ticks would
# only take CPU from the kernels (together about 7% of a core per worker, idle, on a 2-core machine).
QUIET = {
    "distributed.scheduler.allowed-failures": ALLOWED_WORKER_DEATHS,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}
NO_DASK = ("the batch grader runs on dask.distributed, which is not installed: "
           "pip install 'rnnlab[instructor]' (make test and make instructor install it)")


@contextlib.contextmanager
def connect(workers: int, scheduler: str | None, log=print):
    """A dask Client: on an existing cluster's ``scheduler`` address, else on a LocalCluster of ``workers``
    single-threaded worker processes that lives as long as the block."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise SystemExit(NO_DASK) from None
    with dask.config.set(QUIET):
        if scheduler:
            try:
                client = Client(scheduler, timeout=30)
            except OSError as err:
                raise SystemExit(f"cannot reach the dask scheduler at {scheduler}: {err}") from None
            with client:
                if not client.scheduler_info(n_workers=-1)["workers"]:
                    log(f"the scheduler at {scheduler} has no workers yet: grading starts when one joins")
                _say_dashboard(client, log)
                yield client
            return
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          scheduler_port=0, host="127.0.0.1", silence_logs=logging.CRITICAL) as cluster, \
                Client(cluster) as client:
            _say_dashboard(client, log)
            yield client


def _say_dashboard(client, log) -> None:
    if client.scheduler_info().get("services", {}).get("dashboard"):
        log(f"dask dashboard: {client.dashboard_link}")


@functools.cache
def identity() -> str:
    """A hash of this rnnlab installation's code: a worker grades only if it equals the instructor's."""
    digest = hashlib.sha256(rnnlab.__version__.encode())
    root = Path(rnnlab.__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _sandbox_problem() -> str | None:
    return sandbox.probe()


def notebooks(source: bytes, release: bytes) -> dict:
    """The assignment's notebooks, as one task's result that every grading task of the batch reads."""
    return {"source": source, "release": release}


def grade_submission(job: dict, notebooks: dict) -> dict:
    """Grade one submission on this worker (a dask task).

    ``job``: student, notebook (file name), files (relative path -> bytes), problem (why the submission cannot be
    graded, or None), cell_timeout, notebook_timeout, allow_unsandboxed, identity. ``notebooks``: {"source": bytes,
    "release": bytes}. Returns {"notebook": JSON text, "result": dict, "worker": host} or {"error": why} (the
    grader's problem, never the student's), with "retries": the grader errors tried again.
    """
    host = socket.gethostname()
    if job["identity"] != identity():
        return {"error": f"the worker on {host} runs a different rnnlab than the instructor "
                         f"({Path(rnnlab.__file__).parent}): install the same version on every worker"}
    problem = _sandbox_problem()
    if problem and not job["allow_unsandboxed"]:
        return {"error": f"the worker on {host} has no sandbox ({problem}): it does not grade without one "
                         "unless the instructor allows it (--allow-no-sandbox)"}
    retries = []
    with sandbox.reserved_slots(1) as (slot,):
        for attempt in range(1, GRADER_ATTEMPTS + 1):
            outcome = _run_runner(job, notebooks, slot, sandboxed=problem is None)
            if "error" not in outcome or attempt == GRADER_ATTEMPTS:
                break
            retries.append(outcome["error"])
            time.sleep(RETRY_SECONDS * attempt)  # a busy machine gets a moment to calm down
    return outcome | {"retries": retries, "worker": host}


def _run_runner(job: dict, notebooks: dict, slot: int, sandboxed: bool) -> dict:
    """One run of runner.py in its own process, in a scratch folder that is removed afterwards."""
    out = Path(tempfile.mkdtemp(prefix="rnnlab-job-"))
    try:
        (out / "source.ipynb").write_bytes(notebooks["source"])
        (out / "release.ipynb").write_bytes(notebooks["release"])
        submission = intake.Submission(dict(job["files"]), job["problem"])
        if submission.problem is None:
            submission.write(out / "submission")
        spec = {
            "out": str(out),
            "source": str(out / "source.ipynb"),
            "release": str(out / "release.ipynb"),
            "submission": str(out / "submission"),
            "problem": submission.problem,
            "notebook": job["notebook"],
            "sandboxed": sandboxed,
            "slot": slot,
            "cell_timeout": job["cell_timeout"],
            "notebook_timeout": job["notebook_timeout"],
        }
        (out / "job.json").write_text(json.dumps(spec))
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "rnnlab.grading.runner", str(out / "job.json")],
                capture_output=True, text=True, timeout=job["notebook_timeout"] + 300,
                preexec_fn=sandbox.die_with_parent,
            )
        except subprocess.TimeoutExpired:
            return {"error": "the grading process did not finish in time"}
        if proc.returncode != 0:
            return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
        result = json.loads((out / "result.json").read_text())
        return {"notebook": (out / "notebook.ipynb").read_text(), "result": result}
    finally:
        shutil.rmtree(out, ignore_errors=True)

