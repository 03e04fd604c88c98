"""rnnlab: recurrent neural networks from scratch in numpy, with the course's checks and grading tools.

Importing rnnlab limits the BLAS library behind numpy to one thread (``RNNLAB_BLAS_THREADS`` sets another
number). The course's matrices are small: several BLAS threads spin-waiting on two cores make a notebook 3-6
times slower, and one thread also makes every run print the same digits.
"""

import os

import numpy  # noqa: F401  (loads the BLAS library, so that the limit below reaches it)
from threadpoolctl import threadpool_limits

__version__ = "0.1.0"

BLAS_THREADS = int(os.environ.get("RNNLAB_BLAS_THREADS", "1"))
threadpool_limits(limits=BLAS_THREADS, user_api="blas")
