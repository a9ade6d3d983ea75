"""The five online-SGD laws of the exponent table: wiring, derived values, parameter check, and the
simulation route returning the whole curve of one seed (one generator, its draws made once)."""
import numpy as np
import pytest

import derivations.online_sgd as online_sgd
from derivations.online_sgd import trainable_law

RATES = {"sgd-trainable-dimensions": 1.0, "sgd-plateau-escape": -1.0, "sgd-erf-window": 0.5,
         "sgd-overrealizable": 2.0, "sgd-linear-window": 0.5}


def test_laws_belong_to_the_entries_of_the_area_and_give_their_derived_rates():
    laws = online_sgd.laws()
    assert [law.name for law in laws] == list(RATES)
    for law in laws:
        assert law.entry in online_sgd.ENTRIES
        assert law.value() == pytest.approx(RATES[law.name], abs=1e-15)


def test_parameter_check_names_the_condition():
    with pytest.raises(ValueError, match="beta"):
        online_sgd.check_parameters({"beta": -1.0})
    online_sgd.check_parameters({"beta": 1.0})
    online_sgd.check_parameters({})


def test_trainable_simulation_is_one_curve_with_a_common_input_stream():
    """The seed's input-stream entropy is drawn once: the curve at (4, 8) holds the runs at 4 and at 8 of the
    same stream, each equal to a run of that size alone from an identical generator."""
    curve = trainable_law.simulate(np.random.default_rng(7), (4, 8))
    alone = [trainable_law.simulate(np.random.default_rng(7), (x,))[0] for x in (4, 8)]
    assert curve == alone
    assert len(curve) == 2 and all(v > 0 for v in curve)


@pytest.mark.parametrize("name", ["sgd-trainable-dimensions", "sgd-overrealizable", "sgd-erf-window"])
def test_seeds_simulated_together_give_the_single_seed_rows_bit_for_bit(name):
    from derivations import registry
    from numerics.simulation import spawn_generators
    law = registry.law(name)
    together = law.simulate_seeds(spawn_generators(9, 3), law.sizes)
    alone = [law.simulate(g, law.sizes) for g in spawn_generators(9, 3)]
    assert together == alone and len(alone[0]) == len(law.sizes)
