"""Student-facing checks called by the notebooks' visible test cells, one module per notebook.

Import the module you need explicitly: ``from rnnlab.checks import memoryless_models``. The building blocks
(``call_student``, ``fail``, ``passed``) are here for checks written in a notebook, as in 00_welcome;
``needs_answers`` guards demo cells that run a student's function; ``references`` captures what hidden tests
compare with.
"""

from rnnlab.checks._common import CheckFailed, call_student, fail, needs_answers, passed, references

__all__ = ["CheckFailed", "call_student", "fail", "needs_answers", "passed", "references"]
