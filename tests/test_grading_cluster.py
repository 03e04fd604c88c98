"""The batch grader on a dask cluster reached through its scheduler, as an instructor with several machines runs it.

`dask scheduler` and `dask worker` processes on 127.0.0.1 stand in for the machines (each started in its own
process group, stopped by PID whatever happens). A lost worker costs nothing already recorded and its submission is
graded elsewhere; a worker without the sandbox refuses to grade; a submission whose grading keeps killing its workers
is scored with the reason instead of being retried forever. tests/test_grading_samples.py grades every assignment's
samples on the default LocalCluster with the same expected scores.
"""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
from course_tools import BIN, copy_course, gradebook_scores, graded_points, submit_samples, tool_env

from rnnlab.grading import sandbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sandbox.probe() is not None, reason="needs bubblewrap: workers refuse to grade without it"),
]
A = "10_attention_teaser"  # the quickest notebook to grade
STUDENTS = ["correct", "masked_after_softmax", "unscaled_scores"]


class Cluster:
    """A dask scheduler and workers on 127.0.0.1; every process is killed (with its children) on exit."""

    def __init__(self, folder, env=None):
        self.folder, self.env, self.procs = folder, env or {}, {}
        self.file = folder / "scheduler.json"

    def start(self, name: str, *args: str, env=None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (kept open for the process)
        self.procs[name] = subprocess.Popen(
            [str(BIN / "dask"), *args], env=tool_env() | self.env | (env or {}), stdout=log, stderr=log,
            start_new_session=True, cwd=self.folder)
        return self.procs[name]

    def __enter__(self):
        self.start("scheduler", "scheduler", "--scheduler-file", str(self.file), "--host", "127.0.0.1", "--port", "0",
                   "--no-dashboard")
        deadline = time.monotonic() + 60
        while not self.file.exists():
            assert time.monotonic() < deadline, (self.folder / "scheduler.log").read_text()
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]
        return self

    def worker(self, name: str, env=None) -> None:
        self.start(name, "worker", "--scheduler-file", str(self.file), "--nthreads", "1", "--nworkers", "1",
                   "--no-dashboard", "--name", name, env=env)

    def wait_for_workers(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(n, timeout=120)

    def grading(self, name: str) -> list[psutil.Process]:
        """The grading processes (runner.py) a worker has started."""
        return [p for p in psutil.Process(self.procs[name].pid).children(recursive=True) if _is_runner(p)]

    def holding(self, prefix: str) -> str:
        """The name of a worker that holds the result of a task whose key starts with ``prefix``."""
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            names = {address: w["name"] for address, w in client.scheduler_info(n_workers=-1)["workers"].items()}
            held = client.who_has()
        holders = [names[a] for key, where in held.items() if str(key).startswith(prefix) for a in where]
        assert holders, f"no worker holds {prefix}*"
        return holders[0]

    def busy_worker(self, among=None, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while True:
            busy = [name for name in among or self.procs if name != "scheduler" and self.grading(name)]
            if busy:
                return busy[0]
            assert time.monotonic() < deadline, "no worker started grading"
            time.sleep(0.1)

    def kill(self, name: str) -> list[psutil.Process]:
        """Kill a process group as a lost machine would be; returns the processes it had started."""
        proc = self.procs.pop(name)
        children = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        return children

    def __exit__(self, *exc):
        for name in list(self.procs):
            try:
                self.kill(name)
            except (ProcessLookupError, psutil.NoSuchProcess):
                pass


def _is_runner(process: psutil.Process) -> bool:
    try:
        return "rnnlab.grading.runner" in " ".join(process.cmdline())
    except psutil.Error:  # it ended (or is a zombie waiting for its parent) while we looked: not grading now
        return False


def grader(course, *args):
    return subprocess.Popen([sys.executable, "-m", "rnnlab.grading", "autograde", A, *args], cwd=course,
                            env=tool_env() | {"PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def samples(tmp_path, students):
    course = copy_course(tmp_path / "course", [A])
    release, expected = submit_samples(course, A)
    for student in set(expected) - set(students):
        for path in sorted((course / "submitted" / student).rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        (course / "submitted" / student).rmdir()
    return course, release, {s: expected[s] for s in students}


def test_two_workers_grade_through_the_scheduler_and_a_lost_worker_costs_nothing(tmp_path):
    course, release, expected = samples(tmp_path, STUDENTS)
    with Cluster(tmp_path) as cluster:
        cluster.worker("w1")
        cluster.worker("w2")
        cluster.wait_for_workers(2)
        batch = grader(course, "--scheduler", cluster.address)
        log = []
        for line in batch.stdout:  # the first grade is recorded
            log.append(line)
            if ": graded (" in line:
                break
        first = line.split(":")[0]
        recorded = {path: path.read_bytes() for path in [course / ".rnnlab-grading" / A / f"{first}.json",
                                                         course / "autograded" / first / A / f"{A}.ipynb"]}
        # the machine that holds the batch's notebooks goes away while it grades the next submission
        left_behind = cluster.kill(cluster.busy_worker(among=[cluster.holding(f"notebooks-{A}")]))
        log += batch.stdout.readlines()
        assert batch.wait(300) == 0, "".join(log)
    output = "".join(log)
    assert "GRADER ERROR" not in output and "NOT GRADED" not in output, output
    assert {path: path.read_bytes() for path in recorded} == recorded, "a recorded grade was touched again"
    assert gradebook_scores(course, A, expected, graded_points(release)) == expected, output
    time.sleep(1)
    assert not [p for p in left_behind if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], \
        "the lost worker's runner or kernels are still running"


def test_a_worker_without_the_sandbox_refuses_and_workers_killed_by_a_submission_end_in_a_score(tmp_path):
    course, release, expected = samples(tmp_path, ["correct"])
    # Every death counts against the task here, so the first lost worker is taken for the submission's doing.
    with Cluster(tmp_path, env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}) as cluster:
        cluster.worker("unsandboxed", env={sandbox.BWRAP_ENV: str(tmp_path / "no-bwrap")})
        cluster.wait_for_workers(1)
        refused = grader(course, "--scheduler", cluster.address)
        output = refused.communicate(timeout=300)[0]
        assert refused.returncode == 1, output
        assert "correct: GRADER ERROR" in output and "has no sandbox" in output and "--allow-no-sandbox" in output
        assert not (course / "autograded" / "correct").exists()
        cluster.kill("unsandboxed")

        cluster.worker("w1")
        cluster.wait_for_workers(1)
        batch = grader(course, "--scheduler", cluster.address)
        cluster.kill(cluster.busy_worker())
        output = batch.communicate(timeout=300)[0]
    assert batch.returncode == 0, output
    state = json.loads((course / ".rnnlab-grading" / A / "correct.json").read_text())
    assert state["ran"] is False and state["notes"][0].startswith("not run to the end: the grading workers")
    assert {t["score"] for t in state["tests"].values()} == {0.0}
    assert gradebook_scores(course, A, ["correct"], graded_points(release)) == {
        "correct": {gid: 0.0 for gid in expected["correct"]}}
    assert "the grading workers that ran your notebook died" in output
