"""Annotations that cost nothing at import.

``import typing`` and ``typing.NamedTuple`` class creation take several
milliseconds, more than the rest of ``import psoxide``. The package's modules use
``from __future__ import annotations`` (annotations stay strings until someone asks
for them) and name typing's objects through ``typing`` below, which imports the
real module only when an annotation is evaluated (``typing.get_type_hints``,
``inspect.get_annotations(eval_str=True)``). ``NamedTuple`` builds the same class
``typing.NamedTuple`` builds (a ``collections.namedtuple`` with the annotations,
defaults, docstring and extra methods of the class body) without typing's checks of
each annotation.
"""

import collections as _collections


class _LazyTyping:
    """Stands for the ``typing`` module; imports it at the first attribute lookup."""

    __slots__ = ()

    def __getattr__(self, name):
        import typing as real

        return getattr(real, name)

    def __repr__(self):
        return "<the typing module, imported when an annotation is evaluated>"


typing = _LazyTyping()

# What a class body may not redefine, and what it defines that is not copied.
_RESERVED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields",
                       "_field_defaults", "_make", "_replace", "_asdict", "_source"})
_NOT_COPIED = frozenset({"__module__", "__qualname__", "__annotations__", "__annotate__",
                         "__orig_bases__", "__static_attributes__", "__firstlineno__",
                         "__classdictcell__"})


class _NamedTupleMeta(type):
    def __new__(mcls, name, bases, ns):
        annotations = ns.get("__annotations__")
        if annotations is None and "__annotate__" in ns:
            annotations = ns["__annotate__"](1)
        annotations = dict(annotations or {})
        defaults = []
        for field in annotations:
            if field in ns:
                defaults.append(ns[field])
            elif defaults:
                raise TypeError(f"{name}: field {field!r} without a default follows one with a default")
        cls = _collections.namedtuple(name, list(annotations), defaults=defaults or None,
                                      module=ns["__module__"])
        cls.__annotations__ = annotations
        cls.__qualname__ = ns.get("__qualname__", name)
        for key, value in ns.items():
            if key in _RESERVED:
                raise AttributeError(f"{name}: cannot overwrite NamedTuple attribute {key}")
            if key not in _NOT_COPIED and key not in annotations:
                setattr(cls, key, value)
        return cls


# Made without running the metaclass's __new__ (which would make it a named tuple).
_Base = type.__new__(_NamedTupleMeta, "NamedTuple", (), {})


def NamedTuple(*args, **kwargs):  # noqa: N802 - typing's name
    """Only a base class here: ``class T(NamedTuple): field: type``."""
    raise TypeError("psoxide._lazy.NamedTuple is a base class for class statements only")


NamedTuple.__mro_entries__ = lambda bases: (_Base,)
