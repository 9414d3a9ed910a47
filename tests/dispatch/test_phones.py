"""Phone numbers: E.164 inside, national display, masking."""

import pytest

from dispatch import phones


@pytest.mark.parametrize(
    "typed, e164",
    [
        ("13812341234", "+8613812341234"),
        ("138 1234 1234", "+8613812341234"),
        ("+86 138-1234-1234", "+8613812341234"),
        ("010-62345678", "+861062345678"),  # Beijing fixed line with area code
        ("0755 2345 6789", "+8675523456789"),  # Shenzhen
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_normalize_accepts_mobile_and_fixed_lines(typed, e164):
    assert phones.normalize(typed, "CN") == e164


@pytest.mark.parametrize("typed", ["", "12345", "abc", "138123412345678", "+999 123", None, 138])
def test_normalize_refuses_what_is_not_a_number(typed):
    with pytest.raises(phones.InvalidPhone):
        phones.normalize(typed, "CN")


def test_mask_hides_the_middle():
    assert phones.mask("+8613812341234") == "+86 138****1234"
    assert "6234" not in phones.mask("+861062345678")
    assert phones.mask("+861062345678").endswith("5678")


def test_display_is_national_at_home():
    assert phones.display("+8613812341234") == "138 1234 1234"
    assert phones.display("+14155552671").startswith("+1")
