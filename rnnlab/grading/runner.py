"""Grade one submission (a worker process of the batch grader).

    python -m rnnlab.grading.runner JOB.json

Two sandboxed kernels per submission. The *student kernel* runs the assembled notebook (see assemble.py) cell by
cell, except the test cells. Each test cell runs, at its place in the notebook, in the *judge kernel*: it has run
only the instructor's setup cells, and the student's functions are proxies into the student kernel (wire.py), so
the comparisons use the instructor's numpy, builtins and rnnlab.checks whatever the student replaced in their
own kernel. A test scores its points when it runs without an exception in the judge. The student kernel
imports a copy of rnnlab without the library's answers to this notebook; the judge computes them and counts
the calls (withhold.py), which is how a test sees a student's function that delegates to the library.

Per-cell timeouts interrupt the cell (a kernel that ignores the interrupt is killed); a notebook timeout stops
the run. When the student kernel dies, the tests already judged keep their scores and the later ones score 0
with the reason. Captured outputs are capped. The worker writes ``result.json`` (score, reason and mistake key
per test, see MISTAKES; ``python -m rnnlab.grading insights`` counts the keys over the class) and
``notebook.ipynb`` (the feedback notebook: release sources, so no hidden test, and the judge's messages as the
test cells' outputs) into the job's output folder; only the parent process touches the gradebook.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from rnnlab.checks._common import MISTAKE_KEY
from rnnlab.grading import assemble, intake, sandbox, wire, withhold

CELL_OUTPUT_CAP = 1024 * 1024
NOTEBOOK_OUTPUT_CAP = 8 * 1024 * 1024
TRUNCATED = "\n[output truncated by the grader]\n"
# rnnlab.checks' failures are AssertionErrors with a short rendering in the notebook; reasons name them as such.
CHECK_FAILURES = ("CheckFailed", "StudentCallError")
HIDDEN_MARKER = "### BEGIN HIDDEN TESTS"
AFTER_HIDDEN = "[output not kept: this cell ran after hidden tests had called your functions]\n"
HIDDEN_FAILED = ("your function passes the visible checks but fails the hidden tests (other inputs and sizes): "
                 "make sure it computes the right thing for any input, not just the examples")
# The mistake keys of lost points that no check names (a check's own keys come from rnnlab.checks, and a student's
# own exception is "raised:TypeName"), with what they mean for the instructor's report.
MISTAKES = {
    "hidden_tests": "passes the visible checks, fails the hidden tests",
    "failed_assert": "a plain assert of the test cell failed",
    "not_defined": "the answer is not defined (its cell failed or was stopped)",
    "timeout": "the function did not return in time (an infinite loop?)",
    "kernel_died": "the student's kernel died while the test called their function",
    "not_run_kernel_died": "not run: the student's kernel died in an earlier cell",
    "not_run_timeout": "not run: the kernel ignored the interrupt at a cell's time limit",
    "notebook_timeout": "not run: the notebook took longer than its time limit",
    "not_graded": "the submission could not be run (missing or unreadable notebook, unsafe files)",
    "killed_worker": "the submission killed every grading worker that ran it (memory?)",
}


@dataclass
class CellRun:
    status: str = "ok"  # ok, error, timeout, died
    outputs: list = field(default_factory=list)
    ename: str = ""
    evalue: str = ""


class Kernel:
    """An ipykernel in the sandbox, driven over Unix sockets."""

    def __init__(self, name, runtime: Path, workdir: Path, rw, ro, uid_gid, sandboxed, limits, umask=0o077,
                 library: Path | None = None, env: dict | None = None):
        """``library``: a copy of the rnnlab package to import instead of the real one (withhold.write_copy)."""
        self.name = name
        self.connection_file = runtime / f"{name}.json"
        write_connection_file(str(self.connection_file), transport="ipc", ip=str(runtime / name))
        if uid_gid is not None:  # the kernel may create its sockets here but not replace the connection file
            os.chown(runtime, 0, uid_gid[1])
            runtime.chmod(0o1770)
            os.chown(self.connection_file, 0, uid_gid[1])
            self.connection_file.chmod(0o640)
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(self.connection_file)]
        cmd = sandbox.command(argv, workdir, [runtime, *rw], ro, uid_gid, sandboxed, library)
        home = runtime / "home"
        home.mkdir(exist_ok=True)
        sandbox.chown_tree(home, *(uid_gid or (None, None)))
        self.log = runtime.parent / f"{name}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=workdir, env=sandbox.kernel_env(home, sandboxed, library) | (env or {}),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=sandbox.preexec(limits), umask=umask,
                start_new_session=True,
            )
        self.client = BlockingKernelClient(context=wire.bounded_context())
        self.client.load_connection_file(str(self.connection_file))
        self.client.start_channels(hb=False)  # liveness is the process's, not a heartbeat's (see wire.wait_ready)
        try:
            wire.wait_ready(self.client, alive=self.alive, timeout=180)
        except RuntimeError as err:
            tail = self.log.read_bytes()[-1500:].decode(errors="replace")
            raise RuntimeError(f"the {name} kernel did not start: {err}\n{tail}") from None
        self.output_budget = NOTEBOOK_OUTPUT_CAP

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, code: str, timeout: float) -> CellRun:
        """Execute ``code``; collect capped outputs; interrupt (then kill) after ``timeout`` seconds."""
        result = CellRun()
        if not self.alive():
            return CellRun("died")
        msg_id = self.client.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        deadline = time.monotonic() + timeout
        cell_budget = CELL_OUTPUT_CAP
        interrupted = False
        while True:
            if not self.alive():
                result.status = "died"
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if interrupted:
                    self.kill()
                    result.status = "died" if result.status != "timeout" else "timeout"
                    return result
                self._interrupt()
                interrupted = True
                result.status = "timeout"
                deadline = time.monotonic() + 5
                continue
            try:
                msg = self.client.get_iopub_msg(timeout=min(remaining, 0.25))
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                return result
            if kind == "error" and result.status == "ok":
                result.status = "error"
                result.ename, result.evalue = str(content.get("ename", "")), str(content.get("evalue", ""))
            if kind in ("stream", "error", "display_data", "execute_result"):
                cell_budget = self._keep(result.outputs, msg, cell_budget)

    def _keep(self, outputs: list, msg: dict, cell_budget: int) -> int:
        size = len(json.dumps(msg["content"]))
        budget = min(cell_budget, self.output_budget)
        if size > budget:
            if budget > 0 or not (outputs and outputs[-1].get("text") == TRUNCATED):
                outputs.append(nbformat.v4.new_output("stream", name="stdout", text=TRUNCATED))
            self.output_budget -= budget
            return 0
        self.output_budget -= size
        content = dict(msg["content"])
        content.pop("transient", None)
        if msg["msg_type"] == "stream" and outputs and outputs[-1].get("name") == content.get("name") \
                and outputs[-1].get("text") != TRUNCATED:
            outputs[-1]["text"] += content.get("text", "")
        else:
            outputs.append(nbformat.v4.output_from_msg(msg))
        return cell_budget - size

    def _interrupt(self) -> None:
        self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
            self.proc.wait(10)

    def close(self) -> None:
        self.client.stop_channels()
        self.kill()


def grade(job: dict) -> dict:
    """Grade the submission described by ``job``; return the result and write the feedback notebook."""
    out = Path(job["out"])
    source = nbformat.read(job["source"], as_version=4)
    release = nbformat.read(job["release"], as_version=4)
    tests = assemble.test_sources(source)
    problem = job.get("problem")  # found when the batch took the submission in
    submission = intake.Submission(problem=problem) if problem else intake.take_in(Path(job["submission"]))
    student_nb, problem = _read_student(submission, job["notebook"])
    if student_nb is None:
        notebook, result = not_run(release, problem)
    else:
        built = assemble.assemble(release, student_nb)
        verdicts, outputs, details = _run(job, submission, built.nb, source, tests, points_of(release))
        notebook, result = _feedback(built.nb, release, verdicts, outputs, details, built.notes)
    nbformat.write(notebook, out / "notebook.ipynb")
    (out / "result.json").write_text(json.dumps(result, indent=1))
    return result


def not_run(release, reason: str, mistake: str = "not_graded"):
    """(feedback notebook, result) of a submission that could not be run: every test scores 0 with ``reason``."""
    verdicts = {gid: (0.0, reason, mistake) for gid in points_of(release)}
    notebook, result = _feedback(_blank(release), release, verdicts, {}, {}, [reason])
    return notebook, result | {"ran": False}


def points_of(release) -> dict[str, float]:
    """grade id -> points of every test cell of the release notebook, in notebook order."""
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
            for c in release.cells if assemble.is_test(c)}


def _feedback(nb, release, verdicts, outputs, details, notes):
    """The test cells of ``nb`` get their outputs and the reason of every lost point; returns (nb, result).

    verdicts: grade id -> (score, reason, mistake key); result["tests"][gid] has score, max, reason, mistake."""
    points = points_of(release)
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in verdicts:
            score, reason, _ = verdicts[gid]
            cell.outputs = outputs.get(gid, [])
            if score < points[gid]:
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename="Failed", evalue=reason, traceback=[f"Failed: {reason}"]))
    tests = {gid: {"score": score, "max": points[gid], "reason": reason, "mistake": mistake}
             | ({"detail": details[gid]} if details.get(gid) else {})
             for gid, (score, reason, mistake) in verdicts.items()}
    return nb, {"tests": tests, "notes": notes}


def _read_student(submission: intake.Submission, notebook: str):
    """(notebook, None) or (None, the reason it cannot be graded)."""
    if submission.problem:
        return None, submission.problem
    if notebook not in submission.files:
        found = sorted({name.split("/")[0] for name in submission.files})
        listing = ", ".join(map(intake.shown, found)) if found else "the folder is empty"
        return None, f"no notebook named {notebook} in the submission ({listing})"
    try:
        nb = nbformat.reads(submission.files[notebook].decode("utf-8"), as_version=4)
    except Exception as err:  # nbformat raises many types (JSON, validation, encoding) for a broken file
        return None, f"{notebook} could not be read ({type(err).__name__}: {str(err)[:200]})"
    return nb, None


def _blank(release):
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _run(job, submission, nb, source, tests, points):
    limits = sandbox.Limits(cpu_seconds=int(job["notebook_timeout"]) + 30)
    sandboxed = job["sandboxed"]
    slot = job["slot"]
    student_id = (sandbox.uid_for(slot, 0), sandbox.gid_for(slot))
    judge_id = (sandbox.uid_for(slot, 1), sandbox.gid_for(slot))
    student_id = None if student_id[0] is None else student_id
    judge_id = None if judge_id[0] is None else judge_id
    cell_timeout = float(job["cell_timeout"])
    scratch = Path(tempfile.mkdtemp(prefix="rnnlab-grade-"))
    scratch.chmod(0o755)
    verdicts: dict[str, tuple[float, str, str]] = {}
    outputs: dict[str, list] = {}
    details: dict[str, str] = {}
    student = judge = None
    try:
        work = scratch / "work"
        submission.write(work)  # the files take_in checked, never the folder itself
        srt, jrt = scratch / "student", scratch / "judge"
        srt.mkdir()
        jrt.mkdir()
        sandbox.chown_tree(work, *(student_id or (None, None)))
        student_limits = sandbox.Limits(cpu_seconds=limits.cpu_seconds,
                                        processes=sandbox.process_limit(student_id))
        withheld = withhold.answers(Path(job["notebook"]).stem)
        library = withhold.write_copy(scratch / "library" / "rnnlab", withheld)
        socket_path = srt / "library.sock"
        student = Kernel("student", srt, work, [work], [], student_id, sandboxed, student_limits, umask=0o007,
                         library=library, env={withhold.SOCKET_ENV: str(socket_path)})
        judge = Kernel("judge", jrt, jrt, [srt], [], judge_id, sandboxed,
                       sandbox.Limits(cpu_seconds=limits.cpu_seconds, processes=sandbox.process_limit(judge_id)))
        boot = judge.run(
            "import rnnlab.grading.wire as __rnnlab_wire\n"
            f"__rnnlab_wire.judge_init({str(student.connection_file)!r}, {cell_timeout!r}, {str(socket_path)!r}, "
            f"{[withhold.name_of(fn) for fn in withheld]!r})\n"
            + "\n".join(assemble.setup_sources(source)), 120)
        if boot.status != "ok":
            raise RuntimeError(f"the judge kernel could not start: {boot.ename}: {boot.evalue}")
        names = assemble.defined_names(source)
        verdicts, outputs, details = _run_cells(nb, student, judge, tests, points, names, cell_timeout,
                                       time.monotonic() + float(job["notebook_timeout"]))
    finally:
        for kernel in (student, judge):
            if kernel is not None:
                kernel.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return verdicts, outputs, details


def _run_cells(nb, student, judge, tests, points, names, cell_timeout, deadline):
    verdicts: dict[str, tuple[float, str, str]] = {}
    outputs: dict[str, list] = {}
    details: dict[str, str] = {}
    hidden_ran = False
    stopped, stopped_key = "", ""  # why the remaining tests are not run, and its mistake key
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        label = f"cell `{gid}`" if gid else "one of your own cells"
        if not stopped and time.monotonic() > deadline:
            stopped, stopped_key = "not run: the notebook took longer than its time limit", "notebook_timeout"
        if stopped:
            if gid in tests:
                verdicts[gid] = (0.0, stopped, stopped_key)
            continue
        if gid in tests:
            verdicts[gid], outputs[gid], details[gid] = _judge(judge, student, gid, tests[gid], points[gid], names,
                                                               cell_timeout)
            hidden_ran = True
            if not student.alive():
                stopped, stopped_key = f"not run: your kernel died during test `{gid}`", "not_run_kernel_died"
            continue
        if assemble.defines_helpers(cell):  # the test cells after it call these helpers in the judge
            helpers = judge.run(cell.source, cell_timeout + 30)
            if helpers.status != "ok":
                raise RuntimeError(f"the judge could not define the helpers of {label}: {helpers.ename}")
        run = student.run(cell.source, min(cell_timeout, max(deadline - time.monotonic(), 1)))
        # Output made after a hidden test called the student's code could show the hidden arguments: not kept.
        cell.outputs = run.outputs
        if hidden_ran and run.outputs:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=AFTER_HIDDEN)]
        if run.status == "timeout":
            cell.outputs.append(nbformat.v4.new_output(
                "stream", name="stdout", text=f"\n[interrupted by the grader after {cell_timeout:g} s]\n"))
        if run.status == "died" or not student.alive():
            if run.status == "timeout":
                stopped = f"not run: your kernel ignored the interrupt at the time limit in {label} and was stopped"
                stopped_key = "not_run_timeout"
            else:
                stopped = f"not run: your kernel died in {label} (os._exit, a kill or a crash)"
                stopped_key = "not_run_kernel_died"
    return verdicts, outputs, details


def _judge(judge, student, gid, code, points, names, cell_timeout):
    """Run test ``gid`` in the judge kernel, its visible part first, then its hidden part.

    Returns ((score, reason, mistake key), the outputs to show the student, detail). A failure in the hidden part
    gets a reason that gives nothing of the hidden tests away; ``detail`` keeps the real message for the instructor
    ('' if none).
    """
    visible, _, hidden = code.partition(HIDDEN_MARKER)
    bind = f"__rnnlab_wire.bind(globals(), {names!r})\n"
    run = judge.run(bind + visible, cell_timeout + 30)
    shown = [o for o in run.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout"]
    in_hidden = False
    if run.status == "ok" and hidden.strip():
        run, in_hidden = judge.run(bind + hidden, cell_timeout + 30), True
    if run.status == "ok":
        return (points, "", ""), shown, ""
    if run.ename == "GraderSetupError":
        raise RuntimeError(f"test `{gid}`: {run.evalue}")
    if not student.alive() or run.ename == "StudentKernelDied":
        reason = "your kernel died while the test called your function (os._exit, a kill or a crash)"
        return (0.0, reason, "kernel_died"), shown, ""
    if run.status in ("timeout", "died"):
        if not judge.alive() or run.status == "died":
            raise RuntimeError(f"the judge kernel failed during test `{gid}`")
        reason, mistake = "timed out (an infinite loop?)", "timeout"
    elif run.ename == "StudentTimeout":
        reason, mistake = f"your function did not return within {cell_timeout:g} s (an infinite loop?)", "timeout"
        _recover(student)
    else:
        first = run.evalue.strip().splitlines()[0] if run.evalue.strip() else ""
        ename = "AssertionError" if run.ename in CHECK_FAILURES else run.ename
        reason = f"{ename}: {first}" if first else ename
        mistake = _mistake(judge, run.ename, in_hidden)
    if in_hidden:
        return (0.0, HIDDEN_FAILED, mistake), shown, f"hidden tests: {reason}"[:500]
    return (0.0, reason[:500], mistake), shown, ""


def _mistake(judge, ename: str, in_hidden: bool) -> str:
    """The mistake key of a failed test: the failed check's own key, else a generic one (see MISTAKES)."""
    if ename in CHECK_FAILURES:
        key = "".join(o.get("text", "") for o in judge.run("__rnnlab_wire.last_mistake()", 10).outputs).strip()
        if MISTAKE_KEY.fullmatch(key):
            return key
    if in_hidden:
        return "hidden_tests"
    if ename in ("AssertionError", *CHECK_FAILURES):
        return "failed_assert"
    if ename == "NameError":  # the test cell names an answer the student's kernel does not have
        return "not_defined"
    key = f"raised:{ename}"
    return key if MISTAKE_KEY.fullmatch(key) else "raised:other"


def _recover(student) -> None:
    """Interrupt a student kernel stuck in a call from the judge; kill it if it does not come back."""
    student._interrupt()
    probe = student.run("pass", 10)
    if probe.status != "ok":
        student.kill()


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    grade(job)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
