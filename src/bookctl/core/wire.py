"""Typed models for JSON, read leniently: the small part of pydantic's model API bookctl uses.

The client reads provider answers into typed models and writes neutral models as JSON. It
needs a handful of field types (``str``, ``int``, ``float``, ``bool``, ``Decimal``, lists,
dicts, unions with ``None``, nested models), defaults, aliases, unknown fields kept or
ignored, and pydantic's lax conversions (a number where the document shows a string, ``"2"``
where it shows ``2``). pydantic's import and the building of its validators cost about a
third of a one-request command, so the client uses this module instead, with the same names
(``model_validate``, ``model_dump``, ``model_extra``, ``Field``, ``ConfigDict``,
``BeforeValidator``, ``ValidationError``) and the same conversions; a differential test holds
it to pydantic's answers. The sandbox, a server, keeps FastAPI and pydantic.

A model's fields are its annotations; what reads each one is worked out once, on the first
model read or built, so defining models costs almost nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypedDict, dataclass_transform

__all__ = [
    "BeforeValidator",
    "ConfigDict",
    "Field",
    "Model",
    "ValidationError",
]

_MISSING: Any = object()


class ValidationError(ValueError):
    """A value that does not fit its model: each error is a ``(location, message)`` pair."""

    def __init__(self, title: str, errors: list[tuple[str, str]]) -> None:
        self.title = title
        self._errors = errors
        lines = [f"{len(errors)} validation error(s) for {title}"]
        lines += [f"  {loc or '(value)'}: {message}" for loc, message in errors]
        super().__init__("\n".join(lines))

    def error_count(self) -> int:
        return len(self._errors)

    def errors(self) -> list[tuple[str, str]]:
        return list(self._errors)


class _Invalid(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors


def _fail(message: str) -> _Invalid:
    return _Invalid([("", message)])


class ConfigDict(TypedDict, total=False):
    """A model's reading rules (the keys pydantic uses for them)."""

    #: Unknown fields: kept in ``model_extra`` ("allow"), dropped ("ignore", the default), or
    #: an error ("forbid").
    extra: typing.Literal["allow", "ignore", "forbid"]
    #: A JSON number where a string is expected is read as its text.
    coerce_numbers_to_str: bool
    #: A field with an alias may also be given under its own name.
    populate_by_name: bool
    #: Accepted for pydantic's spelling; fields are always worked out on first use.
    defer_build: bool
    arbitrary_types_allowed: bool


class BeforeValidator:
    """In ``Annotated[T, BeforeValidator(f)]``: ``f`` sees the raw value before ``T`` reads it."""

    __slots__ = ("func",)

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func


class _FieldInfo:
    __slots__ = ("alias", "default", "default_factory", "exclude", "exclude_if", "repr")

    def __init__(
        self,
        default: Any,
        default_factory: Callable[[], Any] | None,
        alias: str | None,
        exclude: bool,
        exclude_if: Callable[[Any], bool] | None,
        repr: bool,
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.exclude = exclude
        self.exclude_if = exclude_if
        self.repr = repr


def Field(
    default: Any = _MISSING,
    *,
    default_factory: Callable[[], Any] | None = None,
    alias: str | None = None,
    exclude: bool = False,
    exclude_if: Callable[[Any], bool] | None = None,
    repr: bool = True,
) -> Any:
    """A field's default (or factory), its JSON name (``alias``) and how it is written out."""
    return _FieldInfo(default, default_factory, alias, exclude, exclude_if, repr)


# -- reading values ------------------------------------------------------------------------------

Reader = Callable[[Any], Any]

#: pydantic's text forms (ASCII digits; ``_`` between digits as in Python's literals).
_INT_TEXT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")
_INT64 = 2**63
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _read_any(value: Any) -> Any:
    return value


def _read_none(value: Any) -> None:
    if value is None:
        return None
    raise _fail("input should be null")


def _read_int(value: Any) -> int:
    kind = type(value)
    if kind is int or kind is bool:
        return int(value)
    if kind is float:
        if value.is_integer() and -_INT64 <= value < _INT64:
            return int(value)
        raise _fail("input should be a whole number")
    if kind is str:
        text = value.strip()
        if _INT_TEXT.fullmatch(text):
            return int(text.split(".", 1)[0])
        raise _fail("input should be an integer")
    if isinstance(value, int):
        return int(value)
    raise _fail("input should be an integer")


def _read_float(value: Any) -> float:
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str) and value.isascii():
        try:
            return float(value)
        except ValueError:
            pass
    raise _fail("input should be a number")


def _read_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool):
        raise _fail("input should be a decimal")
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise _fail("input should be a decimal") from None
    else:
        raise _fail("input should be a decimal")
    if not number.is_finite():
        raise _fail("input should be a finite number")
    return number


def _read_bool(value: Any) -> bool:
    if value is True or value is False:
        return bool(value)
    if type(value) is int or type(value) is float:
        if value in (0, 1):
            return bool(value)
    elif isinstance(value, str):
        text = value.lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _fail("input should be a boolean")


def _reader_str(numbers: bool) -> Reader:
    def read(value: Any) -> str:
        if isinstance(value, str):
            return value
        if numbers and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return str(value)
        raise _fail("input should be a string")

    return read


def _exact(kind: Any) -> Callable[[Any], bool] | None:
    """For a union: whether a value is exactly of this member's type (tried before lax reads)."""
    if kind is int:
        return lambda v: type(v) is int
    if kind is float:
        return lambda v: type(v) in (float, int)
    if kind in (str, bool, Decimal, type(None)):
        return lambda v: type(v) is kind
    if isinstance(kind, type) and issubclass(kind, Model):
        return lambda v: isinstance(v, kind | dict)
    origin = typing.get_origin(kind)
    if origin is list:
        return lambda v: type(v) is list
    if origin is dict:
        return lambda v: type(v) is dict
    return None


def _reader(kind: Any, config: ConfigDict, owner: type) -> Reader:
    """How to read a value of type ``kind`` (resolved annotations) under ``config``."""
    if kind is Any or kind is object:
        return _read_any
    if kind is type(None) or kind is None:
        return _read_none
    if kind is bool:
        return _read_bool
    if kind is int:
        return _read_int
    if kind is float:
        return _read_float
    if kind is Decimal:
        return _read_decimal
    if kind is str:
        return _reader_str(bool(config.get("coerce_numbers_to_str")))
    if isinstance(kind, type) and issubclass(kind, Model):
        return kind._read
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin is typing.Annotated:
        inner = _reader(args[0], config, owner)
        befores = [m.func for m in args[1:] if isinstance(m, BeforeValidator)]
        if not befores:
            return inner

        def read_annotated(value: Any) -> Any:
            for before in befores:
                value = before(value)
            return inner(value)

        return read_annotated
    if origin is typing.Union or origin is types.UnionType:
        return _union_reader(args, config, owner)
    if origin is list:
        item = _reader(args[0] if args else Any, config, owner)
        return _list_reader(item)
    if origin is dict:
        value_reader = _reader(args[1] if len(args) > 1 else Any, config, owner)
        return _dict_reader(value_reader)
    raise TypeError(f"{owner.__name__}: bookctl.core.wire cannot read fields of type {kind!r}")


def _union_reader(members: tuple[Any, ...], config: ConfigDict, owner: type) -> Reader:
    optional = type(None) in members
    others = [m for m in members if m is not type(None)]
    if optional and len(others) == 1:
        only = _reader(others[0], config, owner)

        def read_optional(value: Any) -> Any:
            return None if value is None else only(value)

        return read_optional
    readers = [(_exact(m), _reader(m, config, owner)) for m in members]

    def read_union(value: Any) -> Any:
        if value is None and optional:
            return None
        for exact, read in readers:
            if exact is not None and exact(value):
                try:
                    return read(value)
                except _Invalid:
                    break
        for _exact_match, read in readers:
            try:
                return read(value)
            except _Invalid:
                continue
        raise _fail("input matches none of the allowed types")

    return read_union


def _list_reader(item: Reader) -> Reader:
    def read_list(value: Any) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise _fail("input should be a list")
        out: list[Any] = []
        errors: list[tuple[str, str]] = []
        for index, entry in enumerate(value):
            try:
                out.append(item(entry))
            except _Invalid as err:
                errors += [(_join(str(index), loc), msg) for loc, msg in err.errors]
        if errors:
            raise _Invalid(errors)
        return out

    return read_list


def _dict_reader(item: Reader) -> Reader:
    def read_dict(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _fail("input should be an object")
        out: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for key, entry in value.items():
            if not isinstance(key, str):
                errors.append((str(key), "keys should be strings"))
                continue
            try:
                out[key] = item(entry)
            except _Invalid as err:
                errors += [(_join(key, loc), msg) for loc, msg in err.errors]
        if errors:
            raise _Invalid(errors)
        return out

    return read_dict


def _join(head: str, tail: str) -> str:
    return f"{head}.{tail}" if tail else head


# -- models --------------------------------------------------------------------------------------


class _Slot:
    """One field of a model: its name, the keys it is read from, its reader and default."""

    __slots__ = ("default", "exclude", "exclude_if", "factory", "keys", "name", "read", "repr")

    def __init__(self, name: str, keys: tuple[str, ...], read: Reader, info: _FieldInfo) -> None:
        self.name = name
        self.keys = keys
        self.read = read
        self.default = info.default
        self.factory = info.default_factory
        self.exclude = info.exclude
        self.exclude_if = info.exclude_if
        self.repr = info.repr

    def missing(self) -> Any:
        if self.factory is not None:
            return self.factory()
        default = self.default
        if type(default) in (list, dict, set):
            return default.copy()
        return default


class _Plan:
    __slots__ = ("extra", "keys", "slots")

    def __init__(self, slots: list[_Slot], extra: str) -> None:
        self.slots = slots
        self.extra = extra
        self.keys = frozenset(key for slot in slots for key in slot.keys)


@dataclass_transform(kw_only_default=True, field_specifiers=(Field,))
class Model:
    """A typed JSON object; subclasses declare fields as annotations (pydantic-style)."""

    model_config: ClassVar[ConfigDict] = {}
    __plan__: ClassVar[_Plan | None] = None

    def __init__(self, **data: Any) -> None:
        self._fill(data, by_name=True)

    @classmethod
    def model_validate(cls, data: Any) -> typing.Self:
        """Read ``data`` (a JSON object) into the model; raises :class:`ValidationError`."""
        try:
            return cls._read(data)
        except _Invalid as err:
            raise ValidationError(cls.__name__, err.errors) from None

    @classmethod
    def _read(cls, data: Any) -> typing.Self:
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict):
            raise _fail("input should be an object")
        model = cls.__new__(cls)
        model._fill(data, by_name=False, raising=False)
        return model

    def _fill(self, data: dict[str, Any], *, by_name: bool, raising: bool = True) -> None:
        plan = type(self)._plan()
        values = self.__dict__
        errors: list[tuple[str, str]] = []
        for slot in plan.slots:
            keys = (slot.name, *slot.keys) if by_name else slot.keys
            for key in keys:
                if key in data:
                    try:
                        values[slot.name] = slot.read(data[key])
                    except _Invalid as err:
                        errors += [(_join(key, loc), msg) for loc, msg in err.errors]
                    break
            else:
                if slot.default is _MISSING and slot.factory is None:
                    errors.append((slot.keys[0], "field required"))
                else:
                    values[slot.name] = slot.missing()
        extra: dict[str, Any] | None = None
        if plan.extra != "ignore":
            known = plan.keys
            unknown = [key for key in data if key not in known and key not in values]
            if unknown and plan.extra == "forbid":
                errors += [(key, "extra fields not permitted") for key in unknown]
            elif plan.extra == "allow":
                extra = {key: data[key] for key in unknown}
        values["__model_extra__"] = extra
        if errors:
            if raising:
                raise ValidationError(type(self).__name__, errors)
            raise _Invalid(errors)

    @classmethod
    def _plan(cls) -> _Plan:
        plan = cls.__dict__.get("__plan__")
        if plan is None:
            plan = cls._build_plan()
            cls.__plan__ = plan
        return plan

    @classmethod
    def _build_plan(cls) -> _Plan:
        config: ConfigDict = {}
        for base in reversed(cls.__mro__):
            config.update(base.__dict__.get("model_config", {}))
        hints = typing.get_type_hints(cls, include_extras=True)
        slots: list[_Slot] = []
        for name, kind in hints.items():
            if name.startswith("_") or name == "model_config":
                continue
            if typing.get_origin(kind) is ClassVar or kind is ClassVar:
                continue
            declared = _class_default(cls, name)
            info = (
                declared
                if isinstance(declared, _FieldInfo)
                else _FieldInfo(declared, None, None, False, None, True)
            )
            keys: tuple[str, ...] = (info.alias,) if info.alias else (name,)
            if info.alias and config.get("populate_by_name"):
                keys = (info.alias, name)
            slots.append(_Slot(name, keys, _reader(kind, config, cls), info))
        return _Plan(slots, config.get("extra", "ignore"))

    @property
    def model_extra(self) -> dict[str, Any] | None:
        """The unknown fields read (models that keep them), else ``None``."""
        extra: dict[str, Any] | None = self.__dict__.get("__model_extra__")
        return extra

    def model_dump(
        self,
        *,
        mode: typing.Literal["python", "json"] = "python",
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """The fields as a dict (nested models too); ``mode="json"`` gives JSON values only."""
        keep = None if include is None else set(include)
        drop = set(exclude or ())
        json = mode == "json"
        out: dict[str, Any] = {}
        values = self.__dict__
        for slot in type(self)._plan().slots:
            name = slot.name
            if slot.exclude or name in drop or (keep is not None and name not in keep):
                continue
            value = values[name]
            if slot.exclude_if is not None and slot.exclude_if(value):
                continue
            out[name] = _dump(value, json)
        for key, value in (self.model_extra or {}).items():
            if key not in drop and (keep is None or key in keep):
                out[key] = _dump(value, json)
        return out

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        values = self.__dict__
        shown = ", ".join(
            f"{slot.name}={values.get(slot.name)!r}"
            for slot in type(self)._plan().slots
            if slot.repr
        )
        return f"{type(self).__name__}({shown})"


def _class_default(cls: type, name: str) -> Any:
    for base in cls.__mro__:
        if name in base.__dict__:
            return base.__dict__[name]
    return _MISSING


def _dump(value: Any, json: bool) -> Any:
    if isinstance(value, Model):
        return value.model_dump(mode="json" if json else "python")
    if isinstance(value, list | tuple):
        return [_dump(v, json) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v, json) for k, v in value.items()}
    if json:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
    return value
