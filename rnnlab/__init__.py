"""rnnlab: recurrent neural networks from scratch in numpy, with the course's checks and grading tools."""

__version__ = "0.1.0"
