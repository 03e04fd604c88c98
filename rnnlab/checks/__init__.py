"""Student-facing checks called by the notebooks' visible test cells, one module per notebook.

Import the module you need explicitly: ``from rnnlab.checks import memoryless_models``.
"""
