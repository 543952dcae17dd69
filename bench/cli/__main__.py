"""``python -m bench.cli``: the same as the ``reachbench`` command."""

from bench.cli import main

main()
