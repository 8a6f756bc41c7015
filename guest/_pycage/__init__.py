"""pycage's capture runtime: runs one cell and reports what it produced.

It runs unchanged under CPython (where the tests drive it with real
matplotlib, pillow, plotly and pandas) and inside Pyodide, where worker.js
loads it as the package ``_pycage``. It talks to its host only through the
``emit`` callable it is given: each call passes one plain dict (str, bytes,
numbers, lists, dicts), so the host can convert it without knowing Python.

Events:
    {"type": "stream", "name": "stdout" | "stderr", "text": str, "truncated"?: True}
    {"type": "display", "source": "display" | "matplotlib", "data": {mime: str | bytes}}
run_cell returns:
    {"status": "ok", "result": {mime: ...} | None}
    {"status": "error", "error": {"type", "message", "traceback", "line"}}
"""

import ast
import base64
import builtins
import importlib.abc
import importlib.util
import io
import json
import linecache
import os
import signal
import sys
import traceback

from . import session
from .cell import start
from .streams import Stdin, Stream, clean, clip

MPL_BACKEND = "_pycage_mpl"
# Mime types that carry bytes; everything else is text (JSON types as JSON text).
BINARY_MIMES = ("image/png", "image/jpeg")
# Vega-Lite and Vega specs (src/figures.rs VEGA_MIMES). Altair 6's mimetype
# renderer spells its types ".json", not "+json"; Altair 5 gives v5, 4 v4.
VEGA_MIMES = (
    "application/vnd.vegalite.v6+json",
    "application/vnd.vegalite.v6.json",
    "application/vnd.vegalite.v5+json",
    "application/vnd.vegalite.v4+json",
    "application/vnd.vega.v6+json",
    "application/vnd.vega.v6.json",
    "application/vnd.vega.v5+json",
)
JSON_MIMES = ("application/json", "application/vnd.plotly.v1+json", *VEGA_MIMES)
REPR_METHODS = (
    ("image/png", "_repr_png_"),
    ("image/jpeg", "_repr_jpeg_"),
    ("image/svg+xml", "_repr_svg_"),
    ("text/html", "_repr_html_"),
    ("text/markdown", "_repr_markdown_"),
    ("application/json", "_repr_json_"),
    ("text/latex", "_repr_latex_"),
)
# A repr bigger than this is dropped rather than shipped (the page caps too).
MAX_MIME_CHARS = 8 * 1024 * 1024

_cell_count = 0
_active = None  # the _Run in progress, so display() and plt.show() find it
_interruptible = False  # a SIGINT becomes KeyboardInterrupt only while the user's code runs


def install():
    """Makes display() a builtin and routes matplotlib through our backend."""
    builtins.display = display
    os.environ["MPLBACKEND"] = "module://" + MPL_BACKEND
    if not any(isinstance(f, _BackendFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _BackendFinder())


def install_interrupt_gate():
    """Routes SIGINT (the host's interrupt) through a gate: it raises
    KeyboardInterrupt in the user's code, and is ignored once that code has
    finished, so a repeated interrupt cannot break the reporting of a run."""
    signal.signal(signal.SIGINT, _on_interrupt)


def _on_interrupt(signum, frame):
    if _interruptible:
        raise KeyboardInterrupt


def find_imports(code):
    """Top-level module names the code imports (for loading packages first).
    The worker calls it only for code that contains "import" at all."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return sorted(names)


def display(*objs, **_ignored):
    """IPython's display(): shows each object through the repr protocol."""
    run = _active
    for obj in objs:
        bundle = format_bundle(obj, run.figure_format if run else "png", run.figure_dpi if run else None)
        if run is None:
            print(bundle.get("text/plain", ""))
        elif bundle:
            run.emit_display(bundle, "display")


async def run_cell(
    code,
    emit,
    figure_format="png",
    figure_dpi=None,
    max_output_bytes=1 << 20,
    read_input=None,
    no_input="this sandbox has no standard input",
    namespace=None,
    warm_up=False,
):
    """Runs ``code`` as the next notebook cell in ``namespace`` (default: __main__).

    ``read_input(prompt)`` answers input() (a line, or None for end of
    input); without it input() raises EOFError(``no_input``). A ``warm_up``
    run (the page's, right after boot) is no cell: it runs in a namespace
    of its own, and the next cell's number is unchanged."""
    global _cell_count, _active, _interruptible
    if warm_up:
        filename = "<warm-up>"
        namespace = {}
    else:
        session.remember_boot_namespace()  # before the first cell: what an export leaves out
        _cell_count += 1
        filename = f"<cell-{_cell_count}>"
    if namespace is None:
        namespace = sys.modules["__main__"].__dict__
    run = _Run(emit, figure_format or "png", figure_dpi, max_output_bytes)
    builtins.display = display
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = run.stdout, run.stderr
    sys.stdin = Stdin(run.stdout, read_input, no_input)
    builtins.input = sys.stdin.input
    _active = run
    _interruptible = True
    # The gate closes by a plain store, never a call: the host repeats its
    # interrupt, and a pending one runs its handler at the next call's entry,
    # which would raise again before a called setter could close the gate.
    try:
        try:
            value = await _execute(code, filename, namespace)
            result = None if value is None else format_bundle(value, run.figure_format, run.figure_dpi, closes=True)
            outcome = {"status": "ok", "result": result or None}
        finally:
            _active = None
            run.flush_figures()  # matplotlib and the user's figure hooks: still interruptible
    except BaseException as exc:  # noqa: B902 - SystemExit and KeyboardInterrupt are results too
        _interruptible = False
        outcome = {"status": "error", "error": describe_error(exc, filename, max_output_bytes)}
    finally:
        _interruptible = False
        sys.stdout, sys.stderr, sys.stdin = saved
        run.stdout.flush()
        run.stderr.flush()
    return outcome


def start_cell(*args, **kwargs):
    """run_cell, finished within this call unless the cell awaits (cell.py)."""
    return start(run_cell(*args, **kwargs))


async def _execute(code, filename, namespace):
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = ast.parse(code, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    namespace.setdefault("__name__", "__main__")
    namespace.setdefault("__builtins__", builtins)
    await _maybe_await(eval(compile(tree, filename, "exec", flags=flags), namespace))
    if last is None:
        return None
    return await _maybe_await(eval(compile(last, filename, "eval", flags=flags), namespace))


async def _maybe_await(value):
    # Top-level await compiles to a code object that returns a coroutine.
    if hasattr(value, "__await__") and type(value).__name__ == "coroutine":
        return await value
    return value


def describe_error(exc, filename, limit=1 << 20):
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename.startswith("<cell-") or not _internal(f.filename)
    ]
    # Drop our own frames above the cell: the traceback starts in user code.
    while frames and not frames[0].filename.startswith("<cell-"):
        frames.pop(0)
    line = None
    for frame in frames:
        if frame.filename == filename:
            line = frame.lineno
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = exc.lineno
    text = "".join(traceback.format_list(frames))
    if text:
        text = "Traceback (most recent call last):\n" + text
    text += "".join(traceback.format_exception_only(type(exc), exc))
    if isinstance(exc, SystemExit):
        message = "" if exc.code is None else str(exc.code)
    else:
        message = _safe_str(exc)
    # Error text shares the output cap: the page refuses longer strings.
    message, text = clip(message, limit), clip(text, limit)
    return {"type": clip(type(exc).__name__, 200), "message": clean(message), "traceback": clean(text), "line": line}


def _internal(path):
    # Pyodide's Python package and its JS glue (served from blob: URLs).
    # Our own files: this package's, and the PyPI hook beside it (pypi.js).
    here = os.path.dirname(__file__)
    ours = os.path.dirname(path) in (here, os.path.dirname(here))
    return ours or "/_pyodide/" in path or "/pyodide/" in path or path.startswith("blob:")


def _safe_str(obj):
    try:
        return str(obj)
    except BaseException:  # a hostile __str__ must not kill the run
        return f"<unprintable {type(obj).__name__}>"


def format_bundle(obj, figure_format="png", dpi=None, closes=False):
    """The mime bundle for ``obj``, following IPython's repr protocol."""
    if _is_mpl_figure(obj):
        data = figure_bundle(obj, figure_format, dpi)
        if closes:
            _close_figure(obj)
        return data
    bundle = {}
    method = getattr_safe(obj, "_repr_mimebundle_")
    if method is not None:
        got = call_safe(method, include=None, exclude=None)
        if isinstance(got, tuple) and got:
            got = got[0]
        if isinstance(got, dict):
            for mime, value in got.items():
                if isinstance(mime, str):
                    _add(bundle, mime, value)
    for mime, name in REPR_METHODS:
        if mime in bundle:
            continue
        method = getattr_safe(obj, name)
        if method is not None:
            value = call_safe(method)
            if isinstance(value, tuple) and value:
                value = value[0]  # (data, metadata)
            _add(bundle, mime, value)
    if "application/vnd.plotly.v1+json" not in bundle and _is_plotly_figure(obj):
        _add(bundle, "application/vnd.plotly.v1+json", call_safe(obj.to_plotly_json))
    # Altair's default renderer gives only HTML that loads vega from a CDN,
    # which a sandboxed page refuses: the spec is sent too, for the page's vega.
    major = _altair_major(obj)
    if major and not any(m in bundle for m in VEGA_MIMES):
        to_dict = getattr_safe(obj, "to_dict")
        if to_dict is not None:
            _add(bundle, f"application/vnd.vegalite.v{major}+json", call_safe(to_dict))
    if "text/plain" not in bundle:
        try:
            bundle["text/plain"] = clean(repr(obj))[:MAX_MIME_CHARS]
        except KeyboardInterrupt:  # the run's time is up: stop, do not swallow it
            raise
        except BaseException:
            bundle["text/plain"] = f"<unrepresentable {type(obj).__name__}>"
    return bundle


def _add(bundle, mime, value):
    if value is None:
        return
    if mime in BINARY_MIMES:
        if isinstance(value, str):
            try:
                value = base64.b64decode(value, validate=False)
            except Exception:
                return
        if isinstance(value, (bytes, bytearray, memoryview)) and len(value) <= MAX_MIME_CHARS:
            bundle[mime] = bytes(value)
    elif mime in JSON_MIMES or mime.endswith("+json"):
        try:
            text = value if isinstance(value, str) else json.dumps(value, default=_json_default)
        except Exception:
            return
        if len(text) <= MAX_MIME_CHARS:
            bundle[mime] = clean(text)
    elif isinstance(value, str) and len(value) <= MAX_MIME_CHARS:
        bundle[mime] = clean(value)


def _json_default(obj):
    # numpy arrays and scalars (plotly figures hold them) become lists and numbers.
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(type(obj).__name__)


def getattr_safe(obj, name):
    try:
        value = getattr(obj, name, None)
    except KeyboardInterrupt:
        raise
    except BaseException:
        return None
    if isinstance(obj, type):
        return None  # a class's unbound repr methods are not a display of it
    return value if callable(value) else None


def call_safe(method, *args, **kwargs):
    try:
        return method(*args, **kwargs)
    except KeyboardInterrupt:
        raise
    except BaseException:
        return None


def _is_mpl_figure(obj):
    cls = type(obj)
    return cls.__name__ in ("Figure", "SubFigure") and cls.__module__.startswith("matplotlib.")


def _is_plotly_figure(obj):
    return type(obj).__module__.startswith("plotly.") and hasattr(obj, "to_plotly_json")


def _altair_major(obj):
    """The Vega-Lite major version of an Altair chart (its class lives in
    ``altair.vegalite.v6.api``), or None for anything else."""
    parts = str(type(obj).__module__).split(".")
    if len(parts) < 3 or parts[:2] != ["altair", "vegalite"]:
        return None
    return {"v4": "4", "v5": "5", "v6": "6"}.get(parts[2])


def figure_bundle(fig, figure_format="png", dpi=None):
    fmt = "svg" if figure_format == "svg" else "png"
    buf = io.BytesIO()
    kwargs = {"format": fmt}
    if dpi:
        kwargs["dpi"] = dpi
    try:
        fig.savefig(buf, **kwargs)
    except Exception as exc:
        return {"text/plain": f"<figure could not be rendered: {_safe_str(exc)}>"}
    data = buf.getvalue()
    if fmt == "svg":
        return {"image/svg+xml": data.decode("utf-8", "replace"), "text/plain": repr(fig)}
    return {"image/png": data, "text/plain": repr(fig)}


def _close_figure(fig):
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close(fig)
        except Exception:
            pass


def _open_figures():
    if "matplotlib.pyplot" not in sys.modules:
        return []
    from matplotlib._pylab_helpers import Gcf

    return [m.canvas.figure for m in Gcf.get_all_fig_managers()]


def show(*_args, **_kwargs):
    """plt.show(): captures every open figure now, in its place among the prints."""
    run = _active
    for fig in _open_figures():
        if run is not None:
            run.emit_display(figure_bundle(fig, run.figure_format, run.figure_dpi), "matplotlib")
        _close_figure(fig)


class _BackendFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Provides the matplotlib backend module ``_pycage_mpl``: Agg plus our show()."""

    def find_spec(self, name, path=None, target=None):
        if name == MPL_BACKEND:
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from matplotlib.backend_bases import FigureManagerBase
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        module.FigureCanvas = FigureCanvasAgg
        module.FigureManager = FigureManagerBase
        module.show = show


class _Run:
    def __init__(self, emit, figure_format, figure_dpi, max_output_bytes):
        self.emit = emit
        self.figure_format = figure_format
        self.figure_dpi = figure_dpi
        self.stdout = Stream(self, "stdout", max_output_bytes)
        self.stderr = Stream(self, "stderr", max_output_bytes)

    def emit_display(self, bundle, source):
        # Keep display items in order with the text printed before them.
        self.stdout.flush()
        self.stderr.flush()
        self.emit({"type": "display", "source": source, "data": bundle})

    def flush_figures(self):
        for fig in _open_figures():
            self.emit_display(figure_bundle(fig, self.figure_format, self.figure_dpi), "matplotlib")
            _close_figure(fig)
