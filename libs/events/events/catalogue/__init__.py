"""The event catalogue: every event type, its schema version, and the upcasters of older versions.

An event is a frozen pydantic model declared once, e.g.::

    class RequestReceived(DomainEvent, type="intake.RequestReceived", version=2):
        request_id: UUID
        ...

A stored event of an older version is upgraded on read by the chain of upcasters registered
with :func:`upcaster` (pure ``dict -> dict`` functions, one per version step), so history
written years ago still decodes into today's model. Stored bytes are never rewritten.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
PII_CATEGORIES = ("contractual", "billing", "prospection", "complaint", "call_recording")
"""Data categories of personal fields: each has its own key per data subject, and its own
retention (docs/domain.md §15), so one can be erased while another must legally stay."""
DEFAULT_PII_CATEGORY = "contractual"
ERASED = "[erased]"
"""What an erased personal field reads as where the model does not accept ``None``."""


class UnknownEventType(LookupError):
    """No model is registered under this type name (or the stored version is from the future)."""


class DomainEvent(BaseModel):
    """Base of every catalogued event: frozen, unknown fields refused.

    Class keywords: ``type`` (stable name ``<context>.<PastTenseName>``), ``version`` (schema
    version, starts at 1), ``pii`` (names of top-level fields holding personal data: they are
    handed to the payload protector, which encrypts them per data subject), ``subject_field``
    (the field naming the data subject whose key protects the ``pii`` fields).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int]
    pii_fields: ClassVar[frozenset[str]] = frozenset()
    pii_categories: ClassVar[Mapping[str, str]] = {}
    subject_field: ClassVar[str | None] = None

    def __init_subclass__(
        cls,
        *,
        type: str | None = None,
        version: int = 1,
        pii: tuple[str, ...] = (),
        pii_category: str = DEFAULT_PII_CATEGORY,
        pii_categories: Mapping[str, str] | None = None,
        subject_field: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if type is None:
            return
        cls.event_type = type
        cls.schema_version = version
        cls.pii_fields = frozenset(pii)
        categories = {field: pii_category for field in sorted(pii)} | dict(pii_categories or {})
        unknown = set(categories.values()) - set(PII_CATEGORIES)
        if unknown or set(categories) != cls.pii_fields:
            raise TypeError(f"{cls.__name__}: pii categories {categories} (known: {PII_CATEGORIES})")
        cls.pii_categories = MappingProxyType(categories)
        cls.subject_field = subject_field

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        unknown = cls.pii_fields - set(cls.model_fields)
        if unknown:
            raise TypeError(f"{cls.__name__}: pii names unknown fields {sorted(unknown)}")
        if "event_type" in cls.__dict__:
            REGISTRY.register(cls)


class Registry:
    """Type name -> current model, plus upcasters keyed by (type name, from_version)."""

    def __init__(self) -> None:
        self._models: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._erased: dict[tuple[str, str], Any] = {}

    def register(self, model: type[DomainEvent]) -> None:
        existing = self._models.get(model.event_type)
        if existing is not None and existing.__qualname__ != model.__qualname__:
            raise TypeError(f"event type {model.event_type!r} registered twice")
        self._models[model.event_type] = model

    def add_upcaster(self, event_type: str, from_version: int, function: Upcaster) -> None:
        self._upcasters[(event_type, from_version)] = function

    def knows(self, event_type: str) -> bool:
        return event_type in self._models

    def model(self, event_type: str) -> type[DomainEvent]:
        try:
            return self._models[event_type]
        except KeyError:
            raise UnknownEventType(f"unknown event type {event_type!r}") from None

    def upcast(self, event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
        """Bring ``data`` stored at ``version`` up to the current model's version."""
        current = self.model(event_type).schema_version
        if version > current:
            raise UnknownEventType(f"{event_type} v{version} is newer than this code's v{current}")
        while version < current:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise UnknownEventType(f"no upcaster for {event_type} v{version}")
            data = step(data)
            version += 1
        return data

    def decode(self, event_type: str, version: int, data: dict[str, Any]) -> DomainEvent:
        model = self.model(event_type)
        return model.model_validate(self.upcast(event_type, version, data))

    def erased_value(self, event_type: str, field: str) -> Any:
        """What ``field`` reads as once its key is destroyed (or unreachable to this reader):
        ``None`` where the model accepts it, else :data:`ERASED`, an empty mapping or
        sequence, so an erased event still decodes and folds."""
        cached = self._erased.get((event_type, field), _UNSET)
        if cached is not _UNSET:
            return cached
        info = self.model(event_type).model_fields.get(field) if self.knows(event_type) else None
        value: Any = None
        if info is not None:
            adapter: TypeAdapter[Any] = TypeAdapter(info.annotation or Any)
            candidates: tuple[Any, ...] = (None, ERASED, {}, ())
            for candidate in candidates:
                try:
                    adapter.validate_python(candidate)
                except ValidationError:
                    continue
                value = candidate
                break
        self._erased[(event_type, field)] = value
        return value

    def __iter__(self) -> Iterator[type[DomainEvent]]:
        return iter(sorted(self._models.values(), key=lambda m: m.event_type))

    def context_of(self, event_type: str) -> str:
        return event_type.split(".", 1)[0]


_UNSET = object()
REGISTRY = Registry()


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register ``function`` as the step from ``from_version`` to ``from_version + 1``."""

    def decorate(function: Upcaster) -> Upcaster:
        REGISTRY.add_upcaster(event_type, from_version, function)
        return function

    return decorate


def load_all() -> Registry:
    """Import every producer's catalogue module (each module of this package) so the registry
    is complete: a new context's module is found without being named here."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY
