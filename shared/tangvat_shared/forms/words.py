"""Amounts as Vietnamese write them in words on a form ("Tổng số tiền (viết bằng chữ)"): 1.250.000 đ is
"Một triệu hai trăm năm mươi nghìn đồng"."""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUPS = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def _below_thousand(n: int, *, full: bool) -> list[str]:
    """0 < n < 1000; `full`: a group after a higher one says its hundreds and "lẻ" ("không trăm lẻ năm")."""
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if ones and words:
            words.append("lẻ")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if ones == 1 and tens > 1:
        words.append("mốt")
    elif ones == 5 and tens > 0:
        words.append("lăm")
    elif ones:
        words.append(DIGITS[ones])
    return words


def number_words(n: int) -> str:
    """A whole number (0 <= n < 10^21) in words, lower case."""
    if n == 0:
        return DIGITS[0]
    groups: list[int] = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group:
            words += _below_thousand(group, full=bool(words))
            if GROUPS[index]:
                words.append(GROUPS[index])
    return " ".join(words)


def vnd_words(amount: int) -> str:
    """"Một triệu hai trăm năm mươi nghìn đồng" (capitalised, as the form's line is written)."""
    words = number_words(amount) + " đồng"
    return words[0].upper() + words[1:]
