"""`make lab` smoke test: JupyterLab starts, answers /api/status and /lab, and lists the student notebooks."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
from course_tools import ASSIGNMENTS, ROOT, tool_env

TOKEN = "rnnlab-smoke-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, data: bytes | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=data, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode()


@pytest.mark.slow
def test_make_lab_serves_the_notebooks(tmp_path):
    port = free_port()
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={TOKEN}"
    env = tool_env() | {"JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    log = open(tmp_path / "lab.log", "w+")
    lab = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert lab.poll() is None, f"make lab exited early:\n{(tmp_path / 'lab.log').read_text()}"
            try:
                status, body = get(f"{base}/api/status")
                break
            except OSError:
                assert time.monotonic() < deadline, f"no answer on {base}:\n{(tmp_path / 'lab.log').read_text()}"
                time.sleep(0.5)
        assert status == 200 and "started" in json.loads(body)

        status, page = get(f"{base}/lab")
        assert status == 200 and "JupyterLab" in page

        status, listing = get(f"{base}/api/contents")
        assert sorted(item["name"] for item in json.loads(listing)["content"]) == ASSIGNMENTS

        status, folder = get(f"{base}/api/contents/{ASSIGNMENTS[0]}")
        notebook = f"{ASSIGNMENTS[0]}/{ASSIGNMENTS[0]}.ipynb"
        assert [item["path"] for item in json.loads(folder)["content"]] == [notebook]

        # The Validate button of the nbgrader toolbar: an unanswered release reports failing tests.
        status, answer = get(f"{base}/assignments/validate", data=urllib.parse.urlencode({"path": notebook}).encode())
        result = json.loads(answer)
        assert status == 200 and result["success"], result
        assert result["value"]["failed"], result
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
            lab.wait()
        log.close()
