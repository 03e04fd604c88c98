"""Start JupyterLab for the course: the student's lab on a private workspace, or the instructor's lab.

    python -m rnnlab.lab [--course DIR] [--workspace DIR] [JUPYTER_ARGS...]   the student's lab (``make lab``)
    python -m rnnlab.lab --instructor [--course DIR] [JUPYTER_ARGS...]        the instructor's lab (``make instructor``)

The student's lab opens ``workspace/``, a git-ignored copy of the release ``notebooks/``: notebooks missing from
the workspace are copied in, a student's own file is never overwritten, and a notebook whose release changed
since it was copied is reported with what to do. It shows nbgrader's Validate button only: no formgrader,
no Create Assignment toolbar, no assignment or course list, and no news pop-up. The instructor's lab opens the
course directory with every nbgrader tool.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

NBGRADER_LAB_PLUGINS = ("assignment-list", "course-list", "create-assignment", "formgrader", "menu")
NBGRADER_SERVER_EXTENSIONS = ("formgrader", "assignment_list", "course_list")
NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"
SEEDED = ".rnnlab-release.json"  # in the workspace: the hash of each notebook's release when it was copied
CONFIG_DIR = ".jupyter-config"  # in the lab's root folder, rewritten at every start (hidden in JupyterLab)


def student_config() -> dict[str, dict]:
    """Jupyter config files (relative path -> JSON) that hide the instructor's tools and the news pop-up."""
    disabled = {f"@jupyter/nbgrader:{plugin}": True for plugin in NBGRADER_LAB_PLUGINS}
    disabled[NEWS_PLUGIN] = True
    server = {f"nbgrader.server_extensions.{ext}": False for ext in NBGRADER_SERVER_EXTENSIONS}
    return {
        "labconfig/page_config.json": {"disabledExtensions": disabled},
        "jupyter_server_config.json": {"ServerApp": {"jpserver_extensions": server}},
    }


def instructor_config() -> dict[str, dict]:
    """Jupyter config files for the instructor: everything, but no news pop-up (the course runs offline)."""
    return {"labconfig/page_config.json": {"disabledExtensions": {NEWS_PLUGIN: True}}}


def write_config(files: dict[str, dict], folder: Path) -> Path:
    """Write ``files`` (relative path -> JSON) into a fresh ``folder``; return it."""
    shutil.rmtree(folder, ignore_errors=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=1))
    return folder


def seed_workspace(release: Path, workspace: Path, log=print) -> list[Path]:
    """Copy every file of ``release`` that ``workspace`` lacks; never overwrite. Returns the files copied.

    Notebooks whose release changed after they were copied are left as they are, and ``log`` says so.
    """
    workspace.mkdir(parents=True, exist_ok=True)
    record_path = workspace / SEEDED
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    copied = []
    for source in sorted(p for p in release.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        name = source.relative_to(release).as_posix()
        target = workspace / name
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            record[name] = digest
            copied.append(target)
        elif record.get(name, digest) != digest:
            log(
                f"note: {release.name}/{name} was updated in the course; your {workspace.name}/{name} is kept as it "
                f"is. To start it again from the new version, rename your copy (e.g. add '-old') and run make lab."
            )
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True))
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--instructor", action="store_true", help="the instructor's lab on the course directory")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="the course directory (default: here)")
    parser.add_argument("--workspace", type=Path, help="the student's folder (default: COURSE/workspace)")
    args, jupyter_args = parser.parse_known_args(argv)
    course = args.course.resolve()
    if args.instructor:
        root, files = course, instructor_config()
    else:
        root, files = (args.workspace or course / "workspace").resolve(), student_config()
        copied = seed_workspace(course / "notebooks", root)
        if copied:
            print(f"Copied {len(copied)} new notebook(s) into {root.name}/: your work lives there (git ignores it).")
    config = write_config(files, root / CONFIG_DIR)
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [str(config), env.get("JUPYTER_CONFIG_PATH")]))
    print(
        f"Starting JupyterLab on {root}. It opens in your browser; if not, open the address "
        "http://127.0.0.1:PORT/lab?token=... printed below. Stop it with Ctrl+C (twice)."
    )
    sys.stdout.flush()
    jupyter = Path(sys.executable).with_name("jupyter")
    argv = [str(jupyter), "lab", f"--ServerApp.root_dir={root}", *jupyter_args]
    os.execve(argv[0], argv, env)  # JupyterLab replaces this process, so Ctrl+C and signals reach it directly


if __name__ == "__main__":
    sys.exit(main())
