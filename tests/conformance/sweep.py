"""A larger conformance sweep: `python -m tests.conformance.sweep --seeds 500 [--area A]`.

Runs seeds 0..N-1 of each area on the real kernel (namespaces it creates and deletes) and on
skbuff, prints every difference not listed in known_differences.py, and exits 1 if any.
"""

from __future__ import annotations

import argparse
import sys

from tests.conformance.runner import AREA_NAMES, run_case


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.conformance.sweep")
    ap.add_argument("--seeds", type=int, default=500)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--area", choices=AREA_NAMES, action="append")
    args = ap.parse_args(argv)
    bad = 0
    for area in args.area or AREA_NAMES:
        runs = lines = 0
        for seed in range(args.first, args.first + args.seeds):
            res = run_case(area, seed)
            runs += 1
            lines += res.lines
            if res.unlisted:
                bad += 1
                print(res.render_unlisted(), flush=True)
        print(f"{area}: {runs} cases, {lines} lines", flush=True)
    print(f"{bad} case(s) with unlisted differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
