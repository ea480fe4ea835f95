"""Re-exports imported when first used, for the ``__init__`` modules of searchkit's packages.

Importing every stage up front (Whoosh, numpy, the readers, the writer, the sharded search…)
made ``import searchkit`` cost about 250 ms before the caller asked for anything, and a
one-shot search paid for modules it never runs. A package instead lists its public names by
the module that defines them (:func:`lazy_exports`); a name's module is imported when the name
is first looked up (PEP 562 ``__getattr__``), and the value is then kept on the package, so
later lookups are plain attribute reads. A submodule is imported when first named too
(``import searchkit; searchkit.search.parse_query`` works as it did when everything was eager).

Type checkers and readers see the same names in an ``if TYPE_CHECKING:`` block of ordinary
imports beside the table; ``tests/test_startup.py`` checks that the two agree and that every
name of ``__all__`` resolves.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, which re-exports ``exports``
    (module name -> the names it defines), each module imported when one of its names is
    first looked up.

    >>> getattr_, dir_ = lazy_exports("searchkit", {"searchkit._version": ("__version__",)})
    >>> getattr_("__version__") == __import__("searchkit._version").__version__
    True
    """
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:  # a subpackage, as after an eager import (`searchkit.index.Index`)
            try:
                return importlib.import_module(f"{package}.{name}")
            except ModuleNotFoundError as e:
                if e.name != f"{package}.{name}":
                    raise
                raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
