"""sys.stdout and sys.stderr for one run, and the text helpers they share
with the capture runtime (__init__.py): batched writes under a byte cap, and
strings made safe to cross to JavaScript."""

import io
import time

FLUSH_BYTES = 16 * 1024
FLUSH_SECONDS = 0.03


def clean(text):
    """Replaces lone surrogates, which cannot cross to JS as valid UTF-16."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class Stream(io.TextIOBase):
    """sys.stdout/sys.stderr for one run: batches writes, stops at the byte cap."""

    def __init__(self, run, name, limit):
        self.run = run
        self.name = name
        self.limit = limit
        self.sent = 0
        self.parts = []
        self.pending = 0
        self.last = 0.0  # so the first write after a pause goes out at once
        self.capped = False

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.capped:
            return len(text)
        other = self.run.stderr if self is self.run.stdout else self.run.stdout
        if other.parts:
            other.flush()  # keep the order between stdout and stderr
        room = self.limit - self.sent - self.pending
        part = text if len(text) * 4 <= room else clip(text, room)
        if part:
            self.parts.append(part)
            self.pending += len(part.encode("utf-8", "surrogatepass"))
        if len(part) < len(text):
            self.capped = True  # the page learns of it from the byte count
            self.flush()
        elif self.pending >= FLUSH_BYTES or time.monotonic() - self.last >= FLUSH_SECONDS:
            self.flush()
        return len(text)

    def flush(self):
        if self.parts:
            text = clean("".join(self.parts))
            self.parts = []
            self.sent += self.pending
            self.pending = 0
            event = {"type": "stream", "name": self.name, "text": text}
            if self.capped:
                event["truncated"] = True
            self.run.emit(event)
        self.last = time.monotonic()


def clip(text, room):
    """The longest prefix of text that fits in ``room`` UTF-8 bytes."""
    if room <= 0:
        return ""
    head = text[:room]  # never encode a huge string whole
    data = head.encode("utf-8", "surrogatepass")
    if len(data) <= room:
        return head
    return data[:room].decode("utf-8", "ignore")


class Stdin(io.TextIOBase):
    """sys.stdin and input() for one run: each line comes from the host's
    ``read_line(prompt)`` (None: end of input). Without one, reading raises
    EOFError at once, saying why: never OSError, never a hang. The prompt
    and the answer show in stdout, as a terminal shows them."""

    def __init__(self, stdout, read_line, why):
        self.stdout = stdout
        self.read_line = read_line
        self.why = why

    def readable(self):
        return True

    def input(self, prompt=""):
        prompt = str(prompt)
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self._line(prompt)
        self.stdout.write(line + "\n")
        return line

    def readline(self, size=-1):
        return self._line("") + "\n"

    def read(self, size=-1):
        return self.readline()

    def _line(self, prompt):
        if self.read_line is None:
            raise EOFError(self.why)
        line = self.read_line(prompt)
        if not isinstance(line, str):
            raise EOFError("end of input (onInput gave no line)")
        return line.split("\n", 1)[0]
