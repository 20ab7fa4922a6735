"""Repository-wide pytest settings.

Notebooks run in quick mode under nbval, which cannot pass parameters: the cell after each notebook's
`parameters` cell reads INVOLUTION_TF_QUICK, and the kernels that nbval starts inherit it. A run that
collects no test is a failure, not exit code 5.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["INVOLUTION_TF_QUICK"] = "1"
# Before any test imports TensorFlow: its CPU peak-memory statistics (the benchmark's) need the BFC allocator.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")


def pytest_collection_modifyitems(items):
    """nbval's notebook cells are slow; those of a notebook that reads the committed records follow them."""
    reads_records = {
        "03_involution_tensorflow.ipynb",
        "04_involution_in_a_network.ipynb",
        "05_how_we_measured.ipynb",
    }
    for item in items:
        if item.nodeid.startswith("notebooks/"):
            item.add_marker("slow")
            if item.nodeid.split("::")[0].split("/")[-1] in reads_records:
                item.add_marker("committed_results")


def pytest_sessionfinish(session, exitstatus):
    if session.testscollected == 0:
        session.exitstatus = 1
