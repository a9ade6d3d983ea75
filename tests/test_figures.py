"""``derivations figure`` and the figures of the registry: the ridge, random-feature and exponent-table figures
build (quick; the DMFT and online-SGD figures are tested in their areas), the CLI writes
PNG and a byte-stable PDF, and the errors (unknown name, no matplotlib) are one line with exit code 2.

Tests that draw need matplotlib (the ``[plot]`` extra): they are marked ``mpl`` and skip when it is
missing. The phase-diagram branch naming and the error paths need no matplotlib and always run.
"""
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from derivations import cli, registry
from derivations.engine import figures
from derivations.random_features import figures as rf_figures
from derivations.ridge import figures as ridge_figures


@pytest.fixture(scope="module")
def built():
    """Each figure built once in quick mode (shared by the tests of this module)."""
    pytest.importorskip("matplotlib")
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = figures.draw(registry.figure(name), quick=True)
        return cache[name]
    return get


def one_line(text):
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {lines}"
    return lines[0]


def visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def drawn_points(line):
    y = np.asarray(line.get_ydata(), float)
    return int(np.sum(np.isfinite(y)))


def expected_axes(name):
    return {"ridge-learning-curve": 2, "random-feature-learning-curve": 3, "phase-diagram": 4,
            "exponents": registry.law_count()}[name]


# ---- the registry --------------------------------------------------------------------------------
def test_registry_names_functions_and_captions():
    assert list(registry.figures()) == ["ridge-learning-curve", "random-feature-learning-curve", "phase-diagram",
                                     "random-feature-dynamics", "sgd-phases", "exponents", "dmft-mode-discrepancy", "dmft-test-error", "dmft-bias-variance",
                                     "dmft-early-stopping", "online-sgd-learning-curves", "online-sgd-linear",
                                     "feature-learning-linear", "feature-learning-dmft-loss",
                                     "feature-learning-dmft-alignment", "feature-learning-dmft-approximations"]
    for name, (function, caption) in registry.figures().items():
        assert callable(function)
        assert len(caption) > 100, name
    ridge, rf = registry.figure("ridge-learning-curve").caption, registry.figure("random-feature-learning-curve").caption
    for text in ("D = 200", "σ² = 0.25", "α = 1.5", "r = 0.4", str(figures.SEED)):
        assert text in ridge and text in rf
    assert "P = 100" in rf
    assert "r = 1" in registry.figure("phase-diagram").caption


# ---- every figure builds -------------------------------------------------------------------------
#: the tests that build the (two-minute) exponent-table figure share one pytest-xdist worker, so that it is
#: built once (the ``built`` cache is per process)
EXPONENTS_FIGURE = pytest.mark.xdist_group("exponents-figure")


@pytest.mark.mpl
@pytest.mark.parametrize("name", ["ridge-learning-curve", "random-feature-learning-curve",
                                  pytest.param("exponents", marks=EXPONENTS_FIGURE)])
def test_line_figures_build_with_data_in_every_panel(built, name):
    from matplotlib.figure import Figure
    fig = built(name)
    assert isinstance(fig, Figure)
    axes = visible_axes(fig)
    assert len(axes) == expected_axes(name)
    for ax in axes:
        lines = ax.get_lines()
        assert lines, f"{name}: a panel without lines"
        assert sum(drawn_points(line) for line in lines) >= 4, f"{name}: {ax.get_title()} is empty"
        assert ax.get_xscale() == "log"


@pytest.mark.mpl
@pytest.mark.parametrize("name", ["ridge-learning-curve", "random-feature-learning-curve"])
def test_learning_curves_show_theory_and_simulation(built, name):
    ax = visible_axes(built(name))[0]
    assert ax.get_yscale() == "log"
    theory = [line for line in ax.get_lines() if line.get_linestyle() == "-" and len(line.get_xdata()) > 100]
    assert len(theory) == (3 if name == "ridge-learning-curve" else 2)          # one line per ridge
    errorbars = ax.containers
    assert len(errorbars) == len(theory)
    for container in errorbars:
        assert drawn_points(container.lines[0]) >= 5
    sizes = ridge_figures.RIDGE_SIZES if name == "ridge-learning-curve" else rf_figures.RF_WIDTHS
    assert set(np.asarray(errorbars[0].lines[0].get_xdata())) == set(sizes)


@pytest.mark.mpl
def test_random_feature_decomposition_panels(built):
    for ax in visible_axes(built("random-feature-learning-curve"))[1:]:
        labelled = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert len(labelled) == len(rf_figures.RF_COMPONENTS) + 1            # six components and their sum


@pytest.mark.mpl
@EXPONENTS_FIGURE
def test_exponent_panels_end_at_the_derived_exponent(built):
    for ax, law in zip(visible_axes(built("exponents")), registry.laws().values()):
        slope, derived = ax.get_lines()[:2]
        assert np.asarray(derived.get_ydata())[0] == pytest.approx(-law.value())
        x, s = np.asarray(slope.get_xdata()), np.asarray(slope.get_ydata())
        assert x[-1] == pytest.approx(max(law.scales))
        assert abs(s[-1] + law.value()) < 0.01, law.name
        assert abs(s[-1] + law.value()) <= abs(s[0] + law.value())


@pytest.mark.mpl
def test_phase_diagram_builds(built):
    axes = visible_axes(built("phase-diagram"))
    assert len(axes) == expected_axes("phase-diagram")
    for ax in axes:
        assert len(ax.images) == 1
        labels = np.asarray(ax.images[0].get_array())
        assert labels.shape == (rf_figures.PHASE_GRID, rf_figures.PHASE_GRID)
        assert len(np.unique(labels)) >= 3
        segments = [p for c in ax.collections for p in c.get_paths() if len(p.vertices)]
        assert segments, "no rate contours"


# ---- the phase diagram's branch naming (no matplotlib) -------------------------------------------
@pytest.mark.parametrize("step, r, q, l, regime, rate", [
    ("phase-diagram-noiseless", "2/5", 3.0, 3.0, "data", 2 * 1.5 * 0.4),     # 2α min(1, r)
    ("phase-diagram-noiseless", "2/5", 3.0, 1.0, "ridge", 2 * 0.4 * 1.0),    # 2 min(1, r) l
    ("phase-diagram-noiseless", "2/5", 0.5, 3.0, "width", 1.5 * 0.8 * 0.5),  # α min(1, 2r) q
    ("phase-diagram-noiseless", "1", 1.5, 3.0, "var_F", 2.0),                # the law rf-phase-variance-limited
    ("phase-diagram-noiseless", "1", 3.0, 3.0, "data", 3.0),
    ("phase-diagram", "2/5", 3.0, 3.0, "noise", 0.0),                         # K = α: 1 − K/α = 0
    ("phase-diagram", "2/5", 3.0, 0.3, "ridge", 0.8 * 0.3),
])
def test_phase_regimes_at_known_points(step, r, q, l, regime, rate):
    value, label = rf_figures.phase_regimes(step, rf_figures.PHASE_ALPHA, r, np.array([q]), np.array([l]))
    assert value[0] == pytest.approx(rate, abs=1e-12)
    assert list(rf_figures.REGIMES)[int(label[0])] == regime


def test_phase_branches_come_from_the_derivation():
    rate, branches, kappa_args = rf_figures.phase_branches("phase-diagram", "3/2", "2/5")
    assert sorted(branches) == ["bias", "feature", "noise"]
    assert sorted(kappa_args) == ["alpha", "alpha q", "l"]
    rate0, branches0, _ = rf_figures.phase_branches("phase-diagram-noiseless", "3/2", "2/5")
    assert sorted(branches0) == ["bias", "feature"]
    assert {str(s) for s in rate.free_symbols} == {"q", "l"}


# ---- the command line ----------------------------------------------------------------------------
@pytest.mark.mpl
def test_cli_writes_png_and_byte_stable_pdf(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    outputs = []
    for run in ("first", "second"):
        directory = tmp_path / run / "new"                       # created if missing
        assert cli.main(["figure", "phase-diagram", "--quick", "-o", str(directory)]) == 0
        out, err = capsys.readouterr()
        png, pdf = directory / "phase-diagram.png", directory / "phase-diagram.pdf"
        assert out.split() == [str(png), str(pdf)]
        assert err == ""
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert pdf.read_bytes()[:5] == b"%PDF-"
        assert b"CreationDate" not in pdf.read_bytes()
        outputs.append(pdf.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.mpl
def test_simulated_figure_is_reproducible(built, tmp_path):
    """Seeded simulations: a second build gives the same PDF, byte for byte."""
    first = figures.write(built("ridge-learning-curve"), tmp_path / "a", "ridge-learning-curve")[1]
    second = figures.write(figures.draw(registry.figure("ridge-learning-curve"), quick=True), tmp_path / "b", "ridge-learning-curve")[1]
    assert open(first, "rb").read() == open(second, "rb").read()


@pytest.mark.mpl
def test_unwritable_directory_is_a_usage_error(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert cli.main(["figure", "phase-diagram", "--quick", "-o", str(blocker)]) == 2
    assert one_line(capsys.readouterr().err).startswith("derivations: error: cannot write to")


@pytest.mark.mpl
def test_png_is_150_dpi(built, tmp_path):
    from matplotlib.image import imread
    fig = built("phase-diagram")
    png, pdf = figures.write(fig, tmp_path, "phase-diagram")
    height, width = imread(png).shape[:2]
    w_in, h_in = fig.get_size_inches()
    assert (width, height) == (round(w_in * 150), round(h_in * 150))


def test_unknown_figure_is_a_one_line_usage_error(tmp_path, capsys):
    assert cli.main(["figure", "no-such-figure", "-o", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    line = one_line(err)
    assert out == ""
    assert line.startswith("derivations: error: unknown figure 'no-such-figure'")
    assert all(name in line for name in registry.figure_names())
    assert not any(tmp_path.iterdir())


def test_bad_jobs_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["figure", "phase-diagram", "--jobs", "0", "-o", str(tmp_path)]) == 2
    assert "--jobs" in one_line(capsys.readouterr().err)


def test_missing_matplotlib_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)             # `import matplotlib` now fails
    assert cli.main(["figure", "phase-diagram", "-o", str(tmp_path / "out")]) == 2
    out, err = capsys.readouterr()
    line = one_line(err)
    assert out == ""
    assert line.startswith("derivations: error:")
    assert "pip install 'neural-scaling-derivations[plot]'" in line
    assert not (tmp_path / "out").exists()
    with pytest.raises(ImportError, match=r"neural-scaling-derivations\[plot\]"):
        figures.draw(registry.figure("phase-diagram"), quick=True)


def test_module_imports_without_matplotlib():
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from derivations import cli, registry\n"
            "print(sorted(registry.figures()))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=pathlib.Path(__file__).resolve().parents[1])
    assert r.returncode == 0, r.stderr
    assert "phase-diagram" in r.stdout
