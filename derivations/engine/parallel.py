"""Verify several entries at once in a pool of worker processes, with the same numbers as one process.

The work of ``verify`` is cut into tasks: every numeric check of every entry is one task (checks that
share a computation, :attr:`~derivations.engine.derivation.NumericCheck.shares`, one task together), and the
checks of each entry's self-standing steps (replays, identities, definitions) one task per
``STEPS_PER_TASK`` steps. The tasks go to ``jobs`` worker processes, the long ones first (simulations
and exponent laws, then the replays, then the other checks); each report is assembled in the
parent exactly as :meth:`~derivations.engine.Derivation.verify` assembles it (the steps backed by
numeric checks are judged there, from the checks' results), and the reports come back in the order
of the names asked for. A check run in a worker runs its simulation ensembles serially: every draw
has its own seeded stream, so the numbers do not depend on the process that ran it (the tests compare
``jobs = 1`` and ``jobs = 2`` result by result).

Where processes can be forked (Linux), the parent builds the derivations first and the workers
inherit them with their compiled evaluators; elsewhere each worker builds what it needs once.

>>> from derivations import registry
>>> [r.passed for r in verify_entries(["marchenko-pastur"], registry.get, quick=True, jobs=1)]
[True]
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator

from derivations.engine.derivation import Report


def available_cores() -> int:
    """The number of cores this process may run on (its CPU affinity where the system reports it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


#: the derivations built by the parent before it forks its workers (they inherit this dict)
_INHERITED: dict = {}


def _derivation(get, name):
    return _INHERITED[name] if get is None else get(name)


def _numeric_task(get, name: str, indices: tuple, quick: bool = False):
    d = _derivation(get, name)
    return [d.run_numeric_check(index, quick) for index in indices]


def _symbolic_task(get, name: str, labels: tuple):
    t0 = time.perf_counter()
    return _derivation(get, name).check_symbolic_steps(labels), time.perf_counter() - t0


#: steps checked per task (the replays of a large entry take a minute; split, they balance the pool)
STEPS_PER_TASK = 24
#: the kinds of numeric checks submitted first: they hold the long simulations
HEAVY_KINDS = ("simulation", "exponent")


def _step_groups(d) -> list[tuple]:
    labels = [s.label for s in d.steps if not s.backed_by_numeric]
    return [tuple(labels[i:i + STEPS_PER_TASK]) for i in range(0, len(labels), STEPS_PER_TASK)]


def _check_groups(d) -> list[tuple]:
    """The indices of ``d``'s numeric checks, one tuple per task: checks that share a computation
    (the same ``shares`` key) together, in check order; every other check alone."""
    groups, shared = [], {}
    for i, check in enumerate(d.numeric_checks):
        if not check.shares:
            groups.append([i])
        elif check.shares in shared:
            shared[check.shares].append(i)
        else:
            shared[check.shares] = [i]
            groups.append(shared[check.shares])
    return [tuple(g) for g in groups]


def _tasks(derivations: dict, names: list) -> list:
    """(key, task, args) in the order of submission: the simulations and exponent laws first, then the
    step replays, then the other numeric checks, each group from the last entry to the first (the later
    entries are the heavier ones); long tasks first keep both ends of the pool busy."""
    heavy, steps, light = [], [], []
    for name in reversed(names):
        d = derivations[name]
        for group in _check_groups(d):
            kinds = {d.numeric_checks[i].kind for i in group}
            (heavy if kinds & set(HEAVY_KINDS) else light).append(((name, group), _numeric_task, (name, group)))
        steps += [((name, "steps", j), _symbolic_task, (name, labels)) for j, labels in enumerate(_step_groups(d))]
    return heavy + steps + light


def _fork_context():
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def verify_entries(names: list, get: Callable, quick: bool = False, jobs: int = 1) -> Iterator[Report]:
    """The reports of the entries ``names`` (``get(name)`` returns a Derivation; it must be a module-level
    function so that a worker process can call it), in the order of ``names``, each as soon as it and the
    ones before it are complete. ``jobs = 1`` runs everything in this process."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be an integer >= 1, got {jobs!r}")
    names = list(dict.fromkeys(names))
    if jobs == 1:
        for name in names:
            yield get(name).verify(quick=quick)
        return
    derivations = {name: get(name) for name in names}          # built here, inherited by forked workers
    context = _fork_context()
    _INHERITED.clear()
    _INHERITED.update(derivations)
    source = None if context is not None else get           # a spawned worker builds from get (picklable)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {}
            for key, task, args in _tasks(derivations, names):
                futures[key] = pool.submit(task, source, *args, **({"quick": quick} if task is _numeric_task else {}))
            for name in names:
                d = derivations[name]
                numeric = {}
                for group in _check_groups(d):
                    for i, results in zip(group, futures[name, group].result()):
                        numeric[d.numeric_checks[i].name] = results
                numeric = {c.name: numeric[c.name] for c in d.numeric_checks}        # in check order
                symbolic, seconds = {}, 0.0
                for j in range(len(_step_groups(d))):
                    part, part_seconds = futures[name, "steps", j].result()
                    symbolic.update(part)
                    seconds += part_seconds
                seconds += sum(results[0].extra.get("seconds", 0.0) for results in numeric.values())
                yield d.report(numeric, symbolic, seconds)
    finally:
        _INHERITED.clear()
