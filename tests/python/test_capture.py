"""The capture runtime under native CPython, with real matplotlib, pillow,
plotly and pandas. The same package runs inside Pyodide (guest/_pycage/)."""

import asyncio
import json
import pathlib
import struct
import sys
import time
import zlib

GUEST = pathlib.Path(__file__).resolve().parents[2] / "guest"
sys.path.insert(0, str(GUEST))  # as worker.js puts /lib/pycage on Pyodide's path
import _pycage as capture  # noqa: E402

capture.install()


def run(code, ns=None, **kwargs):
    events = []
    out = asyncio.run(capture.run_cell(code, events.append, namespace=ns if ns is not None else {}, **kwargs))
    return out, events


def kinds(events):
    """Event kinds in order, with adjacent chunks of one stream merged."""
    out = []
    for e in events:
        kind = (e["type"], e.get("name") or e.get("source"))
        if not (out and kind[0] == "stream" and out[-1] == kind):
            out.append(kind)
    return out


def stdout(events, name="stdout"):
    return "".join(e["text"] for e in events if e["type"] == "stream" and e["name"] == name)


def test_stdout_stderr_and_result():
    out, events = run("import sys\nprint('a')\nprint('b', file=sys.stderr)\n6*7")
    assert out == {"status": "ok", "result": {"text/plain": "42"}}
    assert stdout(events) == "a\n"
    assert stdout(events, "stderr") == "b\n"


def test_state_persists_in_namespace():
    ns = {}
    run("x = 5", ns)
    out, _ = run("x + 1", ns)
    assert out["result"]["text/plain"] == "6"


def test_exception_has_type_line_and_user_traceback():
    out, _ = run("a = 1\n\ndef f():\n    return 1/0\nf()")
    err = out["error"]
    assert out["status"] == "error"
    assert err["type"] == "ZeroDivisionError"
    assert err["line"] == 4
    assert "_pycage" not in err["traceback"]
    assert 'File "<cell-' in err["traceback"] and "return 1/0" in err["traceback"]


def test_syntax_error_line():
    out, _ = run("x = 1\ny = (\n")
    assert out["error"]["type"] == "SyntaxError"
    assert out["error"]["line"] == 2


def test_system_exit_is_reported():
    out, _ = run("raise SystemExit(3)")
    assert out["error"]["type"] == "SystemExit" and out["error"]["message"] == "3"


def test_top_level_await():
    out, _ = run("import asyncio\nawait asyncio.sleep(0)\n'done'")
    assert out["result"]["text/plain"] == "'done'"


def test_start_cell_finishes_a_cell_without_await_in_the_call():
    # No event loop at all: the worker gets the outcome without a turn of it.
    events = []
    out = capture.start_cell("print('hi')\n1 + 1", events.append, namespace={})
    assert out == {"status": "ok", "result": {"text/plain": "2"}}
    assert stdout(events) == "hi\n"
    err = capture.start_cell("1 / 0", events.append, namespace={})
    assert err["status"] == "error" and err["error"]["type"] == "ZeroDivisionError"


def test_start_cell_hands_back_a_cell_that_awaits_to_the_loop():
    # Called, not awaited, with the loop running (as Pyodide's always is).
    ns = {}

    async def main():
        pending = capture.start_cell(
            "import asyncio\nx = 1\nawait asyncio.sleep(0.01)\nx += 1\nx", [].append, namespace=ns
        )
        assert not isinstance(pending, dict) and ns["x"] == 1  # ran up to the await
        done = await pending
        failing = capture.start_cell(
            "import asyncio\nawait asyncio.sleep(0)\nraise KeyError('k')", [].append, namespace={}
        )
        return done, await failing

    done, failed = asyncio.run(main())
    assert done == {"status": "ok", "result": {"text/plain": "2"}}
    assert failed["status"] == "error" and failed["error"]["type"] == "KeyError"


def test_output_cap_truncates():
    _, events = run("print('x' * 5000)", max_output_bytes=100)
    text = stdout(events)
    assert len(text) == 100
    assert any(e.get("truncated") for e in events)


def test_lone_surrogates_are_replaced():
    _, events = run("print('a\\ud800b')")
    assert stdout(events) == "a\ufffdb\n"


def test_sys_stdout_none_still_completes():
    out, _ = run("import sys\nsys.stdout = None\nprint('lost')\n1")
    assert out["status"] == "ok"


def png_bytes(w, h):
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * w for _ in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_display_protocol_order_and_repr_methods():
    ns = {"PNG": png_bytes(3, 2)}
    code = """
class Img:
    def _repr_png_(self): return PNG
class Html:
    def _repr_html_(self): return '<b>x</b>'
class Bundle:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {'application/json': {'a': 1}, 'text/plain': 'B'}
print('before')
display(Img(), Html())
print('after')
display(Bundle())
"""
    out, events = run(code, ns)
    assert out["status"] == "ok"
    assert kinds(events) == [
        ("stream", "stdout"),
        ("display", "display"),
        ("display", "display"),
        ("stream", "stdout"),
        ("display", "display"),
    ]
    shown = [e["data"] for e in events if e["type"] == "display"]
    assert shown[0]["image/png"] == ns["PNG"]
    assert shown[1]["text/html"] == "<b>x</b>"
    assert shown[2]["application/json"] == '{"a": 1}'


def test_hostile_reprs_do_not_kill_the_run():
    code = """
class Bad:
    def _repr_png_(self): raise RuntimeError('no')
    def _repr_html_(self): return 42
    def _repr_mimebundle_(self, **kw): return 'garbage'
    def __repr__(self): raise ValueError('nope')
display(Bad())
Bad()
"""
    out, events = run(code)
    assert out["status"] == "ok"
    assert out["result"] == {"text/plain": "<unrepresentable Bad>"}
    assert events[0]["data"] == {"text/plain": "<unrepresentable Bad>"}


def figure_events(events):
    return [e for e in events if e["type"] == "display" and e["source"] == "matplotlib"]


def test_matplotlib_show_keeps_order_and_open_figures_are_flushed():
    code = """
import matplotlib.pyplot as plt
print('one')
plt.plot([1, 2, 3])
plt.show()
print('two')
plt.figure()
plt.bar([1, 2], [3, 4])
"""
    out, events = run(code)
    assert out["status"] == "ok"
    seq = kinds(events)
    assert seq[0] == ("stream", "stdout") and seq[1] == ("display", "matplotlib") and seq[2] == ("stream", "stdout")
    assert seq[3] == ("display", "matplotlib")
    assert len(figure_events(events)) == 2
    assert figure_events(events)[0]["data"]["image/png"].startswith(b"\x89PNG")
    # Nothing leaks into the next run.
    out2, events2 = run("import matplotlib.pyplot as plt\nlen(plt.get_fignums())")
    assert out2["result"]["text/plain"] == "0" and not figure_events(events2)


def png_size(data):
    return struct.unpack(">II", data[16:24])


def test_matplotlib_svg_and_dpi():
    code = "import matplotlib.pyplot as plt\nplt.figure(figsize=(4, 3))\nplt.plot([1, 2])\n"
    _, events = run(code, figure_format="svg")
    assert figure_events(events)[0]["data"]["image/svg+xml"].lstrip().startswith("<?xml")
    _, events = run(code, figure_dpi=50)
    assert png_size(figure_events(events)[0]["data"]["image/png"]) == (200, 150)


def test_figure_as_last_expression_is_the_result():
    out, events = run("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nfig")
    assert out["result"]["image/png"].startswith(b"\x89PNG")
    assert not figure_events(events)  # closed once, not shown twice


def test_pil_image_displays_as_png():
    out, _ = run("from PIL import Image\nImage.new('RGB', (64, 32), 'red')")
    assert png_size(out["result"]["image/png"]) == (64, 32)


def test_plotly_figure_gives_plotly_json():
    out, _ = run("import plotly.graph_objects as go\ngo.Figure(go.Bar(x=[1, 2], y=[3, 4]))")
    assert '"type": "bar"' in out["result"]["application/vnd.plotly.v1+json"]


ALTAIR_CHART = (
    "import altair as alt, pandas as pd\n"
    "alt.Chart(pd.DataFrame({'a': list('AB'), 'b': [1, 2]})).mark_bar().encode(x='a', y='b').properties(title='T')"
)


def test_altair_chart_gives_its_vega_lite_spec_beside_its_html():
    # Altair 6's default renderer gives HTML that loads vega from a CDN; the
    # capture runtime adds the spec, as JSON text under the +json type.
    out, _ = run(ALTAIR_CHART)
    result = out["result"]
    assert "vegaEmbed(" in result["text/html"]
    spec = json.loads(result["application/vnd.vegalite.v6+json"])
    assert spec["mark"] == {"type": "bar"} and spec["title"] == "T"
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert result["text/plain"].startswith("alt.Chart(")
    assert [m for m in result if "vega" in m] == ["application/vnd.vegalite.v6+json"]


def test_altair_mimetype_renderer_keeps_its_own_type():
    # alt.renderers.enable("mimetype") (also "jupyterlab"): Altair's own
    # spelling, application/vnd.vegalite.v6.json, and no second copy.
    code = ALTAIR_CHART.replace("\n", "\nalt.renderers.enable('mimetype')\n", 1)
    try:
        out, _ = run(code)
    finally:
        run("import altair as alt\nalt.renderers.enable('default')")
    result = out["result"]
    assert [m for m in result if "vega" in m] == ["application/vnd.vegalite.v6.json"]
    assert json.loads(result["application/vnd.vegalite.v6.json"])["title"] == "T"
    assert "text/html" not in result


def test_vega_mimes_from_a_mimebundle_are_json_text():
    # An object (an older Altair, a Vega spec) that returns dicts: each dumped once.
    code = (
        "class V:\n"
        "    def _repr_mimebundle_(self, include=None, exclude=None):\n"
        "        return {m: {'mark': 'point', 'n': i} for i, m in enumerate(MIMES)}\n"
        "V()"
    )
    mimes = list(capture.VEGA_MIMES)
    assert len(mimes) == 7 and set(mimes) <= set(capture.JSON_MIMES)
    out, _ = run(code, {"MIMES": mimes})
    for i, mime in enumerate(mimes):
        assert json.loads(out["result"][mime]) == {"mark": "point", "n": i}


def test_an_altair_chart_that_fails_to_compile_gives_no_spec():
    # An invalid chart: Altair raises from its repr and to_dict; the run still ends well.
    out, _ = run("import altair as alt\nalt.Chart({'not': 'data'}).mark_bar().encode(x='a:Q')")
    assert out["status"] == "ok"
    assert not [m for m in out["result"] if "vega" in m]


def test_pandas_dataframe_gives_html_and_text():
    out, _ = run("import pandas as pd\npd.DataFrame({'a': [1, 2]})")
    assert "<table" in out["result"]["text/html"]
    assert "a" in out["result"]["text/plain"]


def test_find_imports():
    assert capture.find_imports("import numpy as np\nfrom matplotlib import pyplot\nfrom . import x") == [
        "matplotlib",
        "numpy",
    ]


def test_capture_time_640x480(capsys):
    """Not a timed assertion: prints the capture cost for the closing note."""
    code = "import matplotlib.pyplot as plt\nplt.figure(figsize=(6.4, 4.8), dpi=100)\nplt.plot(range(50))\nplt.show()"
    run(code)  # warm up imports and font cache
    started = time.perf_counter()
    _, events = run(code)
    took = (time.perf_counter() - started) * 1000
    figures = figure_events(events)
    assert len(figures) == 1
    assert png_size(figures[0]["data"]["image/png"]) == (640, 480)
    with capsys.disabled():
        print(f"\n640x480 matplotlib figure captured under CPython in {took:.1f} ms")


def test_interrupts_only_reach_the_users_code():
    import os
    import signal

    previous = signal.getsignal(signal.SIGINT)
    capture.install_interrupt_gate()
    try:
        out, _ = run("import os, signal\nos.kill(os.getpid(), signal.SIGINT)\nwhile True: pass")
        assert out["status"] == "error" and out["error"]["type"] == "KeyboardInterrupt"
        os.kill(os.getpid(), signal.SIGINT)  # between runs: ignored, no exception here
        time.sleep(0.01)
        # The result's repr is the user's code too, so it stays interruptible.
        out, _ = run(
            "class R:\n    def __repr__(self):\n        import os, signal\n"
            "        os.kill(os.getpid(), signal.SIGINT)\n        while True: pass\nR()"
        )
        assert out["status"] == "error" and out["error"]["type"] == "KeyboardInterrupt"
        out, _ = run("1 + 1")
        assert out == {"status": "ok", "result": {"text/plain": "2"}}
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_repeated_interrupt_cannot_break_the_report():
    # The host repeats its interrupt until the run stops. One that lands as
    # the run's error is being reported must not escape run_cell: the worker
    # would take that for a crash and replace the interpreter.
    import signal

    previous = signal.getsignal(signal.SIGALRM)
    signal.signal(signal.SIGALRM, capture._on_interrupt)  # the gate, fired every 20 µs
    signal.setitimer(signal.ITIMER_REAL, 2e-5, 2e-5)
    try:
        for _ in range(150):
            out, _ = run("while True: pass")
            assert out["status"] == "error" and out["error"]["type"] == "KeyboardInterrupt"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_warm_up_run_leaves_the_namespace_and_the_cell_numbers_alone():
    # The page's warm-up (src/supervisor/page/warm_up.rs) runs right after
    # boot: it must not show in the user's namespace or tracebacks.
    import __main__

    before = capture._cell_count
    events = []
    out = capture.start_cell("print(0)\nwarm = 1\n0", events.append, warm_up=True)
    assert out == {"status": "ok", "result": {"text/plain": "0"}}
    assert stdout(events) == "0\n"
    assert "warm" not in vars(__main__)
    assert capture._cell_count == before
    err = capture.start_cell("1 / 0", [].append, namespace={})
    assert f'File "<cell-{before + 1}>"' in err["error"]["traceback"]
