"""Reporting: formatting, figures, report sections and the runner that turns a notebook into a page.

Imports the analytics and data layers, never the batch or command-line layers.
"""
