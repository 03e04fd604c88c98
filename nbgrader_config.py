"""nbgrader configuration for the rnnlab course (nbgrader 0.9).

The repository root is the course directory: solutions/ holds the instructor's source notebooks and
notebooks/ the generated student release, one assignment (and one notebook) per NN_topic folder.
"""

c = get_config()  # noqa: F821  (injected by traitlets)

c.CourseDirectory.course_id = "rnnlab"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Per-cell limit while validating, autograding and executing (nbgrader 0.9 ignores ExecutePreprocessor.timeout).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Student releases carry no outputs; solution cells become the stub below.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
