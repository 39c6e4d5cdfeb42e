"""Mismatch messages carry the numbers a person needs."""

import torch

from bc import compare


def q(values, scale=0.5, zero_point=2):
    return torch.quantize_per_tensor(torch.tensor(values), scale, zero_point, torch.quint8)


def test_equal_outputs_have_no_differences():
    assert compare.differences((q([1.0, 2.0]), (torch.ones(2),)), (q([1.0, 2.0]), (torch.ones(2),))) == []


def test_value_mismatch_counts_and_measures():
    (message,) = compare.differences(q([1.0, 2.0, 3.0]), q([1.0, 2.5, 3.0]))
    assert "values differ: 1 of 3 elements differ" in message
    assert "max abs diff 0.5" in message
    assert "scale=0.5 zero_point=2" in message


def test_same_dequantized_values_match_whatever_the_parameters():
    # As torch.testing.assert_close, which the seed's assertEqual uses.
    assert compare.differences(q([1.0, 2.0], scale=0.25), q([1.0, 2.0], scale=0.5, zero_point=3)) == []


def test_quantization_parameters_of_both_sides_are_shown():
    (message,) = compare.differences(q([1.0, 2.0], scale=0.25), q([1.0, 3.0], scale=0.5, zero_point=3))
    assert "actual:   torch.quint8 (2,) scale=0.25 zero_point=2" in message
    assert "expected: torch.quint8 (2,) scale=0.5 zero_point=3" in message


def test_float_where_a_quantized_tensor_was_saved_is_said_plainly():
    (message,) = compare.differences(q([1.0]), torch.tensor([1.0]))
    assert "returns a quantized tensor but the golden file holds a non-quantized one" in message
    assert "torch.float32 (1,)" in message


def test_dtype_and_shape_mismatches_name_both_sides():
    (message,) = compare.differences(torch.zeros(2, 3), torch.zeros(3, 2, dtype=torch.float64))
    assert "dtype and shape differ" in message
    assert "torch.float32 (2, 3)" in message and "torch.float64 (3, 2)" in message


def test_nested_outputs_are_located():
    (message,) = compare.differences((torch.zeros(2), (torch.zeros(1), torch.ones(1))),
                                     (torch.zeros(2), (torch.zeros(1), torch.zeros(1))))
    assert message.startswith("output[1][1]: values differ")


def test_tolerances_are_honoured():
    assert compare.differences(torch.tensor([1.0]), torch.tensor([1.001]), atol=0.01, rtol=0) == []
    assert compare.differences(torch.tensor([1.0]), torch.tensor([1.001]), atol=1e-8, rtol=1e-5)


def test_set_differences_list_missing_and_unexpected():
    (message,) = compare.set_differences({"a", "c"}, {"a", "b"}, "get_attr targets")
    assert "1 missing ['b'], 1 unexpected ['c']" in message


def test_where_names_everything():
    where = compare.Where("test_linear", "qnnpack", "traced", "serialized/x.pt")
    assert str(where) == "case test_linear, engine qnnpack, loader traced, file serialized/x.pt"


def test_nan_in_an_output_is_counted_not_hidden_in_the_maximum():
    (message,) = compare.differences(torch.tensor([1.0, float("nan"), 3.0]), torch.tensor([1.0, 2.0, 3.5]))
    assert "2 of 3 elements differ" in message
    assert "max abs diff 0.5 among the numbers; NaN in 1 actual and 0 expected elements" in message


def test_all_nan_says_there_is_no_number_to_measure():
    (message,) = compare.differences(torch.tensor([float("nan")]), torch.tensor([1.0]))
    assert "max abs diff - (no element of both is a number); NaN in 1 actual and 0 expected elements" in message
