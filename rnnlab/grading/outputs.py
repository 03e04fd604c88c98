"""Re-execute solution notebooks in place so their stored outputs (compared by nbval) are current.

    python -m rnnlab.grading.outputs solutions/*/*.ipynb

Widget state is dropped from the notebook metadata: it is large, random (model ids) and would otherwise be
copied into the student release by nbgrader. The kernelspec is set to ipykernel's (see KERNELSPEC).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT = 120
# ipykernel's own kernelspec: JupyterLab writes it into a notebook it opens, so a notebook carrying another display
# name would show as modified before the student typed anything.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def refresh_outputs(path: Path) -> float:
    """Execute the notebook at ``path`` in its own folder, store the outputs, return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    resources = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=CELL_TIMEOUT, record_timing=False, resources=resources).execute()
    elapsed = time.perf_counter() - start
    # Test cells are tagged raises-exception (so Run All goes on past an unanswered exercise), which nbclient
    # accepts silently: a solution notebook must not store an error.
    failed = [c.metadata.get("nbgrader", {}).get("grade_id", f"cell {i}") for i, c in enumerate(nb.cells)
              if any(out.get("output_type") == "error" for out in c.get("outputs", []))]
    if failed:
        raise RuntimeError(f"{path}: these cells raised, outputs not written: {', '.join(failed)}")
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = KERNELSPEC
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
