"""Sample submissions for the autograde round trip, one module per assignment.

Each module defines ``ASSIGNMENT`` and ``SUBMISSIONS``: student id -> (answers, failing tests), where
``answers`` maps answer-cell grade_ids to the source that replaces the solution there, and ``failing tests``
lists the grade_ids of the test cells that must score 0 (every other test cell keeps full marks).
The round trip adds a fully correct and an unanswered submission for every assignment by itself.
"""
