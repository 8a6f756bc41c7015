"""Starting a cell without a turn of the event loop when it needs none.

worker.js used to await run_cell, and awaiting a coroutine from JavaScript
costs a Task and a turn of Pyodide's event loop: measured in Chromium, 0.65
ms of work in the worker per ``1+1`` against 0.23 ms when driven by hand,
most of the round trip. A cell without top-level ``await`` never suspends,
so ``start`` finishes it within the call. A cell that does suspend comes back
as an awaitable that goes on with the same coroutine under the loop.
"""


def start(coro):
    """The coroutine's value if it finished without suspending; otherwise an
    awaitable (``Continued``) that finishes it."""
    try:
        yielded = coro.send(None)
    except StopIteration as stop:
        return stop.value
    return Continued(coro, yielded)


class Continued:
    """A started coroutine, resumed by whoever awaits this (what ``yield
    from`` does, from its second step on)."""

    def __init__(self, coro, yielded):
        self._coro = coro
        self._yielded = yielded

    def __await__(self):
        coro, yielded = self._coro, self._yielded
        while True:
            try:
                sent = yield yielded
            except BaseException as exc:  # noqa: B902 - thrown in by the loop: the coroutine's to handle
                step = coro.throw
                value = exc
            else:
                step = coro.send
                value = sent
            try:
                yielded = step(value)
            except StopIteration as stop:
                return stop.value
