"""Region codes: the national area codes (GB/T 2260) extended down to grids.

district = 6 digits (120101), street/town = 9 digits (120101001), community/village = street
+ 3 digits, grid = community + 3 digits (15 digits, as Beijing's unit-grid standard). The city
is a 6-digit code ending in zeros (120000). Plain module: no Django.
"""

CITY, DISTRICT, STREET, COMMUNITY, GRID = "city", "district", "street", "community", "grid"
LEVELS = (CITY, DISTRICT, STREET, COMMUNITY, GRID)
LEVEL_LENGTH = {DISTRICT: 6, STREET: 9, COMMUNITY: 12, GRID: 15}


class CodeError(ValueError):
    pass


def level_of(code: str) -> str:
    """The level a code belongs to, from its shape alone."""
    if not code.isdigit():
        raise CodeError(f"region code {code!r} must contain digits only")
    if len(code) == 6 and code.endswith("00"):
        return CITY
    for level, length in LEVEL_LENGTH.items():
        if len(code) == length:
            return level
    raise CodeError(f"region code {code!r} has {len(code)} digits; expected 6, 9, 12 or 15")


def parent_code(code: str, city_code: str) -> str | None:
    """The code of the parent node (None for the city)."""
    level = level_of(code)
    if level == CITY:
        return None
    if level == DISTRICT:
        return city_code
    return code[: LEVEL_LENGTH[LEVELS[LEVELS.index(level) - 1]]]


def subtree_prefix(code: str, level: str) -> str:
    """Prefix shared by the codes of every node in the subtree of ``code``."""
    if level == CITY:
        prefix = code
        while prefix.endswith("00") and len(prefix) > 2:
            prefix = prefix[:-2]
        return prefix
    return code


def ancestors(code: str) -> dict[str, str]:
    """Codes of the district, street and community above (and including) ``code``."""
    level = level_of(code)
    out = {}
    for lvl, length in LEVEL_LENGTH.items():
        if len(code) >= length and level != CITY:
            out[lvl] = code[:length]
    return out
