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


@pytest.mark.parametrize(
    "text, shown",
    [
        ("电话13812341234", "电话138********"),
        ("回电 138-1234-1234 谢谢", "回电 138-****-**** 谢谢"),
        ("座机010 8765 4321", "座机010 **** ****"),
        ("+86 13812341234", "+86 1**********"),
        ("身份证11010519491231002X", "身份证110***************"),
        ("号码:12345678。", "号码:123*****。"),
        ("两个13812341234和13912345678", "两个138********和139********"),
        # written the other ways people group them: full-width and long dashes, dots,
        # slashes, underscores, several spaces, spaced hyphens, a full-width +
        ("电话138－1234－5678", "电话138－****－****"),
        ("或 138.1234.5678", "或 138.****.****"),
        ("138—1234—5678", "138—****—****"),
        ("138/1234/5678", "138/****/****"),
        ("138_1234_5678", "138_****_****"),
        ("138  1234  5678", "138  ****  ****"),
        ("138 - 1234 - 5678", "138 - **** - ****"),
        ("138\u30001234\u30005678", "138\u3000****\u3000****"),
        ("\uff0b86 13812345678", "\uff0b86 1**********"),
        ("2026-12-03 13812345678来电", "2026-12-03 138********来电"),  # after a date
    ],
)
def test_mask_in_text_hides_phone_like_digit_runs(text, shown):
    assert phones.mask_in_text(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "接上次工单R2026112200001",  # a case number
        "2026-11-23起停水",  # a date
        "2026.11.23 与 2026/11/23",
        "2026-12-03 16:00来电",  # a date and an hour
        "3号楼1203室",  # short numbers
        "欠费1,234,567元",  # grouped by commas
        "",
    ],
)
def test_mask_in_text_leaves_other_numbers(text):
    assert phones.mask_in_text(text) == text
