"""`python -m aar`: the same command line as `aar`."""

from ._cli import main

main()
