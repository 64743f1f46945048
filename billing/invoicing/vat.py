"""VAT arithmetic in minor units, and checking the seller's VAT or tax number (python-stdnum)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.hu import anum

# The last two digits of a Hungarian tax number: the regional tax directorate (02-20, 22) or the large
# taxpayers' and special offices (41-44, 51).
HU_COUNTY_CODES = frozenset([f"{code:02d}" for code in range(2, 21)] + ["22", "41", "42", "43", "44", "51"])


@dataclass(frozen=True)
class LineAmounts:
    net: int
    vat: int
    gross: int


def split_gross(gross: int, rate_bp: int) -> LineAmounts:
    """The VAT contained in a gross amount at `rate_bp` basis points, rounded half up to the minor unit; the net
    is what is left, so net + vat == gross exactly."""
    if gross < 0 or rate_bp < 0:
        raise ValueError("amounts and rates are not negative")
    denominator = 10000 + rate_bp
    vat = (2 * gross * rate_bp + denominator) // (2 * denominator)  # round half up, integers only
    return LineAmounts(net=gross - vat, vat=vat, gross=gross)


def normalise_tax_number(value: str) -> str | None:
    """The VAT number in its compact form if it is a valid EU VAT number (with its country prefix) or a valid
    Hungarian tax number (adószám, 11 digits: 8-1-2); None if it is neither."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return eu_vat.validate(value)
    except StdnumError:
        pass
    digits = re.sub(r"[\s-]", "", value)
    # adószám: the 8-digit base number (its check digit is ANUM's), the VAT status 1-5, the tax office's code.
    if len(digits) != 11 or not digits.isdigit() or digits[8] not in "12345" or digits[9:] not in HU_COUNTY_CODES:
        return None
    try:
        anum.validate(digits[:8])
    except StdnumError:
        return None
    return f"{digits[:8]}-{digits[8]}-{digits[9:]}"
