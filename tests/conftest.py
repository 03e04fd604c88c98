"""Shared pytest configuration: keep each nbval notebook on one xdist worker, plots off-screen."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_xdist_make_scheduler(config, log):
    """Spread tests one by one over the workers, except that all cells of a notebook go to one worker.

    nbval yields one test per cell and the cells of a notebook share a kernel, so they must run together,
    in order. (xdist_group marks do not reach nbval's items, hence a scheduler.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            notebook, found, _ = nodeid.partition(".ipynb::")
            return notebook if found else nodeid

    return NotebookScheduling(config, log)
