"""Hostile and broken submissions for the hardened grader's battery (tests/test_grading_battery.py)."""
