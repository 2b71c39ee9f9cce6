"""The data layer: schema, reading, parsing, validation, reference data, derivation and the `Dataset`.

Nothing here imports the analytics, reporting, batch or command-line layers.
"""
