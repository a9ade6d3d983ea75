"""Command line: ``derivations list | show | latex | verify | exponents | figure``.

Exit codes: 0 success (for ``verify``: every check passed), 1 a check failed,
2 bad usage (unknown derivation, bad option). JSON goes to stdout, messages to stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

from derivations import registry
from derivations.engine import figures
from derivations.engine.laws import confirm
from derivations.engine.output import write_atomically
from derivations.engine.parallel import available_cores, verify_entries


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message):
        print(f"derivations: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="derivations", description="Derive, export and verify results of the theory "
                "of neural scaling laws.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the catalogue")
    show = sub.add_parser("show", help="print a derivation step by step")
    show.add_argument("name")
    show.add_argument("--format", choices=("text", "markdown", "latex"), default="text")
    tex = sub.add_parser("latex", help="write a derivation as a standalone LaTeX document")
    tex.add_argument("name")
    tex.add_argument("-o", "--output", help="file to write (default: stdout)")
    ver = sub.add_parser("verify", help="check every step and run every numeric check")
    ver.add_argument("names", nargs="*")
    ver.add_argument("--all", action="store_true", help="verify the whole catalogue")
    ver.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ver.add_argument("--quick", action="store_true", help="smaller simulations (for a fast look)")
    ver.add_argument("--jobs", type=int, default=available_cores(), metavar="N",
                     help="run the checks in N worker processes (default: the number of cores, "
                          f"here {available_cores()}; the same results as --jobs 1)")
    exp = sub.add_parser("exponents", help="confirm the derived scaling exponents numerically (one row per law)")
    exp.add_argument("names", nargs="*", help="laws or catalogue entries (default: all)")
    exp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    exp.add_argument("--quick", action="store_true", help="fewer simulation seeds")
    exp.add_argument("--jobs", type=int, default=available_cores(), metavar="N",
                     help="simulate in N worker processes (default: the number of cores; the same results as 1)")
    fig = sub.add_parser("figure", help="draw a figure as DIR/NAME.png and DIR/NAME.pdf (needs matplotlib)")
    fig.add_argument("name", help=", ".join(registry.figure_names()))
    fig.add_argument("-o", "--output-dir", default=".", metavar="DIR", help="directory to write to (default: .)")
    fig.add_argument("--quick", action="store_true", help="fewer simulation draws and theory points")
    fig.add_argument("--jobs", type=int, default=available_cores(), metavar="N",
                     help="simulate (and, for exponents, evaluate the theory) in N worker processes "
                          "(default: the number of cores; the same figure as 1)")
    return p


def _known(name: str) -> str:
    if name not in registry.names():
        print(f"derivations: error: unknown derivation {name!r} (known: {', '.join(registry.names())})",
              file=sys.stderr)
        raise SystemExit(2)
    return name


def _list() -> int:
    rows = [registry.describe(n) for n in registry.names()]
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['title']}\n{'':<{width}}  {r['source']}")
    return 0


def _show(name: str, fmt: str) -> int:
    d = registry.get(_known(name))
    print({"text": d.to_text, "markdown": d.to_markdown, "latex": d.to_latex}[fmt]())
    return 0


def _latex(name: str, output: str | None) -> int:
    if output is not None and not output.strip():
        print("derivations: error: -o/--output needs a file name (leave it out to write to stdout)", file=sys.stderr)
        return 2
    doc = registry.get(_known(name)).to_latex()
    if output is None:
        sys.stdout.write(doc)
        return 0
    try:
        write_atomically(output, doc, encoding="ascii")
    except OSError as exc:
        print(f"derivations: error: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {output}", file=sys.stderr)
    return 0


def _verify(args) -> int:
    if args.all == bool(args.names):
        print("derivations: error: verify takes NAME... or --all (not both, not neither)", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"derivations: error: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    names = registry.names() if args.all else list(dict.fromkeys(_known(n) for n in args.names))
    reports, t0 = [], time.perf_counter()
    for report in verify_entries(names, registry.get, quick=args.quick, jobs=args.jobs):
        reports.append(report)
        if not args.json:
            _print_report(report)
    passed = all(r.passed for r in reports)
    if args.json:
        print(json.dumps({"derivations": [r.to_json() for r in reports]}, indent=1, allow_nan=False))
    else:
        n_checks = sum(len(r.checks) for r in reports)
        n_failed = sum(not c.passed for r in reports for c in r.checks)
        print(f"\n{len(reports)} derivation(s), {n_checks} checks: {n_checks - n_failed} passed, "
              f"{n_failed} failed in {time.perf_counter() - t0:.1f} s")
    return 0 if passed else 1


def _executor(jobs: int):
    """A process pool for ``--jobs N`` (N > 1), else a context that yields None (serial)."""
    import contextlib
    if jobs == 1:
        return contextlib.nullcontext(None)
    from concurrent.futures import ProcessPoolExecutor
    return ProcessPoolExecutor(max_workers=jobs)


def _print_report(report) -> None:
    status = "PASSED" if report.passed else "FAILED"
    print(f"== {report.name}: {status} ({len(report.checks)} checks, {report.seconds:.1f} s)")
    for c in report.checks:
        print("  " + c.line())


def _exponents(args) -> int:
    if args.jobs < 1:
        print(f"derivations: error: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    table = registry.laws()
    laws = list(table.values())
    if args.names:
        known = {law.name for law in laws} | {law.entry for law in laws}
        unknown = [n for n in args.names if n not in known]
        if unknown:
            print(f"derivations: error: unknown law or entry {unknown[0]!r} (known: {', '.join(sorted(known))})",
                  file=sys.stderr)
            return 2
        laws = [law for law in laws if law.name in args.names or law.entry in args.names]
    rows, t0 = [], time.perf_counter()
    with _executor(args.jobs) as executor:
        for law in laws:
            row = confirm(law, quick=args.quick, executor=executor, n_laws=len(table)).row()
            rows.append(row)
            if not args.json:
                _print_law(row)
    if args.json:
        print(json.dumps({"laws": rows, "seconds": round(time.perf_counter() - t0, 1)}, indent=1, allow_nan=False))
    else:
        print(f"\n{len(rows)} law(s): {sum(r['passed'] for r in rows)} passed in {time.perf_counter() - t0:.1f} s")
    return 0 if all(r["passed"] for r in rows) else 1


def _print_law(row) -> None:
    params = ", ".join(f"{k}={v}" for k, v in row["parameters"].items())
    lo, hi = row["simulation_interval"]
    print(f"{'ok  ' if row['passed'] else 'FAIL'} {row['law']}: {row['model']}, {row['quantity']} ∝ {row['variable']}^(−ρ), "
          f"{row['regime']}\n     ρ = {row['derived']}  at {params}  = {row['value']:.4g}\n"
          f"     theory slope at 1e8: {row['theory_slope']:+.4f}   simulation slope: {row['simulation_slope']:+.3f} "
          f"[{lo:+.3f}, {hi:+.3f}] vs finite-size theory {row['finite_theory_slope']:+.3f} ({row['seeds']} seeds, "
          f"{row['variable']} = {row['sizes']})")


def _figure(args) -> int:
    if args.name not in registry.figure_names():
        print(f"derivations: error: unknown figure {args.name!r} (known: {', '.join(registry.figure_names())})",
              file=sys.stderr)
        return 2
    if args.jobs < 1:
        print(f"derivations: error: --jobs must be >= 1, got {args.jobs}", file=sys.stderr)
        return 2
    try:
        figures.require_matplotlib()
    except figures.MatplotlibMissing:
        print(f"derivations: error: figures need matplotlib: {figures.PLOT_EXTRA}", file=sys.stderr)
        return 2
    def cannot_write(exc):
        print(f"derivations: error: cannot write to {args.output_dir}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:                                    # before the (slow) build: a bad directory fails at once
        os.makedirs(args.output_dir, exist_ok=True)
    except OSError as exc:
        return cannot_write(exc)
    with _executor(args.jobs) as executor:
        fig = figures.draw(registry.figure(args.name), quick=args.quick, executor=executor)
    try:
        paths = figures.write(fig, args.output_dir, args.name)
    except OSError as exc:
        return cannot_write(exc)
    print("\n".join(paths))
    return 0


def main(argv=None) -> int:
    """Run the command line; a closed pipe (``show ... | head``) ends quietly with exit code 141, as for
    SIGPIPE."""
    if hasattr(signal, "SIGXFSZ"):          # a file-size limit: the write fails (and is undone) instead of a kill
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        return _main(argv)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())      # Python's final flush of stdout must not fail again
        return 141


def _main(argv) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        return _list()
    if args.command == "show":
        return _show(args.name, args.format)
    if args.command == "latex":
        return _latex(args.name, args.output)
    if args.command == "exponents":
        return _exponents(args)
    if args.command == "figure":
        return _figure(args)
    return _verify(args)
