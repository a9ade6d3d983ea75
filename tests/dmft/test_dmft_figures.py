"""The figures of the Langevin mean-field theory (``derivations.dmft.FIGURES``, arXiv:2602.23039).

Every figure builds in quick mode with the expected panels, finite positive theory lines and simulation
points with error bars; the CLI writes PNG and a byte-stable PDF.  The numbers the early-stopping figure
marks are checked against independent routes: ε(∞) against ridge regression plus the posterior
variance (K-8), ε(t*) against the 20-digit Laplace route and a seeded simulation.

Tests that draw need matplotlib (marked ``mpl``, skipped without it); the numbers need none.
"""
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from derivations import cli
from derivations.dmft import FIGURES, test_error_curve
from derivations.dmft import figures as dmft_figures
from derivations.engine.figures import SEED
from derivations.ridge import learning_curve
from numerics.precision import workdps
from numerics.simulation import z_test, z_threshold

NAMES = ["dmft-mode-discrepancy", "dmft-test-error", "dmft-bias-variance", "dmft-early-stopping"]
PANELS = {"dmft-mode-discrepancy": 3, "dmft-test-error": 2, "dmft-bias-variance": 3, "dmft-early-stopping": 3}


@pytest.fixture(scope="module")
def built():
    """Each figure built once in quick mode (shared by the tests of this module)."""
    pytest.importorskip("matplotlib")
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = FIGURES[name].function(quick=True)
        return cache[name]
    return get


def visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def theory_lines(ax):
    """The solid lines with a point per theory time (quick mode)."""
    n = dmft_figures.theory_times(quick=True).size
    return [line for line in ax.get_lines() if line.get_linestyle() == "-" and len(line.get_xdata()) == n]


def assert_finite_positive(line):
    y = np.asarray(line.get_ydata(), float)
    assert np.all(np.isfinite(y)) and np.all(y > 0), line.get_label()


def simulation_points(ax):
    """(x, y, error-bar segments) of every errorbar container of the panel."""
    out = []
    for container in ax.containers:
        data, _, (bars,) = container.lines[0], container.lines[1], container.lines[2]
        out.append((np.asarray(data.get_xdata(), float), np.asarray(data.get_ydata(), float), bars.get_segments()))
    return out


def upper_markers(ax):
    """Points drawn as 'v' (a simulation mean <= 0 on a log axis: mean + SE)."""
    return sum(len(line.get_xdata()) for line in ax.get_lines() if line.get_marker() == "v")


# ---- the registry --------------------------------------------------------------------------------
def test_registry_holds_the_four_figures_with_their_parameters():
    for name in NAMES:
        function, caption = FIGURES[name]
        assert callable(function)
        for text in ("N = P = 100", "Λ_i = i^(−3/2)", "c = 1", "w(0) = 0", "variance 1", "2602.23039",
                     str(SEED)):
            assert text in caption, (name, text)
    for name in NAMES[:3]:
        caption = FIGURES[name].caption
        assert "β ∈ {10000, 50, 10}" in caption and "gβ = 1000" in caption and "g ∈ {0.1, 20, 100}" in caption
    assert "gβ ∈ {10, 100, 1000, 10000}" in FIGURES["dmft-early-stopping"].caption


def test_parameters():
    lam = dmft_figures.eigenvalues()
    assert lam.size == dmft_figures.N_MODES == dmft_figures.N_SAMPLES == 100
    assert lam[8] == pytest.approx(1 / 27, rel=1e-15)                      # 9^(−3/2)
    assert [dmft_figures.weight_decay(b) for b in dmft_figures.BETAS] == pytest.approx([0.1, 20.0, 100.0])
    t = dmft_figures.simulation_times()
    assert t.size == 13 and t[0] == pytest.approx(1e-4) and t[-1] == pytest.approx(1e2)
    assert np.allclose(np.diff(np.log10(dmft_figures.theory_times())), 0.01)


@pytest.mark.parametrize("beta, g_beta, match", [(0.0, 1e3, "beta"), (math.inf, 1e3, "beta"), (50.0, -1.0, "g_beta")])
def test_bad_input_names_the_argument(beta, g_beta, match):
    with pytest.raises(ValueError, match=match):
        dmft_figures.weight_decay(beta, g_beta)


def test_stationary_error_without_noise_and_decay_is_refused():
    with pytest.raises(ValueError, match="g must be > 0"):
        dmft_figures.stationary_error(math.inf, 0.0, 0.0)


# ---- the marked numbers, against independent routes ----------------------------------------------
@pytest.mark.parametrize("beta", dmft_figures.BETAS)
def test_stationary_error_is_ridge_plus_posterior_variance(beta):
    """ε(∞) (the DMFT curve at t = 40/g) against K-8 from the ridge-regression entry: E_g at ridge
    λ = g/(cP) plus the posterior variance Df₁/(cβ(P − Df₁)).  Tolerance: the Talbot route's float64
    accuracy on smooth transforms, a few 1e-10 relative (numerics.dmft_talbot), with a factor 10 margin."""
    lam, P, c, s2 = dmft_figures.eigenvalues(), dmft_figures.N_SAMPLES, dmft_figures.LOSS_SCALE, 0.5
    g = dmft_figures.weight_decay(beta)
    ridge = learning_curve(lam, np.ones_like(lam), P, g / (c * P), noise_variance=s2)
    df = float(np.sum(lam / (lam + float(ridge.kappa))))
    expected = float(ridge.E_g) + df / (c * beta * (P - df))
    assert dmft_figures.stationary_error(beta, g, s2) == pytest.approx(expected, rel=1e-8)


def test_gradient_flow_at_the_threshold_has_no_stationary_value():
    """g = 0 at P = N: ε(∞) = ∞ and the curve grows after its minimum."""
    stop = dmft_figures.optimal_stopping(dmft_figures.STOP_BETA, 0.0, dmft_figures.NOISE_VARIANCE)
    assert stop.stationary == math.inf and math.isfinite(stop.time)
    late = dmft_figures.theory([10.0, 100.0], dmft_figures.STOP_BETA, 0.0, dmft_figures.NOISE_VARIANCE).total
    assert stop.error < late[0] < late[1]


@pytest.mark.parametrize("g_beta", [0.0, 10.0])
def test_optimal_stopping_is_a_minimum_confirmed_two_ways(g_beta):
    """t* is a minimum of the Talbot curve, its value agrees with the 20-digit Laplace route (tolerance:
    Talbot accuracy, see above), and a seeded simulation at t* agrees within its z threshold."""
    beta, s2 = dmft_figures.STOP_BETA, dmft_figures.NOISE_VARIANCE
    g = dmft_figures.weight_decay(beta, g_beta)
    stop = dmft_figures.optimal_stopping(beta, g, s2)
    assert 0.5 < stop.time < 3 and stop.error < stop.stationary
    around = dmft_figures.theory(stop.time * np.array([0.98, 1.02]), beta, g, s2).total
    assert np.all(around > stop.error)
    with workdps(20):
        exact = test_error_curve([stop.time], dmft_figures.eigenvalues(), dmft_figures.N_SAMPLES, g, beta,
                           noise_variance=s2, method="laplace").total[0]
    assert stop.error == pytest.approx(float(exact), rel=1e-8)
    sim = dmft_figures.simulation([stop.time], beta, g, s2, entropy=[SEED, 99, int(g_beta)], quick=True)
    assert z_test(stop.error, sim["total"], z_threshold(1)).passed


def test_strong_decay_never_stops_early():
    stop = dmft_figures.optimal_stopping(dmft_figures.STOP_BETA, 20.0, dmft_figures.NOISE_VARIANCE)
    assert stop.time == math.inf and stop.error == stop.stationary


# ---- every figure builds -------------------------------------------------------------------------
@pytest.mark.mpl
@pytest.mark.parametrize("name", NAMES)
def test_figures_build_with_panels_and_data(built, name):
    from matplotlib.figure import Figure
    fig = built(name)
    assert isinstance(fig, Figure)
    axes = visible_axes(fig)
    assert len(axes) == PANELS[name]
    for ax in axes:
        assert ax.get_xscale() == "log"
        assert ax.get_lines(), f"{name}: {ax.get_title()} has no lines"


@pytest.mark.mpl
def test_mode_discrepancy_panels(built):
    n_times = dmft_figures.simulation_times(quick=True).size
    for ax in visible_axes(built("dmft-mode-discrepancy")):
        lines = theory_lines(ax)
        assert [line.get_label() for line in lines] == [f"i = {i}" for i in dmft_figures.MODES]
        for line in lines:
            assert_finite_positive(line)
            y = np.asarray(line.get_ydata())
            assert y[0] > 0.98 and np.all(y <= 1) and np.all(np.diff(y) <= 1e-12)    # from 1, relaxing
        points = simulation_points(ax)
        assert len(points) == len(dmft_figures.MODES)
        for x, y, bars in points:
            assert len(x) == n_times == len(bars) and np.all(np.isfinite(y))


@pytest.mark.mpl
def test_test_error_panels(built):
    n_times = dmft_figures.simulation_times(quick=True).size
    axes = visible_axes(built("dmft-test-error"))
    for ax in axes:
        assert ax.get_yscale() == "log"
        lines = theory_lines(ax)
        assert len(lines) == len(dmft_figures.BETAS)
        for line in lines:
            assert_finite_positive(line)
        points = simulation_points(ax)
        assert len(points) == len(dmft_figures.BETAS)
        for x, y, bars in points:
            assert len(x) == n_times == len(bars) and np.all(y > 0)
    quiet, noisy = (np.asarray(theory_lines(ax)[0].get_ydata()) for ax in axes)
    assert np.all(noisy >= quiet)                              # label noise only adds


@pytest.mark.mpl
def test_bias_variance_panels(built):
    n_times = dmft_figures.simulation_times(quick=True).size
    for ax in visible_axes(built("dmft-bias-variance")):
        lines = theory_lines(ax)
        assert [line.get_label() for line in lines] == [label for _, label, _ in dmft_figures.TERMS]
        for line in lines:
            assert_finite_positive(line)
        total, *parts = (np.asarray(line.get_ydata()) for line in lines)
        assert np.allclose(sum(parts), total, rtol=1e-9)
        points = simulation_points(ax)
        assert len(points) == len(dmft_figures.TERMS)
        drawn = sum(len(x) for x, _, _ in points) + upper_markers(ax)
        assert drawn == len(dmft_figures.TERMS) * n_times    # every point shown, means <= 0 as 'v'
        assert all(len(x) == len(bars) for x, _, bars in points)


@pytest.mark.mpl
def test_early_stopping_panels(built):
    ax, ax_err, ax_time = visible_axes(built("dmft-early-stopping"))
    lines = theory_lines(ax)
    assert len(lines) == 1 + len(dmft_figures.STOP_G_BETAS)
    for line in lines:
        assert_finite_positive(line)
    assert len(simulation_points(ax)) == len(lines)
    stars = [line for line in ax.get_lines() if line.get_marker() == "*"]
    ends = [line for line in ax.get_lines() if line.get_marker() == "<"]
    assert len(stars) == 2                                    # g = 0 and gβ = 10 stop early
    assert len(ends) == len(dmft_figures.STOP_G_BETAS)        # ε(∞) of every g > 0
    assert any("∞" in text.get_text() for text in ax.texts)   # g = 0: ε(∞) = ∞
    for star in stars:                                        # the star is the lowest point of its curve
        curve = next(line for line in lines if line.get_color() == star.get_color())
        assert star.get_ydata()[0] <= np.min(curve.get_ydata()) + 1e-12
    final, best = ax_err.get_lines()[:2]
    assert np.all(np.asarray(best.get_ydata()) <= np.asarray(final.get_ydata()))


# ---- the command line ----------------------------------------------------------------------------
@pytest.mark.mpl
def test_cli_writes_png_and_the_same_pdf(built, tmp_path, capsys):
    """The CLI's PDF equals that of the fixture's build: seeded and byte-stable."""
    name = "dmft-bias-variance"
    assert cli.main(["figure", name, "--quick", "-o", str(tmp_path / "cli")]) == 0
    out, err = capsys.readouterr()
    png, pdf = tmp_path / "cli" / f"{name}.png", tmp_path / "cli" / f"{name}.pdf"
    assert out.split() == [str(png), str(pdf)] and err == ""
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-" and b"CreationDate" not in pdf.read_bytes()
    again = tmp_path / "fixture.pdf"                          # the PDF half of engine.figures.write
    built(name).savefig(again, metadata={"CreationDate": None})
    assert again.read_bytes() == pdf.read_bytes()


@pytest.mark.parametrize("first", ["derivations.dmft.figures", "derivations.registry"])
def test_imports_in_either_order_without_matplotlib(first):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            f"import {first}\n"
            "from derivations import registry\n"
            f"print([registry.figure(n).function.__name__ for n in {NAMES!r}])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       cwd=pathlib.Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str([name.replace("-", "_") for name in NAMES])
