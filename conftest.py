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


def pytest_sessionfinish(session, exitstatus):
    if session.testscollected == 0:
        session.exitstatus = 1
