"""aar: after-action analytics of Indonesian election-security operations.

Load incident, deployment and phase data of Operasi Mantap Brata 2023-2024 (Pemilu 2024) and
Operasi Mantap Praja 2024 (Pilkada 2024), validate it, and compare the operations.

>>> import aar
>>> ds = aar.load("data/sample")  # doctest: +SKIP

Importing `aar` is cheap: each public name is imported from its module on first use. The names and
their modules are listed once, in `__init__.pyi`, which lazy_loader reads and type checkers use, so
`aar --version` or `aar validate` never pays for plotly, statsmodels or papermill.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
