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


SHARED_FIXTURE_MODULES = ("tests/test_browser.py", "tests/test_grading_battery.py")


def pytest_xdist_make_scheduler(config, log):
    """Spread tests one by one over the workers, except that all cells of a notebook go to one worker, and so do
    all tests of a module that share one expensive module fixture.

    nbval yields one test per cell and the cells of a notebook share a kernel, so they must run together,
    in order. (xdist_group marks do not reach nbval's items, hence a scheduler.) The browser's lab and the grading
    battery's batch are built once per module: split over two workers, the second would wait minutes for the first.
    """
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module in SHARED_FIXTURE_MODULES:
                return module
            notebook, found, _ = nodeid.partition(".ipynb::")
            return notebook if found else nodeid

    return NotebookScheduling(config, log)
