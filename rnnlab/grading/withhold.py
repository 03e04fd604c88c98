"""rnnlab's own answers are withheld from the student's kernel while it is graded; calls to them are seen outside it.

Each notebook's checks module lists ``WITHHELD_WHILE_GRADING``: the library functions that compute what its exercises
ask for. While grading, the student's kernel imports a copy of rnnlab (``write_copy``) in which each of these
functions keeps its signature but its body only asks the *library server* for the result: the real code is not in
the student's kernel or in any file it can read (the copy is mounted over the package). The server (``Server``) is
a thread in the judge kernel; it counts the calls by name and runs them on the real rnnlab. The judge compares the
counts before and after each call to a student's function: a function that got a library answer computed, under
any name, through any module, by reloading or by exec'ing the library's source, is seen, and nothing in the
student's kernel can hide it. Demo cells keep working: their calls are answered the same way.

The wire format is wire.encode's plain data (JSON, with array bytes sent raw), one message each way per call;
a call sends back only the parameters it changed in place.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import os
import shutil
import socket
import struct
import threading
from pathlib import Path

import numpy as np

import rnnlab
from rnnlab.grading import wire

SOCKET_ENV = "RNNLAB_LIBRARY_SOCKET"
_HEADER = struct.Struct("!Q")


def answers(notebook: str) -> tuple:
    """The library functions withheld while ``notebook`` (e.g. "03_vanilla_rnn") is graded."""
    topic = notebook.split("_", 1)[1] if notebook[:2].isdigit() and "_" in notebook else notebook
    try:
        checks = importlib.import_module(f"rnnlab.checks.{topic}")
    except ModuleNotFoundError:
        return ()
    return tuple(getattr(checks, "WITHHELD_WHILE_GRADING", ()))


def name_of(fn) -> str:
    """'rnnlab.nn.rnn.rnn_forward': the module where ``fn`` is defined and its name."""
    return f"{fn.__module__}.{fn.__qualname__}"


def write_copy(dest: Path, functions) -> Path:
    """Copy the rnnlab package to ``dest`` (no bytecode) with each of ``functions`` answered by the server."""
    source = Path(rnnlab.__file__).resolve().parent
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    by_file: dict[Path, list] = {}
    for fn in functions:
        by_file.setdefault(Path(inspect.getsourcefile(fn)).resolve(), []).append(fn)
    for path, fns in by_file.items():
        target = dest / path.relative_to(source)
        target.write_text(_stubbed(path.read_text(), fns))
    return dest


def _stubbed(text: str, functions) -> str:
    """``text`` with the bodies of the top-level ``functions`` replaced by a call to the server."""
    lines = text.splitlines(keepends=True)
    wanted = {fn.__name__: fn for fn in functions}
    defs = [node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef) and node.name in wanted]
    if len(defs) != len(wanted):
        missing = set(wanted) - {node.name for node in defs}
        raise RuntimeError(f"cannot withhold {sorted(missing)}: not top-level functions")
    for node in sorted(defs, key=lambda n: n.lineno, reverse=True):
        if node.args.vararg or node.args.posonlyargs:
            raise RuntimeError(f"cannot withhold {node.name}: only named parameters and **kwargs are supported")
        first, last = node.body[0].lineno - 1, node.body[-1].end_lineno
        indent = " " * node.body[0].col_offset
        name = name_of(wanted[node.name])
        stub = (f'{indent}"""Answered outside your kernel while it is graded."""\n'
                f"{indent}return __import__('rnnlab.grading.withhold', fromlist=['call']).call({name!r}, locals())\n")
        lines[first:last] = [stub]
    return "".join(lines)


def _keywords(fn, params: dict) -> dict:
    """The keyword arguments of ``fn`` from the stub's locals(): a ``**kwargs`` parameter arrives as one dict."""
    kwarg = inspect.getfullargspec(fn).varkw
    if kwarg is None:
        return params
    extra = params.get(kwarg)
    if not isinstance(extra, dict):
        raise TypeError(f"{kwarg}: expected a dict of keyword arguments")
    return {k: v for k, v in params.items() if k != kwarg} | extra


# ---- student side: the withheld functions' bodies -------------------------------------------------------------

_connection: dict = {}


def call(name: str, params: dict):
    """Have the library server compute ``name(**params)``; write back what it changed in place; return the result."""
    if "socket" not in _connection:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(os.environ[SOCKET_ENV])
        _connection["socket"] = sock
    sock = _connection["socket"]
    buffers: list = []
    _send(sock, {"name": name, "params": wire.encode(params, buffers=buffers)}, buffers)
    reply, buffers = _receive(sock)
    if "raised" in reply:
        raise wire.rebuild(str(reply["raised"]), str(reply["message"]))
    wire.write_back(params, wire.decode(reply["changed"], buffers=buffers))
    return wire.decode(reply["result"], buffers=buffers)


def _send(sock, message: dict, buffers=()) -> None:
    """One message: its JSON and the array bytes it refers to (wire.encode's buffers), each length-prefixed."""
    data = json.dumps(message).encode()
    if len(data) + sum(len(b) for b in buffers) > wire.MAX_PAYLOAD:
        raise ValueError("the data is too large to send")
    sock.sendall(_HEADER.pack(len(data)) + _HEADER.pack(len(buffers)) + data)
    for buf in buffers:
        sock.sendall(_HEADER.pack(len(buf)))
        sock.sendall(buf)


def _receive(sock) -> tuple[dict, list]:
    size, count = _HEADER.unpack(_read(sock, _HEADER.size))[0], _HEADER.unpack(_read(sock, _HEADER.size))[0]
    total = size
    if total > wire.MAX_PAYLOAD or count > wire.MAX_PAYLOAD // _HEADER.size:
        raise ValueError("message too large")
    message = json.loads(_read(sock, size))
    buffers = []
    for _ in range(count):
        length = _HEADER.unpack(_read(sock, _HEADER.size))[0]
        total += length
        if total > wire.MAX_PAYLOAD:
            raise ValueError("message too large")
        buffers.append(_read(sock, length))
    if not isinstance(message, dict):
        raise ValueError("malformed message")
    return message, buffers


def _read(sock, size: int) -> bytes:
    data = bytearray(size)
    view, got = memoryview(data), 0
    while got < size:
        n = sock.recv_into(view[got:], min(size - got, 2**22))
        if not n:
            raise ConnectionError("the connection closed")
        got += n
    return bytes(data)


# ---- judge side: the library server ---------------------------------------------------------------------------


class Server:
    """Answers the withheld functions' calls on a Unix socket at ``path`` and counts them by name."""

    def __init__(self, path: str, names: list[str]):
        self.functions = {name: _resolve(name) for name in names}
        self.counts = dict.fromkeys(self.functions, 0)
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(path)
        os.chmod(path, 0o660)  # the student's kernel runs under the same group
        self._listener.listen(4)
        threading.Thread(target=self._accept, daemon=True).start()

    def calls(self, name: str) -> int:
        """How many calls of ``name`` the server has received."""
        with self._lock:
            return self.counts[name]

    def _accept(self) -> None:
        while True:
            conn, _ = self._listener.accept()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn) -> None:
        with conn:
            while True:
                try:
                    request, buffers = _receive(conn)
                except (OSError, ValueError):  # closed, or not our protocol: drop the connection
                    return
                reply, buffers = self._answer(request, buffers)
                try:
                    _send(conn, reply, buffers)
                except ValueError as err:  # the result is too large to send
                    _send(conn, {"raised": "ValueError", "message": str(err)})

    def _answer(self, request: dict, buffers: list) -> tuple[dict, list]:
        """(reply, its buffers): the result and the parameters the call changed in place, or the error."""
        name = request.get("name")
        if name not in self.functions:
            return {"raised": "ValueError", "message": f"{name!r} is not answered here"}, []
        with self._lock:
            self.counts[name] += 1
        try:
            params = wire.decode(request.get("params"), buffers=buffers)
            if not isinstance(params, dict):
                raise ValueError("malformed parameters")
            before = copy.deepcopy(params)
            result = self.functions[name](**_keywords(self.functions[name], params))
            changed = {k: v for k, v in params.items() if not _same(v, before[k])}
            out: list = []
            return {"result": wire.encode(result, buffers=out), "changed": wire.encode(changed, buffers=out)}, out
        except Exception as err:  # the library's own errors (bad shapes...) go back to the caller, as locally
            return {"raised": type(err).__name__, "message": str(err)[:2000]}, []


def _same(a, b) -> bool:
    """Whether plain data ``a`` equals ``b`` (arrays element by element, generators by state)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, np.random.Generator):
        return isinstance(b, np.random.Generator) and a.bit_generator.state == b.bit_generator.state
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _resolve(name: str):
    module, attr = name.rsplit(".", 1)
    return getattr(importlib.import_module(module), attr)
