"""Instructor tooling around nbgrader."""

import sys

# nbformat validates notebooks with jsonschema, which imports rfc3987_syntax when it is installed (jupyter-events
# installs it) only to check IRI formats no notebook schema uses; importing it compiles a grammar for about a
# second. The grader starts a process per submission, each reading notebooks: its processes skip that import.
sys.modules.setdefault("rfc3987_syntax", None)
