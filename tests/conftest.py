"""Shared pytest configuration: keep each nbval notebook on one xdist worker, plots off-screen."""

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    # nbval yields one item per cell; cells of one notebook share a kernel, so they must run together.
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
