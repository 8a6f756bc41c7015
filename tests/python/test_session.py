"""Saving and restoring a session (guest/_pycage/session.py) under native
CPython. As on a page reload, one python process runs cells and exports, and
a fresh one restores and runs more cells: both through the capture runtime,
in their real ``__main__``, driven by DRIVER below."""

import json
import os
import pathlib
import pickle
import random
import subprocess
import sys
from types import SimpleNamespace

import pytest

GUEST = pathlib.Path(__file__).resolve().parents[2] / "guest"
sys.path.insert(0, str(GUEST))  # as worker.js puts /lib/pycage on Pyodide's path
from _pycage import session  # noqa: E402

# Runs the JSON list of steps on stdin in a fresh interpreter and writes
# their results, as JSON, to argv[2]. Everything it defines is there before
# remember_boot_namespace(), as worker.js's own names are before a first cell.
DRIVER = r"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import _pycage
from _pycage import session


def block(names):
    # A package that could not be loaded: importing it fails.
    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in names:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())


def act(kind, *args):
    if kind == "cell":
        events = []
        out = _pycage.start_cell(args[0], events.append)
        return {
            "status": out["status"],
            "result": (out.get("result") or {}).get("text/plain"),
            "error": out.get("error"),
            "output": "".join(e["text"] for e in events if e["type"] == "stream"),
        }
    if kind == "export":
        workdir, packages, max_bytes, path = args
        data = session.export_session(workdir, packages, max_bytes)
        with open(path, "wb") as file:
            file.write(data)
        return len(data)
    if kind == "restore":
        path, workdir, unavailable = args
        with open(path, "rb") as file:
            return session.open_session(file.read()).restore(workdir, unavailable)
    if kind == "block":
        return block(set(args[0]))
    raise ValueError(kind)


def main():
    _pycage.install()
    session.remember_boot_namespace()
    steps = json.load(sys.stdin)
    results = [act(*step) for step in steps]
    with open(sys.argv[2], "w") as file:
        json.dump(results, file)


main()
"""


def drive(folder, steps, name):
    """The results of ``steps`` run by a fresh python process."""
    script = folder / "driver.py"
    script.write_text(DRIVER)
    out = folder / f"{name}.json"
    proc = subprocess.run(
        [sys.executable, str(script), str(GUEST), str(out)],
        input=json.dumps(steps),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=folder,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def cells_ok(results):
    for result in results:
        if isinstance(result, dict) and "status" in result:
            assert result["status"] == "ok", result["error"]["traceback"]


MTIME = 1_600_000_000_123_456_789
FILES = {
    "data.csv": b"x,y\n1,2\n",
    "nested/deeper/blob.bin": bytes(range(256)) * 40,
    "nested/empty.txt": b"",
}

# The exported session, one cell each (cell N is KITCHEN[N - 1]).
KITCHEN = [
    """
n = 42
s = "h\\u00e9llo"
big_int = 2 ** 100
data = {"a": [1, 2, 3], "b": (4, 5), "c": {6, 7}, "d": b"\\x00\\xff", "e": 1.5, "f": None}
alias = data["a"]
same = data
nested = [data, data]
loop = []
loop.append(loop)
""",
    """
def make_counter():
    count = 0
    def inc():
        nonlocal count
        count += 1
        return count
    def peek():
        return count
    return inc, peek

c, peek = make_counter()
c(); c()

def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)

def make_walker():
    def walk(n):
        return 0 if n == 0 else 1 + walk(n - 1)
    return walk

walk = make_walker()
double = lambda x: 2 * x

def scaled(x, factor=3, *, offset=1):
    return x * factor + offset

scaled.note = "kept"

def fails(x):
    return 10 / x

def make_unset():
    def get():
        return value
    return get
    value = 1  # never runs: the cell stays empty

unset = make_unset()

# A function of a module that cannot be imported: its globals go by value.
scratch = {"__name__": "scratch", "factor": 10}
exec("def times(x):\\n    return x * factor\\n", scratch)
times = scratch["times"]
space = globals()
""",
    """
class Point:
    \"\"\"A point.\"\"\"
    made = 0

    def __init__(self, x, y):
        self.x, self.y = x, y
        Point.made += 1

    def norm2(self):
        return self.x ** 2 + self.y ** 2

    @classmethod
    def origin(cls):
        return cls(0, 0)

    @staticmethod
    def add(a, b):
        return a + b

    @property
    def pair(self):
        return (self.x, self.y)

    def __repr__(self):
        return f"Point({self.x}, {self.y})"

class Point3(Point):
    def __init__(self, x, y, z):
        super().__init__(x, y)
        self.z = z

    def norm2(self):
        return super().norm2() + self.z ** 2

p = Point(3, 4)
q = Point3(1, 2, 2)
points = [p, q]

class Slotted:
    __slots__ = ("a", "__b")

    def __init__(self):
        self.a, self.__b = 1, 2

    def b(self):
        return self.__b

sl = Slotted()
""",
    """
import dataclasses
import enum
import functools

@dataclasses.dataclass
class Item:
    name: str
    qty: int = 1
    tags: list = dataclasses.field(default_factory=list)

items = [Item("a"), Item("b", 2, ["x"])]

@dataclasses.dataclass(frozen=True, slots=True)
class Frozen:
    v: int
    _: dataclasses.KW_ONLY
    w: int = 0

fz = Frozen(3, w=4)

class Color(enum.Enum):
    RED = 1
    GREEN = 2

    def low(self):
        return self.name.lower()

favourite = Color.GREEN

class Lazy:
    @functools.cached_property
    def value(self):
        return 7
""",
    """
import json as j
import os.path
import numpy as np
import pandas as pd

arr = np.arange(12, dtype=np.int64).reshape(3, 4)
noise = np.random.default_rng(1).random(1000)
arr_twice = (arr, arr)
df = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]})
""",
    """
import threading
gen = (i for i in range(3))
next(gen)
fh = open(os.path.join(WORK, "data.csv"))
with open(os.path.join(WORK, "data.csv")) as closed_file:
    pass
lock = threading.Lock()
live = type("JsProxy", (), {"__module__": "pyodide.ffi"})()
holder = [1, gen]
""",
    """
def explode(*args):
    raise RuntimeError("cannot come back")

class Bomb:
    def __reduce__(self):
        return (explode, ("colour", self.parts))

bomb = Bomb()
bomb.parts = ["shrapnel"]
after_bomb = {"colour": 1}  # shares only the string "colour" with bomb
leftovers = bomb.parts  # shares bomb's list
os.chdir(os.path.join(WORK, "nested"))
""",
]

# Run in the restored interpreter, in this order (numbering first).
CHECKS = {
    "numbering": "1 / 0",
    "traceback": "fails(0)",
    "values": """
assert n == 42 and s == "h\\u00e9llo" and big_int == 2 ** 100
assert data == {"a": [1, 2, 3], "b": (4, 5), "c": {6, 7}, "d": b"\\x00\\xff", "e": 1.5, "f": None}
assert same is data and alias is data["a"] and nested[0] is data and nested[1] is data
assert loop[0] is loop
""",
    "functions": """
assert c() == 3 and peek() == 3 and c() == 4 and peek() == 4
assert fact(6) == 720 and walk(50) == 50 and double(21) == 42
assert scaled(2) == 7 and scaled(2, 10, offset=0) == 20 and scaled.note == "kept"
assert times(2) == 20 and times.__module__ == "scratch" and scratch["factor"] == 10
assert scratch["__builtins__"] is vars(__import__("builtins")) and space is globals()
try:
    unset()
except NameError:
    pass
else:
    raise AssertionError("the empty cell came back filled")
""",
    "classes": """
assert Point.made == 2 and Point.__doc__ == "A point."
assert isinstance(p, Point) and isinstance(q, Point3) and isinstance(q, Point) and points[0] is p
assert p.norm2() == 25 and q.norm2() == 9 and repr(p) == "Point(3, 4)"
assert Point.origin().pair == (0, 0) and Point.made == 3 and Point.add(1, 2) == 3 and p.pair == (3, 4)
assert sl.a == 1 and sl.b() == 2 and not hasattr(sl, "__dict__")
""",
    "dataclasses": """
assert items[0] == Item("a") and items[1] == Item("b", 2, ["x"])
assert [f.name for f in dataclasses.fields(Item)] == ["name", "qty", "tags"]
assert dataclasses.replace(items[1], qty=5) == Item("b", 5, ["x"]) and Item("z").tags == []
assert dataclasses.is_dataclass(fz) and fz == Frozen(3, w=4) and hash(fz) == hash(Frozen(3, w=4))
assert [f.name for f in dataclasses.fields(Frozen)] == ["v", "w"]
assert not hasattr(fz, "__dict__") and Frozen.__slots__ == ("v", "w")
try:
    fz.v = 9
except dataclasses.FrozenInstanceError:
    pass
else:
    raise AssertionError("Frozen is not frozen")
try:
    Frozen(1, 2)
except TypeError:
    pass
else:
    raise AssertionError("w is not keyword-only")
assert favourite is Color.GREEN and Color(1) is Color.RED and favourite.low() == "green"
assert list(Color) == [Color.RED, Color.GREEN]
assert Lazy().value == 7
""",
    "modules": """
assert j.dumps([1]) == "[1]" and j is sys.modules["json"]
assert arr.dtype == np.int64 and np.array_equal(arr, np.arange(12).reshape(3, 4))
assert noise.tobytes() == np.random.default_rng(1).random(1000).tobytes()
assert arr_twice[0] is arr and arr_twice[1] is arr
assert df.equals(pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]}))
""",
    "skipped": """
assert after_bomb == {"colour": 1}
for name in ("bomb", "leftovers", "gen", "fh", "closed_file", "lock", "live", "holder"):
    assert name not in globals(), name
import os
os.getcwd()
""",
}


@pytest.fixture(scope="module")
def kitchen(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kitchen")
    work, back = folder / "work", folder / "back"
    for rel, contents in FILES.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(contents)
        os.utime(path, ns=(MTIME, MTIME))
    path = str(folder / "session.bin")
    steps = [["cell", f"WORK = {str(work)!r}"]] + [["cell", code] for code in KITCHEN]
    exported = drive(folder, steps + [["export", str(work), ["numpy", "pandas"], 1 << 24, path]], "export")
    cells_ok(exported[:-1])
    restored = drive(folder, [["restore", path, str(back), {}]] + [["cell", code] for code in CHECKS.values()], "back")
    return SimpleNamespace(
        work=work,
        back=back,
        data=pathlib.Path(path).read_bytes(),
        cells=len(steps),
        result=restored[0],
        checks=dict(zip(CHECKS, restored[1:], strict=True)),
    )


def check_ok(kitchen, name):
    out = kitchen.checks[name]
    assert out["status"] == "ok", out["error"]["traceback"]
    return out


def test_values_and_shared_references(kitchen):
    check_ok(kitchen, "values")


def test_closures_recursion_lambdas_and_defaults(kitchen):
    check_ok(kitchen, "functions")


def test_classes_methods_and_instances(kitchen):
    check_ok(kitchen, "classes")


def test_dataclasses_enums_and_cached_property(kitchen):
    check_ok(kitchen, "dataclasses")


def test_modules_numpy_and_pandas(kitchen):
    check_ok(kitchen, "modules")


def test_what_cannot_be_saved_is_skipped_with_a_reason(kitchen):
    skipped = {s["name"]: s["reason"] for s in kitchen.result["skipped"]}
    assert skipped["gen"] == "cannot save a generator"
    assert skipped["holder"] == "cannot save a generator"
    assert skipped["fh"] == skipped["closed_file"] == "cannot save a file object"
    assert skipped["lock"] == "cannot save a lock"
    assert skipped["live"] == "cannot save a live JavaScript object"
    assert kitchen.result["exact"] is False
    assert {"n", "c", "Point", "df", "explode", "after_bomb"} <= set(kitchen.result["variables"])
    assert kitchen.result["variables"] == sorted(kitchen.result["variables"])
    assert all(len(s["reason"]) <= 200 and "\n" not in s["reason"] for s in kitchen.result["skipped"])


def test_a_value_that_fails_at_restore_is_skipped_and_the_rest_come_back(kitchen):
    names = [s["name"] for s in kitchen.result["skipped"]]
    skipped = dict(zip(names, (s["reason"] for s in kitchen.result["skipped"]), strict=True))
    assert skipped["bomb"] == "RuntimeError: cannot come back"
    # leftovers holds bomb's list; after_bomb only shares a string with it.
    assert skipped["leftovers"] == "needs bomb, which could not be restored"
    assert "after_bomb" not in skipped
    assert names.index("gen") < names.index("bomb")  # export's skips first
    check_ok(kitchen, "skipped")


def test_files_come_back_with_their_bytes_and_mtime(kitchen):
    assert kitchen.result["files"] == len(FILES)
    for rel, contents in FILES.items():
        path = kitchen.back / rel
        assert path.read_bytes() == contents
        assert path.stat().st_mtime_ns == MTIME
    cwd = kitchen.checks["skipped"]["result"]
    assert cwd == repr(os.path.realpath(kitchen.back / "nested"))


def test_cell_numbering_continues(kitchen):
    out = kitchen.checks["numbering"]
    assert out["error"]["type"] == "ZeroDivisionError"
    assert f'File "<cell-{kitchen.cells + 1}>"' in out["error"]["traceback"]


def test_a_traceback_through_a_restored_function_shows_its_line(kitchen):
    traceback = kitchen.checks["traceback"]["error"]["traceback"]
    assert 'File "<cell-3>", line ' in traceback  # fails() was made in the third cell
    assert "return 10 / x" in traceback


def test_open_session_reads_the_header_only(kitchen):
    before = set(sys.modules)
    opened = session.open_session(kitchen.data)
    assert set(sys.modules) == before  # nothing imported, nothing unpickled
    assert opened.packages == ["numpy", "pandas"]
    assert opened.python == sys.version_info[:2]
    assert opened.cell_count == kitchen.cells
    assert "df" in opened.names and "gen" not in opened.names
    assert sorted(opened.files) == sorted(os.path.normpath(rel) for rel in FILES)


def split(data):
    """A session's header (unpickled as trusted here) and body."""
    start = len(session.MAGIC) + session._PREFIX.size
    _, length = session._PREFIX.unpack_from(data, len(session.MAGIC))
    return pickle.loads(data[start : start + length]), data[start + length :]


def join(header, body, version=session.FORMAT_VERSION):
    head = pickle.dumps(header, protocol=5)
    return session.MAGIC + session._PREFIX.pack(version, len(head)) + head + body


def rejected(data, words):
    with pytest.raises(session.SessionFormatError) as caught:
        session.open_session(data)
    assert words in str(caught.value)


def test_open_session_rejects_bad_magic_versions_and_truncation(kitchen):
    data = kitchen.data
    rejected(b"NOT-A-SESSION-PY\x00\x00" + data[18:], "magic")
    rejected(b"", "magic")
    header, body = split(data)
    head_end = len(data) - len(body)
    for cut in (5, len(session.MAGIC), len(session.MAGIC) + 3, head_end // 2, head_end, len(data) - 1):
        rejected(data[:cut], "truncated")
    rejected(data + b"!", "longer")
    rejected(join(header, body, version=2), "format version 2")
    rejected(join({**header, "python": [2, 7]}, body), "Python 2.7")


def test_open_session_rejects_a_header_that_does_not_match_the_data(kitchen):
    header, body = split(kitchen.data)
    first = header["values"][0]
    beyond = [first[0], first[1], len(body) * 2, first[3]]
    rejected(join({**header, "values": [beyond] + header["values"][1:]}, body), "offsets")
    rejected(join({**header, "values_size": len(body) + 1}, body), "truncated")
    gap = [[name, start + 1, end, memo] for name, start, end, memo in header["values"][:1]]
    rejected(join({**header, "values": gap + header["values"][1:]}, body), "offsets")
    memo = [[first[0], first[1], first[2], first[2] - first[1] + 1]]
    rejected(join({**header, "values": memo + header["values"][1:]}, body), "memo")
    rejected(join({**header, "files": header["files"][:-1]}, body), "longer")
    rejected(join({**header, "skipped": [{"name": 1}]}, body), "skipped")
    rejected(join([1, 2], body), "not a dict")
    # A global in the header is refused before anything is imported.
    rejected(join({**header, "evil": os.system}, body), "names posix.system")


def test_open_session_raises_only_session_format_errors_on_damage(kitchen):
    data = kitchen.data
    _, body = split(data)
    head_end = len(data) - len(body)
    rng = random.Random(26)
    for _ in range(300):
        damaged = bytearray(data[:head_end])
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(session.MAGIC), head_end)] = rng.randrange(256)
        try:
            session.open_session(bytes(damaged) + body)
        except session.SessionFormatError:
            pass


def test_unpickler_memo_persists_across_loads():
    # What the values rely on: one Unpickler (C _pickle) loading the dumps
    # of one Pickler one at a time keeps its memo across load() calls.
    import io

    shared, out = [1], io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.dump((shared,))
    pickler.dump((shared,))
    unpickler = pickle.Unpickler(io.BytesIO(out.getvalue()))
    assert type(unpickler).__module__ == "_pickle"
    assert unpickler.load()[0] is unpickler.load()[0]


def test_paths_leading_outside_workdir_are_skipped(tmp_path):
    work = tmp_path / "work"
    header = {
        "python": list(sys.version_info[:2]),
        "packages": [],
        "package_modules": {},
        "cell_count": 0,
        "cwd": None,
        "linecache": {},
        "values": [],
        "values_size": 0,
        "files": [["../escape", 3, MTIME], ["/tmp/absolute", 1, MTIME], ["a/../ok.txt", 2, MTIME]],
        "skipped": [],
    }
    result = session.open_session(join(header, b"abc" + b"z" + b"ok")).restore(str(work))
    assert result["files"] == 1 and (work / "ok.txt").read_bytes() == b"ok"
    assert not (tmp_path / "escape").exists()
    skipped = {s["name"]: s["reason"] for s in result["skipped"]}
    assert skipped[os.path.join(str(work), "../escape")] == "the path leads outside the working folder"
    assert skipped["/tmp/absolute"] == "the path leads outside the working folder"
    assert result["exact"] is False


def test_max_bytes_skips_what_does_not_fit(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "large.bin").write_bytes(b"f" * 50_000)
    path = str(tmp_path / "s.bin")
    cells = ["small = list(range(10))", "big = b'x' * 200_000", "mid = 'y' * 30_000"]
    steps = [["cell", code] for code in cells] + [["export", str(work), [], 60_000, path]]
    size = drive(tmp_path, steps, "export")[-1]
    assert size <= 60_000
    result = drive(tmp_path, [["restore", path, str(tmp_path / "back"), {}], ["cell", "len(mid)"]], "back")
    skipped = {s["name"]: s["reason"] for s in result[0]["skipped"]}
    assert skipped["big"] == "too large to save (over 60000 bytes)"
    assert skipped[str(work / "large.bin")] == "the session would be over its size limit (60000 bytes)"
    assert result[0]["variables"] == ["mid", "small"]
    assert result[1]["result"] == "30000"


def test_a_session_grows_with_its_state_not_its_cells(tmp_path):
    one, many = str(tmp_path / "one.bin"), str(tmp_path / "many.bin")
    first = "def get():\n    return t\nt = 0"
    steps = [["cell", first], ["export", str(tmp_path / "w"), [], 1 << 20, one]]
    steps += [["cell", f"t = {i}"] for i in range(1, 200)]
    steps += [["export", str(tmp_path / "w"), [], 1 << 20, many]]
    results = drive(tmp_path, steps, "export")
    cells_ok(results)
    assert abs(results[-1] - results[1]) <= 300, (results[1], results[-1])
    back = drive(tmp_path, [["restore", many, str(tmp_path / "back"), {}], ["cell", "1/0"], ["cell", "get()"]], "back")
    assert back[0] == {"exact": True, "variables": ["get", "t"], "skipped": [], "files": 0}
    assert 'File "<cell-201>"' in back[1]["error"]["traceback"]
    assert back[2]["result"] == "199"


def test_a_missing_package_skips_what_needs_it(tmp_path):
    path = str(tmp_path / "s.bin")
    cells = [
        "import pandas as pd\nx = 1\ndf = pd.DataFrame({'v': [1.5, 2.5]})\nrows = {'frame': df}\ndf2 = df",
        "import numpy as np\narr = np.array([0.5, 1.5])",  # shares float64's dtype with df
    ]
    steps = [["cell", code] for code in cells] + [["export", str(tmp_path / "w"), ["numpy", "pandas"], 1 << 24, path]]
    cells_ok(drive(tmp_path, steps, "export"))
    why = "no wheel for this Python"
    steps = [["block", ["pandas"]], ["restore", path, str(tmp_path / "back"), {"pandas": why}], ["cell", "arr * 2"]]
    results = drive(tmp_path, steps, "back")
    skipped = {s["name"]: s["reason"] for s in results[1]["skipped"]}
    assert skipped == {
        "pd": f"the package pandas could not be loaded: {why}",
        "df": f"the package pandas could not be loaded: {why}",
        "rows": "needs df, which could not be restored",
        "df2": "needs df, which could not be restored",
    }
    assert results[1]["variables"] == ["arr", "np", "x"]
    assert results[2]["result"] == "array([1., 3.])"
