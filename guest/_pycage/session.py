"""Saving the user's Python session, and bringing it back in a fresh interpreter.

The page asks the worker for the session (``export_session``) and keeps the
bytes; later a fresh interpreter (same boot snapshot, this runtime installed,
same Python) reads them (``open_session``) and brings them back
(``Session.restore``). docs/sessions-research.md chose how: pickle the names
the user's cells made in ``__main__``. Functions and classes defined in cells
go by value, modules by name, and whatever cannot be saved or restored is
named in a ``skipped`` list with a reason. No single object fails the whole
session.

Format::

    MAGIC | format version (u16 LE) | header length (u32 LE) | header
    | values (one pickle stream) | the files' contents, one after another

The header is a pickle of plain data (dicts, lists, str, int, None), read by
an unpickler that refuses every global, so reading it imports and runs
nothing: the worker can learn the packages before it loads them. It has the
Python version, the packages (and the modules each provides), the cell
count, the working directory, the source of the cells whose code is saved,
one entry per name (its byte range in the values and the memo's size after
it), the skipped entries, and each file's path, size and mtime.

Values: one Pickler dumps each name in turn (a 1-tuple around the value) and
keeps its memo across dumps, so an object two names hold is written once and
comes back as one object (``b is a``; an instance's class is the restored
class). One Unpickler loads the dumps one at a time: its memo persists across
load() calls too (C ``_pickle``: load() resets the stack and the marks, never
the memo). A module's namespace (``globals()``, the builtins that exec puts
in a dict) is saved as a persistent ID naming the module.

Failures at export: each name is first pickled alone into a counter that
keeps no bytes. A value that fails there, or alone is over max_bytes, is
skipped and never reaches the shared stream, so nothing has to be taken back
out of it (a C pickler's memo can be neither shrunk nor measured). Those sizes
also decide what fits in max_bytes. A name that pickles alone but fails in
the shared pass (its pickling differs between calls) restarts that pass
without it. The memo's size after a dump is read by dumping the wrapper once
more into a scratch buffer: memoized last, it is written as one reference,
to index size - 1.

Failures at restore: a new Unpickler takes over (the old one may hold unread
bytes of the failed dump), its memo seeded with the old one's entries and,
for the failed dump's indices (known from the header), with what can be had
without loading it: strings, bytes and module-level globals, read from its
opcodes. Every other entry of it is a stand-in. A later dump that takes a
stand-in (its reference count goes up) needed an object of the failed name,
and is skipped too ("needs x"); dumps that only share strings or classes of
modules with it load as usual. Names are dumped fewest third-party modules
first, so an object shared with a name that needs a missing package (a numpy
dtype inside a DataFrame) belongs to the name that can still be restored.

What does not come back: generators, coroutines, files, locks, sockets,
threads, live JavaScript objects (skipped with a reason), and what holds one
of them. A name that shares an object, other than a string or a module's
class or function, with a name that failed to load is skipped with it.
Values run user code (``__reduce__``) when pickled, once alone and once in
the shared pass, and again when loaded. Cell source is kept only for cells
whose code is saved, so tracebacks through restored functions show their
lines and a session grows with its state, not with the number of cells.
"""

import _thread
import enum
import functools
import importlib
import io
import linecache
import marshal
import os
import pickle
import re
import struct
import sys
import types

MAGIC = b"PYCAGE-SESSION-PY\x00"
FORMAT_VERSION = 1
PROTOCOL = 5
_PREFIX = struct.Struct("<HI")  # format version, header length
# Python's and the runtime's own (`__warningregistry__`: the warnings
# module's record of what it has shown).
NEVER_SAVED = frozenset(
    ("__builtins__", "__name__", "__doc__", "__spec__", "__loader__", "__package__", "_pycage", "__warningregistry__")
)
MAX_REASON = 200
# Header bytes charged to max_bytes: a fixed part, and a generous bound on
# what one entry (a name, a file, a skip, a cell's source) costs besides its
# own text, so that a finished session never exceeds max_bytes.
_HEADER_BASE = 512
_ENTRY = 64
_HEAPTYPE = 1 << 9
_CELL_FILE = re.compile(r"<cell-\d+>")
# Class dict entries that type() makes itself, so a restored class gets its own.
_NOT_COPIED = frozenset(("__dict__", "__weakref__", "_abc_impl"))
_SLOT_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
# Class dict entries passed when the class is made rather than set after.
_AT_CREATION = ("__module__", "__qualname__", "__slots__", "__firstlineno__", "__static_attributes__")
_FUNCTION_ATTRIBUTES = (
    "__qualname__",
    "__module__",
    "__doc__",
    "__defaults__",
    "__kwdefaults__",
    "__annotations__",
    "__annotate__",
    "__type_params__",
)
_UNSAVEABLE = {
    types.GeneratorType: "cannot save a generator",
    types.CoroutineType: "cannot save a coroutine",
    types.AsyncGeneratorType: "cannot save an async generator",
    types.FrameType: "cannot save a stack frame",
    types.TracebackType: "cannot save a traceback",
    type(_thread.allocate_lock()): "cannot save a lock",
    type(_thread.RLock()): "cannot save a lock",
}


class SessionFormatError(ValueError):
    """The bytes are not a session that this runtime can restore."""


class _Unsaveable(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class _TooBig(Exception):
    pass


class _Failed(Exception):
    """A name that pickled alone failed in the shared pass."""

    def __init__(self, index, reason):
        super().__init__(reason)
        self.index = index
        self.reason = reason


# The boot namespace


_boot = None


def remember_boot_namespace():
    """Records what ``__main__`` holds before the user's first cell, so that
    exports leave it out. The first call wins: run_cell makes it on the first
    cell, and a restore makes it before loading names, which then count as
    the user's."""
    global _boot
    if _boot is None:
        _boot = dict(_main_namespace())


def _main_namespace():
    return sys.modules["__main__"].__dict__


def _runtime():
    """The capture runtime package (``_pycage``), which keeps the cell count."""
    return sys.modules.get(__name__.rpartition(".")[0])


def _user_names(main):
    boot = _boot or {}
    names = []
    for name, value in list(main.items()):
        if not isinstance(name, str) or name in NEVER_SAVED:
            continue
        if name in boot and boot[name] is value:
            continue
        names.append(name)
    return names


# Export


def export_session(workdir, packages, max_bytes):
    """The session as bytes, at most ``max_bytes`` of them: the names the
    user's cells made or rebound in ``__main__``, the regular files under
    ``workdir``, the cell count, the source of cells whose code is saved, the
    working directory (if inside workdir) and ``packages`` (the Pyodide
    packages loaded). What cannot be saved is listed in the header's skipped
    entries. Raises ValueError only when max_bytes cannot hold the header."""
    remember_boot_namespace()
    main = _main_namespace()
    packages = [str(p) for p in packages]
    modules = _package_modules(packages)
    fixed = _HEADER_BASE + len(os.fsencode(workdir)) + len(repr(modules)) + sum(len(p) + _ENTRY for p in packages)
    budget = _Budget(max_bytes, fixed)
    skipped = []
    spaces = _namespaces(main)
    trials = _trial(main, spaces, _user_names(main), max_bytes, budget, skipped)
    stream, entries, cells = _dump_values(trials, main, spaces, budget, skipped)
    files, blobs = _collect_files(workdir, budget, skipped)
    header = {
        "python": list(sys.version_info[:2]),
        "packages": packages,
        "package_modules": modules,
        "cell_count": int(getattr(_runtime(), "_cell_count", 0)),
        "cwd": _relative_cwd(workdir),
        "linecache": _cell_sources(cells, budget),
        "values": entries,
        "values_size": len(stream),
        "files": files,
        "skipped": skipped,
    }
    data = _assemble(header, stream, blobs)
    if len(data) > max_bytes:  # the estimates were short: drop what matters least
        header["linecache"] = {}
        data = _assemble(header, stream, blobs)
    if len(data) > max_bytes:
        raise ValueError(f"max_bytes ({max_bytes}) cannot hold this session's header ({len(data)} bytes)")
    return data


class _Budget:
    """Bytes of max_bytes spent so far, as values, files and entries are added."""

    def __init__(self, limit, used):
        self.limit = limit
        self.used = used

    def fits(self, size):
        return self.used + size <= self.limit

    def take(self, size):
        self.used += size


def _skip(skipped, budget, name, reason):
    skipped.append({"name": name, "reason": reason})
    budget.take(len(name.encode("utf-8", "surrogatepass")) + len(reason.encode()) + _ENTRY)


def _over_limit(budget):
    return f"the session would be over its size limit ({budget.limit} bytes)"


def _namespaces(main):
    spaces = {id(main): ("__main__", main)}
    for name, module in list(sys.modules.items()):
        space = getattr(module, "__dict__", None)
        if type(space) is dict and id(space) not in spaces:
            spaces[id(space)] = (name, space)
    return spaces


def _trial(main, spaces, names, max_bytes, budget, skipped):
    """Pickles each name alone into a counter (no bytes kept): what fails, or
    alone is over max_bytes, is skipped here. Returns (name, value, size),
    those needing the fewest third-party modules first."""
    kept = []
    for index, name in enumerate(names):
        value = main[name]
        counter = _Counter(max_bytes)
        pickler = _Pickler(counter, main, spaces)
        try:
            pickler.dump((value,))
        except _TooBig:
            reason = f"too large to save (over {max_bytes} bytes)"
        except Exception as exc:
            reason = _reason_of(exc)
        else:
            kept.append((len(pickler.modules), index, name, value, counter.size))
            continue
        _skip(skipped, budget, name, reason)
    kept.sort(key=lambda entry: entry[:2])
    return [entry[2:] for entry in kept]


def _dump_values(trials, main, spaces, budget, skipped):
    """The shared stream of the names that fit: (bytes, entries, cell files)."""
    chosen = []  # (name, value, size alone, what it was charged)
    for name, value, size in trials:
        cost = size + len(name.encode("utf-8", "surrogatepass")) + _ENTRY
        if budget.fits(cost):
            budget.take(cost)
            chosen.append((name, value, size, cost))
        else:
            _skip(skipped, budget, name, _over_limit(budget))
    while True:
        try:
            stream, entries, cells = _shared_stream(chosen, main, spaces)
        except _Failed as failed:
            name, _, _, cost = chosen.pop(failed.index)
            budget.take(-cost)
            _skip(skipped, budget, name, failed.reason)
            continue
        # Sharing makes the stream smaller than the sizes alone add up to,
        # but memo references to high indices are 3 bytes longer: rarely over.
        extra = len(stream) - sum(entry[2] for entry in chosen)
        if budget.fits(extra) or not chosen:
            budget.take(extra)
            return stream, entries, cells
        name, _, _, cost = chosen.pop()
        budget.take(-cost)
        _skip(skipped, budget, name, _over_limit(budget))


def _shared_stream(chosen, main, spaces):
    sink = _Sink()
    pickler = _Pickler(sink, main, spaces)
    entries = []
    for index, (name, value, _, _) in enumerate(chosen):
        start = sink.out.tell()
        wrapper = (value,)
        try:
            pickler.dump(wrapper)
        except Exception as exc:
            raise _Failed(index, _reason_of(exc)) from None
        entries.append([name, start, sink.out.tell(), _memo_size(pickler, sink, wrapper)])
    return sink.out.getvalue(), entries, pickler.cells


def _memo_size(pickler, sink, wrapper):
    """How many objects the pickler's memo holds. ``wrapper`` was memoized
    last, so dumping it again writes only a reference to its memo index."""
    import pickletools

    probe = io.BytesIO()
    sink.target = probe.write
    try:
        pickler.dump(wrapper)
    finally:
        sink.target = sink.out.write
    for op, arg, _ in pickletools.genops(probe.getvalue()):
        if op.name in ("BINGET", "LONG_BINGET", "GET"):
            return int(arg) + 1
    raise pickle.PicklingError("could not read the pickler's memo size")


class _Sink:
    """The shared stream's file. The pickler keeps the bound ``write`` it was
    given, so a probe is redirected here, not by swapping files."""

    def __init__(self):
        self.out = io.BytesIO()
        self.target = self.out.write

    def write(self, data):
        return self.target(data)


class _Counter:
    """A file that counts what is written, keeps nothing, and stops a dump
    as soon as it is over the limit (a huge value costs no memory)."""

    def __init__(self, limit):
        self.limit = limit
        self.size = 0

    def write(self, data):
        with memoryview(data) as view:
            size = view.nbytes
        self.size += size
        if self.size > self.limit:
            raise _TooBig
        return size


def _reason_of(exc):
    return exc.reason if isinstance(exc, _Unsaveable) else _describe(exc)


def _describe(exc):
    """An exception as one short line: its type and message."""
    try:
        message = str(exc)
    except Exception:
        message = ""
    text = " ".join(f"{type(exc).__name__}: {message}".split()).rstrip(":")
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


# The pickler


class _Pickler(pickle.Pickler):
    """Pickle, except: functions and classes that cannot be found again by
    module and name (those of cells) go by value, modules by name, and what
    can never be saved raises _Unsaveable with a reason a person can read."""

    def __init__(self, file, main, namespaces):
        super().__init__(file, protocol=PROTOCOL)
        self.main = main
        self.namespaces = namespaces  # id(a module's dict) -> (its name, the dict)
        self.refs = _singletons()
        self.cells = set()  # "<cell-N>" files of code saved by value
        self.modules = set()  # third-party modules needed, to order the names
        self.foreign = {}  # id(globals) -> (globals, the dict restored for them)
        self.substitutes = {}  # id(cell) -> (cell, the cell saved instead)

    def persistent_id(self, obj):
        # A module's namespace (globals(), vars(module), the builtins that
        # exec puts in a dict) is the restoring interpreter's own, found by
        # the module's name. Dicts never reach reducer_override.
        if type(obj) is dict:
            entry = self.namespaces.get(id(obj))
            if entry is not None and entry[1] is obj:
                self.need(entry[0])
                return entry[0]
        return None

    def reducer_override(self, obj):
        # The C pickler calls this for every object but None, bools and the
        # exact int, float, str, bytes, bytearray, list, tuple, dict, set
        # and frozenset.
        kind = type(obj)
        ref = self.refs.get(id(obj))
        if ref is not None and ref[2] is obj:
            return _module_attribute, ref[:2]
        if kind is types.FunctionType or isinstance(obj, type):
            if not _by_value(obj):
                self.need(obj.__module__)
                return NotImplemented
            return self._class(obj) if isinstance(obj, type) else self._function(obj)
        reduce = _REDUCERS.get(kind)
        if reduce is not None:
            return reduce(self, obj)
        if isinstance(obj, property):
            return kind, (obj.fget, obj.fset, obj.fdel, obj.__doc__)
        reason = _unsaveable(obj, kind)
        if reason:
            raise _Unsaveable(reason)
        return NotImplemented

    def need(self, module):
        top = module.partition(".")[0] if isinstance(module, str) else ""
        if top and top not in sys.stdlib_module_names and top not in ("__main__", __name__.partition(".")[0]):
            self.modules.add(top)

    def _function(self, func):
        state = {
            "__qualname__": func.__qualname__,
            "__module__": func.__module__,
            "__doc__": func.__doc__,
            "__defaults__": func.__defaults__,
            "__kwdefaults__": func.__kwdefaults__,
        }
        if func.__dict__:
            state["__dict__"] = func.__dict__
        # Python 3.14 computes annotations on demand: keep the function that
        # computes them rather than evaluate them (a forward reference raises).
        annotate = getattr(func, "__annotate__", None)
        if annotate is not None:
            state["__annotate__"] = annotate
        elif func.__annotations__:
            state["__annotations__"] = func.__annotations__
        if getattr(func, "__type_params__", ()):
            state["__type_params__"] = func.__type_params__
        where = self._globals_ref(func, state)
        # The closure's cells go in the arguments (a function cannot be given
        # other cells later); a cell's contents come after it is memoized,
        # so a closure that holds its own function comes back.
        args = (func.__code__, where, func.__name__, self._closure(func))
        return _make_function, args, state, None, None, _set_function_state

    def _closure(self, func):
        """The function's cells, except that a ``__classdict__`` cell
        (Python 3.14's annotation functions of a class and its methods) holds
        the class's own dict, with its descriptors, which cannot be pickled:
        it becomes a cell holding a copy without them (one per original cell,
        so that the functions of a class still share it)."""
        closure = func.__closure__
        names = func.__code__.co_freevars
        if not closure or "__classdict__" not in names:
            return closure
        index = names.index("__classdict__")
        cell = closure[index]
        if id(cell) not in self.substitutes:
            try:
                namespace = dict(cell.cell_contents)
            except (ValueError, TypeError):  # empty, or not a dict: kept as it is
                return closure
            copy = {k: v for k, v in namespace.items() if k not in _NOT_COPIED and type(v) not in _SLOT_DESCRIPTORS}
            self.substitutes[id(cell)] = (cell, types.CellType(copy))
        return closure[:index] + (self.substitutes[id(cell)][1],) + closure[index + 1 :]

    def _globals_ref(self, func, state):
        """Where the restored function finds its globals: ``__main__`` (the
        restoring interpreter's namespace) or another module, by name; for a
        module that cannot be imported, a dict its functions share, given
        the names each of them uses."""
        found = func.__globals__
        if found is self.main:
            return "__main__"
        name = found.get("__name__")
        module = sys.modules.get(name) if isinstance(name, str) else None
        if module is not None and getattr(module, "__dict__", None) is found:
            self.need(name)
            return name
        if id(found) not in self.foreign:
            self.foreign[id(found)] = (found, {"__name__": name})
        state["globals"] = {n: found[n] for n in _global_names(func.__code__) if n in found}
        return self.foreign[id(found)][1]

    def _class(self, cls):
        items = {"__qualname__": cls.__qualname__}
        for key, value in vars(cls).items():
            # Slots' and __dict__'s descriptors belong to the class that
            # type() makes: the restored class makes its own from __slots__.
            if key in _NOT_COPIED or (type(value) in _SLOT_DESCRIPTORS and value.__objclass__ is cls):
                continue
            items[key] = value
        if isinstance(cls, enum.EnumMeta):
            return _make_enum, (type(cls), cls.__name__, cls.__bases__, *_enum_parts(cls, items))
        create = {key: items.pop(key) for key in _AT_CREATION if key in items}
        return _make_class, (type(cls), cls.__name__, cls.__bases__, create), items, None, None, _set_class_state


def _by_value(obj):
    """True for a function or class that pickle could not find again by
    module and qualified name: made in a cell (``__main__``), inside a
    function (``<locals>``), or in a module that is gone or was reloaded."""
    if isinstance(obj, type) and not obj.__flags__ & _HEAPTYPE:
        return False  # a C type: by name, or pickle's own error
    module = getattr(obj, "__module__", None)
    if module == "__main__":
        return True
    found = sys.modules.get(module) if isinstance(module, str) else None
    try:
        for part in obj.__qualname__.split("."):
            found = getattr(found, part)
    except Exception:
        return True
    return found is not obj


def _global_names(code):
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _enum_parts(cls, items):
    """An enum's members (name -> value) and its other class entries: an
    enum class must be made with its members, and the enum machinery makes
    its own bookkeeping entries."""
    members = {name: member._value_ for name, member in cls._member_map_.items()}
    internal = _enum_internals() | set(members)
    return members, {key: value for key, value in items.items() if key not in internal}


@functools.cache
def _enum_internals():
    return frozenset(vars(enum.Enum("_Probe", "A"))) - {"__module__", "__doc__", "__qualname__"}


@functools.cache
def _singletons():
    """Module-level marker objects of dataclasses (MISSING, KW_ONLY, the
    field kinds, the empty metadata): dataclass machinery compares them by
    identity, so they are saved by name. id -> (module, name, object)."""
    import dataclasses

    table = {}
    for name, value in vars(dataclasses).items():
        kind = type(value)
        if not isinstance(value, type) and (kind.__module__ == "dataclasses" or kind is types.MappingProxyType):
            table[id(value)] = ("dataclasses", name, value)
    return table


def _unsaveable(obj, kind):
    """Why ``obj`` can never be saved, or None."""
    reason = _UNSAVEABLE.get(kind)
    if reason:
        return reason
    if isinstance(obj, io.IOBase) and not isinstance(obj, (io.BytesIO, io.StringIO)):
        return "cannot save a file object"
    # pyodide.ffi.JsProxy and its subclasses; by name, so that tests without
    # Pyodide can make one.
    if any(c.__name__ == "JsProxy" and str(c.__module__).startswith(("pyodide", "_pyodide")) for c in kind.__mro__):
        return "cannot save a live JavaScript object"
    for module, name, why in (("socket", "socket", "a socket"), ("threading", "Thread", "a thread")):
        found = getattr(sys.modules.get(module), name, None)
        if isinstance(found, type) and isinstance(obj, found):
            return f"cannot save {why}"
    return None


def _reduce_module(pickler, module):
    name = module.__name__
    if sys.modules.get(name) is not module:
        raise _Unsaveable(f"cannot save the module {name}: it cannot be imported by name")
    pickler.need(name)
    return importlib.import_module, (name,)


def _reduce_code(pickler, code):
    if code.co_filename.startswith("<cell-"):
        pickler.cells.add(code.co_filename)
    return marshal.loads, (marshal.dumps(code),)


def _reduce_cell(pickler, cell):
    try:
        state = (cell.cell_contents,)
    except ValueError:  # an empty cell (a variable not assigned yet)
        state = ()
    return _empty_cell, (), state, None, None, _fill_cell


def _reduce_method_wrapper(pickler, obj):
    return type(obj), (obj.__func__,)


def _reduce_cached_property(pickler, obj):
    return functools.cached_property, (obj.func,), {"attrname": obj.attrname, "__doc__": obj.__doc__}


def _reduce_mapping_proxy(pickler, obj):
    return _mapping_proxy, (dict(obj),)


def _reduce_builtin(pickler, obj):
    pickler.need(getattr(obj, "__module__", None))
    return NotImplemented


_REDUCERS = {
    types.ModuleType: _reduce_module,
    types.CodeType: _reduce_code,
    types.CellType: _reduce_cell,
    staticmethod: _reduce_method_wrapper,
    classmethod: _reduce_method_wrapper,
    functools.cached_property: _reduce_cached_property,
    types.MappingProxyType: _reduce_mapping_proxy,
    types.BuiltinFunctionType: _reduce_builtin,
}


# What the values' pickles call at restore


def _make_function(code, where, name, closure):
    return types.FunctionType(code, _globals(where), name, None, closure)


def _globals(where):
    if isinstance(where, dict):
        return where
    if where == "__main__":
        return _main_namespace()
    return importlib.import_module(where).__dict__


def _set_function_state(func, state):
    for key in _FUNCTION_ATTRIBUTES:
        if key in state:
            setattr(func, key, state[key])
    func.__dict__.update(state.get("__dict__", {}))
    func.__globals__.update(state.get("globals", {}))


def _make_class(meta, name, bases, create):
    return types.new_class(name, bases, {"metaclass": meta}, lambda namespace: namespace.update(create))


def _set_class_state(cls, items):
    for key, value in items.items():
        setattr(cls, key, value)


def _make_enum(meta, name, bases, members, items):
    namespace = meta.__prepare__(name, bases)
    for key, value in items.items():
        namespace[key] = value
    for key, value in members.items():
        namespace[key] = value
    return meta(name, bases, namespace)


def _empty_cell():
    return types.CellType()


def _fill_cell(cell, state):
    if state:
        cell.cell_contents = state[0]


def _mapping_proxy(mapping):
    return types.MappingProxyType(mapping)


def _module_attribute(module, name):
    return getattr(importlib.import_module(module), name)


# Files, cells, the working directory


def _collect_files(workdir, budget, skipped):
    """Every regular file under workdir that fits: ([path, size, mtime_ns], contents)."""
    entries, blobs = [], []
    for path in _walk(workdir, budget, skipped):
        rel = os.path.relpath(path, workdir)
        try:
            size = os.stat(path).st_size
            cost = size + len(os.fsencode(rel)) + _ENTRY
            if not budget.fits(cost):
                _skip(skipped, budget, path, _over_limit(budget))
                continue
            with open(path, "rb") as file:
                data = file.read()
            mtime = os.stat(path).st_mtime_ns
        except OSError as exc:
            _skip(skipped, budget, path, _describe(exc))
            continue
        budget.take(cost + len(data) - size)
        entries.append([rel, len(data), mtime])
        blobs.append(data)
    return entries, blobs


def _walk(workdir, budget, skipped):
    for root, dirs, names in os.walk(workdir):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(root, name)
            if os.path.islink(path) or not os.path.isfile(path):
                _skip(skipped, budget, path, "not a regular file")
            else:
                yield path


def _relative_cwd(workdir):
    try:
        here = os.path.realpath(os.getcwd())
    except OSError:
        return None
    root = os.path.realpath(workdir)
    if here == root or here.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(here, root)
    return None


def _cell_sources(cells, budget):
    """The source of the cells whose code is saved, while it fits."""
    sources = {}
    for filename in sorted(cells, key=lambda f: int(f[6:-1]) if _CELL_FILE.fullmatch(f) else 0):
        entry = linecache.cache.get(filename)
        if not entry or len(entry) != 4 or not entry[2]:
            continue
        source = "".join(entry[2])
        cost = len(source.encode("utf-8", "surrogatepass")) + len(filename) + _ENTRY
        if budget.fits(cost):
            budget.take(cost)
            sources[filename] = source
    return sources


def _normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _package_modules(packages):
    """The top-level modules each package provides (a package's name is not
    always its import name: scikit-learn gives sklearn), so that a restore
    can tell which missing package an ImportError is about."""
    if not packages:
        return {}
    try:
        from importlib.metadata import packages_distributions

        provided = packages_distributions()
    except Exception:
        provided = {}
    wanted = {_normal(p): p for p in packages}
    modules = {p: [] for p in packages}
    for module, dists in sorted(provided.items()):
        for dist in dists:
            package = wanted.get(_normal(dist))
            if package is not None and module not in modules[package]:
                modules[package].append(module)
    return modules


def _assemble(header, stream, blobs):
    head = pickle.dumps(header, protocol=PROTOCOL)
    return b"".join([MAGIC, _PREFIX.pack(FORMAT_VERSION, len(head)), head, stream, *blobs])


# Reading a session


def open_session(data):
    """Reads and checks a session's header (no value is unpickled). Raises
    SessionFormatError for bytes that are not a session, another format
    version or Python version, or a header that does not match the data."""
    if not isinstance(data, bytes):
        # A JS Uint8Array from worker.js: to_bytes copies it at once, where
        # bytes() walks it element by element (1 s for 10 MB).
        to_bytes = getattr(data, "to_bytes", None)
        data = to_bytes() if callable(to_bytes) else bytes(data)
    if not data.startswith(MAGIC):
        if data and MAGIC.startswith(data):
            raise SessionFormatError("the session is truncated: it ends inside its magic")
        raise SessionFormatError("not a pycage Python session: the magic is missing")
    start = len(MAGIC) + _PREFIX.size
    if len(data) < start:
        raise SessionFormatError("the session is truncated: it ends before its header")
    version, length = _PREFIX.unpack_from(data, len(MAGIC))
    if version != FORMAT_VERSION:
        raise SessionFormatError(f"session format version {version}; this runtime reads version {FORMAT_VERSION}")
    if length > len(data) - start:
        raise SessionFormatError("the session is truncated: it ends inside its header")
    header = _read_header(memoryview(data)[start : start + length])
    _check_header(header, len(data) - start - length)
    made_by, running = tuple(header["python"]), sys.version_info[:2]
    if made_by != running:
        raise SessionFormatError(
            "the session was saved by Python {}.{}; this is Python {}.{}".format(*made_by, *running)
        )
    return Session(data, header, start + length)


class _PlainUnpickler(pickle.Unpickler):
    """Reads plain data only: any global (class, function) is refused, so
    reading a header imports and runs nothing."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"the header names {module}.{name}")


def _read_header(raw):
    file = io.BytesIO(raw)
    try:
        header = _PlainUnpickler(file).load()
    except Exception as exc:
        raise SessionFormatError(f"the session's header is damaged: {_describe(exc)}") from None
    if file.tell() != len(raw):
        raise SessionFormatError("the session's header is damaged: it has bytes after its end")
    return header


def _require(condition, what):
    if not condition:
        raise SessionFormatError(f"the session's header is inconsistent: {what}")


def _is_int(value, low=0):
    return type(value) is int and value >= low


def _is_str_list(value):
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_header(h, body_size):
    _require(isinstance(h, dict), "it is not a dict")
    python = h.get("python")
    _require(isinstance(python, list) and len(python) == 2 and all(map(_is_int, python)), "python")
    _require(_is_str_list(h.get("packages")), "packages")
    modules = h.get("package_modules")
    _require(isinstance(modules, dict) and all(map(_is_str_list, modules.values())), "package_modules")
    _require(_is_int(h.get("cell_count")), "cell_count")
    _require(h.get("cwd") is None or isinstance(h.get("cwd"), str), "cwd")
    lines = h.get("linecache")
    _require(isinstance(lines, dict) and all(_is_str_list(list(pair)) for pair in lines.items()), "linecache")
    skipped = h.get("skipped")
    _require(isinstance(skipped, list), "skipped")
    for entry in skipped:
        _require(isinstance(entry, dict) and _is_str_list([entry.get("name"), entry.get("reason")]), "skipped")
    values_size = h.get("values_size")
    _require(_is_int(values_size), "values_size")
    if values_size > body_size:
        raise SessionFormatError(
            f"the session is truncated: {body_size} bytes follow the header, values need {values_size}"
        )
    _check_values(h.get("values"), values_size)
    _check_files(h.get("files"), body_size - values_size)


def _check_values(entries, size):
    _require(isinstance(entries, list), "values")
    position = memo = 0
    for entry in entries:
        _require(isinstance(entry, list) and len(entry) == 4, "a value entry")
        name, start, end, after = entry
        _require(isinstance(name, str) and all(map(_is_int, (start, end, after))), "a value entry")
        _require(start == position and start < end <= size, f"the offsets of {name!r}")
        # Each object memoized costs at least one byte (a MEMOIZE opcode).
        _require(memo <= after <= memo + end - start, f"the memo size of {name!r}")
        position, memo = end, after
    _require(position == size, "the values do not fill values_size")


def _check_files(entries, size):
    _require(isinstance(entries, list), "files")
    total = 0
    for entry in entries:
        _require(isinstance(entry, list) and len(entry) == 3, "a file entry")
        path, length, mtime = entry
        _require(isinstance(path, str) and _is_int(length) and _is_int(mtime, -(1 << 63)), "a file entry")
        total += length
    if total != size:
        state = "truncated" if total > size else "longer than its header says"
        raise SessionFormatError(f"the session is {state}: {size} bytes of files, the header lists {total}")


class Session:
    """A session whose header open_session has read and checked; its values
    and files are still bytes until ``restore``."""

    def __init__(self, data, header, body):
        self._data = data
        self._header = header
        self._body = body  # where the values start
        self.packages = list(header["packages"])
        self.python = tuple(header["python"])
        self.cell_count = header["cell_count"]
        self.names = [entry[0] for entry in header["values"]]
        self.files = [entry[0] for entry in header["files"]]
        self.skipped = [dict(entry) for entry in header["skipped"]]

    def restore(self, workdir, unavailable=None):
        """Writes the files back under ``workdir``, enters the saved working
        directory, continues the cell numbering, and loads the names into
        ``__main__``. ``unavailable`` maps a package that could not be loaded
        to why. Returns {"exact", "variables", "skipped", "files"}."""
        remember_boot_namespace()
        skipped = [dict(entry) for entry in self._header["skipped"]]
        written = self._write_files(workdir, skipped)
        self._enter_cwd(workdir, skipped)
        self._restore_cells()
        restored = self._load_values(dict(unavailable or {}), skipped)
        return {"exact": not skipped, "variables": sorted(restored), "skipped": skipped, "files": written}

    def _write_files(self, workdir, skipped):
        view = memoryview(self._data)
        offset = self._body + self._header["values_size"]
        written = 0
        for rel, size, mtime in self._header["files"]:
            contents = view[offset : offset + size]
            offset += size
            shown = os.path.join(workdir, rel)
            target = _inside(workdir, rel)
            if target is None:
                skipped.append({"name": shown, "reason": "the path leads outside the working folder"})
                continue
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as file:
                    file.write(contents)
                os.utime(target, ns=(mtime, mtime))
            except OSError as exc:
                skipped.append({"name": shown, "reason": _describe(exc)})
                continue
            written += 1
        return written

    def _enter_cwd(self, workdir, skipped):
        cwd = self._header["cwd"]
        if cwd is None:
            return
        target = _inside(workdir, cwd)
        try:
            if target is None:
                raise OSError("it leads outside the working folder")
            os.makedirs(target, exist_ok=True)
            os.chdir(target)
        except OSError as exc:
            reason = f"could not return to this working directory: {_describe(exc)}"
            skipped.append({"name": os.path.join(workdir, cwd), "reason": reason[:MAX_REASON]})

    def _restore_cells(self):
        runtime = _runtime()
        count = self._header["cell_count"]
        if runtime is not None and count > getattr(runtime, "_cell_count", 0):
            runtime._cell_count = count
        for filename, source in self._header["linecache"].items():
            if _CELL_FILE.fullmatch(filename):
                linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)

    def _load_values(self, unavailable, skipped):
        main = _main_namespace()
        loader = _Loader(self._data, self._body)
        restored = []
        before = 0
        for name, start, end, after in self._header["values"]:
            value, reason = loader.load(name, start, end, before, after, lambda *a: self._why(*a, unavailable))
            before = after
            if reason is None:
                main[name] = value
                restored.append(name)
            else:
                skipped.append({"name": name, "reason": reason})
        return restored

    def _why(self, exc, needs, unavailable):
        """Why a name could not be loaded: a package that is missing, a name
        that failed before and whose objects it needs, or its exception."""
        module = _missing_module(exc)
        package = module and self._package_of(module, unavailable)
        if package:
            return f"the package {package} could not be loaded: {unavailable[package]}"[:MAX_REASON]
        if needs:
            return f"needs {', '.join(needs)}, which could not be restored"[:MAX_REASON]
        return _describe(exc)

    def _package_of(self, module, unavailable):
        top = module.partition(".")[0]
        for package in unavailable:
            modules = self._header["package_modules"].get(package) or []
            if top in modules or _normal(top) == _normal(package):
                return package
        return None


def _missing_module(exc):
    """The module an ImportError in ``exc``'s chain could not import, if any."""
    for _ in range(20):
        if exc is None:
            return None
        if isinstance(exc, ImportError) and isinstance(exc.name, str):
            return exc.name
        exc = exc.__cause__ or exc.__context__
    return None


def _inside(workdir, rel):
    """The path of ``rel`` under workdir, or None if it leads elsewhere:
    absolute, through "..", with a NUL, or out through a symbolic link."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or os.path.isabs(rel):
        return None
    normal = os.path.normpath(rel)
    if normal == os.pardir or normal.startswith(os.pardir + os.sep):
        return None
    root = os.path.realpath(workdir)
    target = os.path.join(root, normal)
    real = os.path.realpath(target)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        return None
    return target


# Loading the values


class _Lost:
    """Stands, in the unpickler's memo, for the objects of a name that failed."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<lost with {self.name}>"


_UNKNOWN = object()
_STRING_OPS = frozenset(
    ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINBYTES", "BINBYTES", "BINBYTES8")
)


class _Loader:
    """One Unpickler over the values, loading one name's dump at a time; its
    memo, kept across load() calls, lets a dump refer to an earlier one's
    objects. After a failed load it is replaced (see ``_forget``)."""

    def __init__(self, data, base):
        self.data = data
        self.base = base
        self.reader = _Reader(data)
        self.unpickler = _Unpickler(self.reader)
        self.lost = []  # a _Lost per failed name
        self.counts = []  # their reference counts after the last failure

    def load(self, name, start, end, before, after, why):
        """(value, None), or (None, why(the exception or None, the failed
        names whose stand-ins it took))."""
        self.reader.data.seek(self.base + start)
        try:
            value = _unwrap(self.unpickler.load())
        except Exception as exc:
            # A stand-in that a callable refused is still referenced here.
            reason = why(exc, self._needs())
        else:
            needs = self._needs()
            if not needs:
                return value, None
            value = None  # it holds stand-ins: drop it before they are counted again
            reason = why(None, needs)
        self._forget(name, start, end, before, after)
        return None, reason

    def _needs(self):
        """The failed names whose stand-ins the last load took."""
        now = _refcounts(self.lost)
        return [lost.name for lost, was, count in zip(self.lost, self.counts, now, strict=True) if count > was]

    def _forget(self, name, start, end, before, after):
        """Gives the next dumps a new unpickler (the old one may hold unread
        bytes of this dump) whose memo is the old one's with this dump's
        entries, ``before`` to ``after``, filled again: with what ``_salvage``
        finds, else a stand-in whose reference count shows who takes it."""
        memo = self.unpickler.memo.copy()
        self.unpickler = None
        kept = _salvage(self.data[self.base + start : self.base + end], memo, before)
        lost = _Lost(name)
        objects = [memo.get(index, lost) for index in range(before)]
        objects += [kept[index] if index in kept else lost for index in range(before, after)]
        self.unpickler = _seeded(self.reader, objects)
        self.lost.append(lost)
        del memo, kept, lost, objects  # so that the counts are the memo's references only
        self.counts = _refcounts(self.lost)


class _Reader:
    """The file the unpicklers read: the values, or for a moment the seed of
    a new unpickler's memo (an unpickler keeps the methods it was given)."""

    def __init__(self, data):
        self.data = io.BytesIO(data)
        self.source = self.data

    def read(self, size=-1):
        return self.source.read(size)

    def readinto(self, buffer):
        return self.source.readinto(buffer)

    def readline(self, size=-1):
        return self.source.readline(size)


class _Unpickler(pickle.Unpickler):
    objects = None  # what persistent IDs stand for while a memo is seeded

    def persistent_load(self, pid):
        if self.objects is not None:
            return self.objects[pid]
        if isinstance(pid, str):
            return _globals(pid)  # a module's namespace (_Pickler.persistent_id)
        raise pickle.UnpicklingError(f"unknown persistent ID {pid!r}")


# One memo entry of a seed: BININT pid, BINPERSID, MEMOIZE, POP.
_SEED_ENTRY = struct.Struct("<ci3s")


def _seeded(reader, objects):
    """An unpickler whose memo holds ``objects`` at their indices. Setting
    ``memo`` cannot do it: from a dict it ends up empty, and from another
    unpickler's memo it copies the entries but not their count, so the next
    MEMOIZE overwrites index 0 (CPython 3.11 to 3.14). So a made-up pickle
    memoizes each object in turn, given to it through persistent_load."""
    unpickler = _Unpickler(reader)
    unpickler.objects = objects
    entries = b"".join(_SEED_ENTRY.pack(b"J", index, b"Q\x940") for index in range(len(objects)))
    reader.source = io.BytesIO(entries + b"N.")
    try:
        unpickler.load()
    finally:
        reader.source = reader.data
        unpickler.objects = None
    return unpickler


def _refcounts(objects):
    return [sys.getrefcount(obj) for obj in objects]


def _unwrap(loaded):
    if type(loaded) is not tuple or len(loaded) != 1:
        raise pickle.UnpicklingError("a value's dump is not a 1-tuple")
    return loaded[0]


def _salvage(dump, memo, before):
    """The memo entries of a failed dump that can be had without loading it:
    strings and bytes from its opcodes, and globals found again by module
    and name. memo index -> object."""
    import pickletools

    finder = pickle.Unpickler(io.BytesIO(), fix_imports=False)
    kept, pushed, top, index = {}, [], _UNKNOWN, before
    try:
        for op, arg, _ in pickletools.genops(dump):
            name = op.name
            if name == "MEMOIZE":
                if top is not _UNKNOWN:
                    kept[index] = top
                index += 1
                continue
            if name in ("PROTO", "FRAME"):
                continue
            top = _UNKNOWN
            if name in _STRING_OPS:
                top = arg
                pushed.append(arg)
            elif name in ("BINGET", "LONG_BINGET", "GET"):
                pushed.append(kept.get(arg) if arg >= before else memo.get(arg))
            elif name == "STACK_GLOBAL" and len(pushed) >= 2:
                top = _find_global(finder, *pushed[-2:])
                pushed = []
            else:
                pushed = []
            del pushed[:-2]
    except Exception:
        pass  # the dump is damaged: what was read so far stands
    return kept


def _find_global(finder, module, name):
    if not (isinstance(module, str) and isinstance(name, str)):
        return _UNKNOWN
    try:
        return finder.find_class(module, name)
    except Exception:
        return _UNKNOWN
