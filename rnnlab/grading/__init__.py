"""Instructor tooling around nbgrader."""
