"""The figures of the online-SGD area: names and captions from the face, and (slow, matplotlib) a quick build."""
import pytest

import derivations.online_sgd as online_sgd


def test_figures_are_named_with_captions():
    assert list(online_sgd.FIGURES) == ["online-sgd-learning-curves", "online-sgd-linear"]
    for name, spec in online_sgd.FIGURES.items():
        assert callable(spec.function)
        assert len(spec.caption) > 100, name
    assert "W-2" in online_sgd.FIGURES["online-sgd-linear"].caption


@pytest.mark.mpl
@pytest.mark.slow
def test_linear_figure_builds_with_lines_and_points():
    pytest.importorskip("matplotlib")
    fig = online_sgd.FIGURES["online-sgd-linear"].function(quick=True)
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert len(ax.containers) == 2                       # SGD points for L = 1 and 16 (quick)
    assert len([line for line in ax.get_lines() if line.get_linestyle() == "--"]) == 3      # W-2 for L > 1
