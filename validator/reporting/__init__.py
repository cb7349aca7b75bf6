"""Turning results into reports: the reporters (text, json, junit, sarif, github), the run's
summary and exit code, and baselines of known findings.
"""
