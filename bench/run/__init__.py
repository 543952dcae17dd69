"""The runner's parts: options and case selection, query execution, records, scoring, progress, display.

``bench.runner`` is the entry point; these modules keep it small.
"""
