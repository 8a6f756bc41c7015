// The sessions the bench saves and restores (bench/sessions.mjs): the cells
// run in order, and a check (an expression, its expected repr) run after a
// restore, outside the times. The cells are those of the research probe
// (bench/session_probe.mjs, docs/sessions-research.md), so the browser's
// figures compare with its Node ones.

const SMALL = [
  `x = 42\nname = "pycage"\nitems = [1, 2, 3]\ncfg = {"a": 1, "b": [2, 3]}`,
  `def make_counter(start):
    count = start
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc
counter = make_counter(10)
counter()`,
  `class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def norm2(self):
        return self.x ** 2 + self.y ** 2
p = Point(3, 4)
p.norm2()`,
];

const NUMPY = [
  `import numpy as np
rng = np.random.default_rng(0)
noise = rng.standard_normal(625_000)          # 5 MB of float64, hardly compressible
ramp = np.arange(625_000, dtype=np.int64)     # 5 MB of int64, very compressible
label = "two arrays, 10 MB"`,
  `stats = {"mean": float(noise.mean()), "max": int(ramp.max())}\nstats`,
];

const TWENTY = [
  `import json, math, collections`,
  `data = {"users": [{"id": i, "name": f"user{i}"} for i in range(200)]}`,
  `text = "lorem ipsum dolor " * 500`,
  `squares = [i * i for i in range(1000)]`,
  `counts = collections.Counter(text.split())`,
  `gen = (i * 2 for i in range(10))\nfirst = next(gen)`,
  `double = lambda v: v * 2`,
  `def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(15)`,
  `with open("notes.txt", "w") as f:\n    f.write("hello from run 9\\n" * 100)`,
  `from dataclasses import dataclass\n@dataclass\nclass Item:\n    name: str\n    qty: int\nitems = [Item(f"i{k}", k) for k in range(50)]`,
  `total = sum(i.qty for i in items)`,
  `import re\npattern = re.compile(r"user(\\d+)")`,
  `matches = [pattern.match(u["name"]).group(1) for u in data["users"][:10]]`,
  `nested = {"a": {"b": {"c": [1, 2, {"d": "e"}]}}}`,
  `s = set(range(100))\nfs = frozenset("abc")`,
  `top = sorted(data["users"], key=lambda u: -u["id"])[:3]`,
  `import datetime\nstamp = datetime.datetime(2024, 5, 1, 12, 30)`,
  `def outer():\n    secret = "closure"\n    return lambda: secret\nget_secret = outer()`,
  `blob = bytes(range(256)) * 40`,
  `summary = json.dumps({"total": total, "n": len(items)})\nsummary`,
];

export const SESSIONS = {
  small: { cells: SMALL, check: ["(counter(), p.norm2(), cfg)", "(12, 25, {'a': 1, 'b': [2, 3]})"] },
  numpy: { cells: NUMPY, check: ["(noise.shape, int(ramp.sum()), round(float(noise.mean()), 9) == round(stats['mean'], 9))", "((625000,), 195312187500, True)"] },
  twenty: {
    cells: TWENTY,
    check: [
      "(len(data['users']), counts['lorem'], items[3].qty, pattern.match('user7').group(1), get_secret(), len(blob), open('notes.txt').read()[:5])",
      "(200, 500, 3, '7', 'closure', 10240, 'hello')",
    ],
  },
  // The small session after 200 more cells that each leave one int behind:
  // does a session grow with the number of cells?
  small200: { cells: [...SMALL, ...Array.from({ length: 200 }, (_, i) => `t = ${i}`)], check: ["(counter(), t)", "(12, 199)"] },
};
