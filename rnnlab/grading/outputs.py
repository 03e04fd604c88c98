"""Re-execute solution notebooks in place so their stored outputs (compared by nbval) are current.

    python -m rnnlab.grading.outputs solutions/*/*.ipynb

Widget state is dropped from the notebook metadata: it is large, random (model ids) and would otherwise be
copied into the student release by nbgrader.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT = 120


def refresh_outputs(path: Path) -> float:
    """Execute the notebook at ``path`` in its own folder, store the outputs, return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=CELL_TIMEOUT, record_timing=False, resources=resources).execute()
    elapsed = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    return elapsed


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: python -m rnnlab.grading.outputs NOTEBOOK.ipynb [...]", file=sys.stderr)
        return 2
    for path in map(Path, paths):
        print(f"{path}: executed in {refresh_outputs(path):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
