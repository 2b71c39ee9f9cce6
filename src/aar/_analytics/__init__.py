"""Analytics: metrics, the comparison, deployment, statistics, disclosure control and findings.

Pure functions of a `Dataset` or of frames; no I/O. Imports only the data layer.
"""
