"""Field-level findings, collected rather than raised so an API can report every field."""

from dataclasses import dataclass

from intake.domain.vocabulary import DataAnomaly

BLOCKING_ANOMALIES = frozenset({DataAnomaly.MISSING, DataAnomaly.ERRONEOUS})


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with one field. `field` is the attribute name of the checked object."""

    field: str
    message: str
    kind: DataAnomaly = DataAnomaly.ERRONEOUS

    @property
    def blocking(self) -> bool:
        """Missing or erroneous data blocks customer creation; obsolete data only alerts."""
        return self.kind in BLOCKING_ANOMALIES


def missing(field: str, message: str | None = None) -> FieldProblem:
    return FieldProblem(field, message or f"{field} is required", DataAnomaly.MISSING)


def is_blank(value: object) -> bool:
    """None, a string with nothing but whitespace, or an empty tuple/list."""
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, tuple | list | frozenset | set):
        return not value
    return value is None
