"""The `skbuff` command's entry point: the console script and `python -m skbuff ARGS`.

On PyPy, `skbuff run` re-executes itself once with PYPY_GC_NURSERY set
(compat.pypy_bulk_gc). That happens here, before skbuff.cli imports the whole stack, so the
stack is imported once (half a second of PyPy start-up) rather than twice.
"""

import sys

from skbuff.compat import pypy_bulk_gc


def main() -> int:
    """Run the command line in sys.argv; returns the exit status."""
    if sys.argv[1:2] == ["run"]:
        pypy_bulk_gc(sys.argv)  # PyPy's counterpart of cli.GC_THRESHOLDS
    from skbuff import cli  # after the re-exec: see the module doc

    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
