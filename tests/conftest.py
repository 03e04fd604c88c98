"""Shared pytest configuration: plots off-screen and closed after each test; each nbval notebook on one worker."""

import os

import matplotlib
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # for the kernels and subprocesses the tests start
matplotlib.use("Agg")  # headless in this process, whatever MPLBACKEND says


@pytest.fixture(autouse=True)
def close_figures():
    """Close every figure a test opened, so figures do not pile up across tests."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def pytest_xdist_make_scheduler(config, log):
    """Spread tests one by one over the workers, except that all cells of a notebook go to one worker.

    nbval yields one test per cell and the cells of a notebook share a kernel, so they must run together,
    in order. (xdist_group marks do not reach nbval's items, hence a scheduler.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/test_browser.py::"):
                return "tests/test_browser.py"
            notebook, found, _ = nodeid.partition(".ipynb::")
            return notebook if found else nodeid

    return NotebookScheduling(config, log)
