"""A secret setting's value: kept, never shown.

The settings' own type (config.py builds its settings without pydantic: issue 21), with the part of pydantic's
``SecretStr`` the code uses: ``get_secret_value()``, a masked ``repr`` and ``str``, equality and hash by value.
"""

MASK = "**********"


class SecretStr:
    """A string that prints as ``**********``; ``get_secret_value()`` is the one way to read it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK if self._value else ""

    def __repr__(self) -> str:
        return f"SecretStr({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        return len(self._value)
