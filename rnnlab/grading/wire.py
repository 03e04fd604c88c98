"""Calling a student's functions from the trusted judge kernel, with plain data on the wire.

The hidden tests never run in the student's kernel: anything there (numpy, builtins, rnnlab.checks, IPython's
input transformers, the test's own ``_allclose``) can be replaced by the student. They run in a separate *judge*
kernel that has executed only the instructor's setup cells. There each function an answer cell defines is a
``StudentFunction`` proxy: calling it sends the arguments to the student's kernel (``serve`` runs the function
there) and returns the result decoded into plain Python and numpy data (numbers, strings, None, tuples, lists,
dicts and numeric arrays, nothing else). A student can therefore only choose what their function returns, which
is exactly what the tests judge: no object from their kernel reaches the comparison (no ``__eq__``,
``__array_function__`` or ``__bool__`` of theirs ever runs in the judge).

``assert_not_delegating`` (rnnlab.checks) does not look inside the student's kernel for a proxy: the library's
answers are withheld from that kernel and every call to them is counted outside it (withhold.py), so the judge
sees a student's function that got its answer from rnnlab whatever that function does to hide it.
"""

from __future__ import annotations

import base64
import builtins
import collections
import json
import sys
import time

import numpy as np

MIME = "application/x-rnnlab-call+json"
MAX_DEPTH = 20
MAX_PAYLOAD = 64 * 2**20
_KINDS = "biufc"  # numeric and boolean dtypes only
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def bounded_context():
    """A zmq context whose sockets drop any message over MAX_PAYLOAD bytes (the peer is disconnected, and
    reconnects): whatever a student's kernel publishes, the grader never holds more than that of it at once."""
    import zmq

    context = zmq.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_PAYLOAD)
    return context


def wait_ready(client, alive, timeout: float) -> None:
    """Wait until the kernel behind ``client`` answers kernel_info; ``alive()`` says whether its process still runs.

    Unlike ``client.wait_for_ready``, a missed heartbeat is not taken for a dead kernel: on a busy machine a
    starting kernel can take longer than the heartbeat's one second to answer, and that is not the student's fault.
    Raises RuntimeError if the process ends or ``timeout`` seconds pass first.
    """
    import queue

    deadline = time.monotonic() + timeout
    while True:
        msg_id = client.kernel_info()
        while True:
            try:
                msg = client.get_shell_msg(timeout=1)
            except queue.Empty:
                break
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "kernel_info_reply":
                while True:  # drain iopub (the kernel's starting/idle status), so that later reads start clean
                    try:
                        client.get_iopub_msg(timeout=0.2)
                    except queue.Empty:
                        return
        if not alive():
            raise RuntimeError("the kernel process ended before it answered")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel did not answer within {timeout:g} s")


class StudentKernelDied(BaseException):
    """The student's kernel died while one of its functions was being called."""


class StudentTimeout(BaseException):
    """A call to a student's function did not return in time."""


class GraderSetupError(BaseException):
    """The grader is misconfigured (not the student's fault): the runner reports a grader error."""


class StudentRaised(Exception):
    """The student's function raised an exception that is not a builtin one (its type name is in the message
    and in ``type_name``, which the checks' mistake key uses)."""

    def __init__(self, message: str, type_name: str = "StudentRaised"):
        super().__init__(message)
        self.type_name = type_name


def encode(value, depth: int = 0, buffers: list | None = None):
    """JSON-ready form of plain data; anything else raises TypeError. With a ``buffers`` list, array bytes are
    appended to it (and referred to by index) instead of being written into the JSON as base64."""
    if depth > MAX_DEPTH:
        raise TypeError("data nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        if isinstance(value, float) and not np.isfinite(value):
            return {"float": repr(value)}
        return value
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS:
            raise TypeError(f"arrays of dtype {value.dtype} cannot be graded")
        arr = np.ascontiguousarray(value)
        header = {"nd": arr.dtype.str, "shape": list(arr.shape), "scalar": value.ndim == 0}
        if buffers is not None:
            buffers.append(arr.reshape(-1).view(np.uint8).data)
            return header | {"buf": len(buffers) - 1}
        return header | {"data": base64.b64encode(arr.tobytes()).decode("ascii")}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple such as a layer's cache
        return {"namedtuple": type(value).__name__, "fields": list(value._fields),
                "values": [encode(v, depth + 1, buffers) for v in value]}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, depth + 1, buffers) for v in value]}
    if isinstance(value, np.random.Generator):
        return {"rng": encode(value.bit_generator.state, depth + 1, buffers)}
    if isinstance(value, list):
        return {"list": [encode(v, depth + 1, buffers) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only dicts with string keys can be graded")
        return {"dict": [[k, encode(v, depth + 1, buffers)] for k, v in value.items()]}
    raise TypeError(f"a {type(value).__name__} cannot be graded")


def decode(obj, depth: int = 0, buffers: list | None = None):
    """Inverse of ``encode``; builds only plain data whatever ``obj`` holds."""
    if depth > MAX_DEPTH:
        raise ValueError("data nested too deeply")
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if not isinstance(obj, dict) or len(obj) == 0:
        raise ValueError("malformed data")
    if "float" in obj:
        return float(str(obj["float"]))
    if "nd" in obj:
        dtype = np.dtype(str(obj["nd"]))
        if dtype.kind not in _KINDS:
            raise ValueError(f"dtype {dtype} not allowed")
        shape = tuple(int(n) for n in obj["shape"])
        raw = buffers[int(obj["buf"])] if "buf" in obj and buffers is not None else base64.b64decode(str(obj["data"]))
        arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
        return arr[()] if obj.get("scalar") else arr
    if "namedtuple" in obj:
        fields = [str(f) for f in obj["fields"]]
        if not all(f.isidentifier() and not f.startswith("_") for f in fields):
            raise ValueError("malformed field names")
        cls = collections.namedtuple(str(obj["namedtuple"]) if str(obj["namedtuple"]).isidentifier() else "Record",
                                     fields)
        return cls(*(decode(v, depth + 1, buffers) for v in obj["values"]))
    if "tuple" in obj:
        return tuple(decode(v, depth + 1, buffers) for v in obj["tuple"])
    if "rng" in obj:
        state = decode(obj["rng"], depth + 1, buffers)
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in _BIT_GENERATORS:
            raise ValueError("unknown random generator")
        bit_generator = getattr(np.random, name)()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    if "list" in obj:
        return [decode(v, depth + 1, buffers) for v in obj["list"]]
    if "dict" in obj:
        return {str(k): decode(v, depth + 1, buffers) for k, v in obj["dict"]}
    raise ValueError("malformed data")


# ---- student side: runs in the student's kernel -------------------------------------------------------------


def serve(namespace: dict, request: str) -> None:
    """Run one request from the judge in the student's kernel and publish the encoded reply."""
    from IPython.display import publish_display_data

    req = json.loads(request)
    if req["op"] == "describe":
        reply = {name: _describe(namespace, name) for name in req["names"]}
    else:
        reply = _call(namespace[req["name"]], decode(req["args"]), decode(req.get("kwargs", {"dict": []})))
    publish_display_data({MIME: reply})


def _describe(namespace: dict, name: str):
    if name not in namespace:
        return {"kind": "missing"}
    value = namespace[name]
    if callable(value):
        return {"kind": "function"}
    try:
        return {"kind": "value", "value": encode(value)}
    except TypeError:
        return {"kind": "opaque", "type": type(value).__name__}


def _call(fn, args, kwargs):
    try:
        result = fn(*args, **kwargs)
    except BaseException as err:  # noqa: B036  (every failure of student code is reported to the judge)
        return {"raised": type(err).__name__, "message": str(err)[:2000], "line": _student_line(err)}
    try:
        # The arguments go back too, so that changes made in place (e.g. params -= lr * grads) reach the judge.
        return {"result": encode(result), "args": encode(args), "kwargs": encode(kwargs)}
    except TypeError as err:
        return {"raised": "TypeError", "message": f"the result cannot be graded: {err}", "line": ""}


def _student_line(err: BaseException) -> str:
    import traceback

    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.startswith("<ipython-input")
              or "ipykernel_" in f.filename]
    if not frames or not frames[-1].line:
        return ""
    return f" (at line {frames[-1].lineno}: `{frames[-1].line}`)"


# ---- judge side: runs in the judge kernel -----------------------------------------------------------------


class StudentKernel:
    """A client of the student's kernel used by the proxies in the judge."""

    def __init__(self, connection_file: str, call_timeout: float):
        from jupyter_client import BlockingKernelClient

        self.call_timeout = call_timeout
        self.client = BlockingKernelClient(context=bounded_context())
        self.client.load_connection_file(connection_file)
        # A heartbeat missed for 1 s (the default) on a busy machine is not a dead kernel; a dead one is still
        # noticed within 10 s, and the runner watches the process itself.
        self.client.hb_channel.time_to_dead = 10.0
        self.client.start_channels()
        wait_ready(self.client, alive=lambda: True, timeout=120)  # the runner watches the student's process

    def request(self, req: dict) -> dict:
        """Send ``req`` to ``serve`` in the student's kernel; return its decoded JSON reply."""
        code = f"__import__('rnnlab.grading.wire', fromlist=['serve']).serve(globals(), {json.dumps(json.dumps(req))})"
        if len(code) > MAX_PAYLOAD:
            raise StudentRaised("the arguments are too large to send")
        msg_id = self.client.execute(code, silent=False, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + self.call_timeout
        reply = None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StudentTimeout(f"your function did not return within {self.call_timeout:g} s")
            try:
                msg = self.client.get_iopub_msg(timeout=min(remaining, 0.5))
            except Exception as err:  # queue.Empty; the kernel may be gone
                if type(err).__name__ != "Empty":
                    raise
                if not self.client.is_alive():
                    raise StudentKernelDied("your kernel died while your function was running") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "display_data" and MIME in msg["content"].get("data", {}):
                reply = msg["content"]["data"][MIME]
            elif kind == "error" and reply is None:
                ename, evalue = msg["content"].get("ename", "Error"), msg["content"].get("evalue", "")
                reply = {"raised": str(ename), "message": str(evalue)[:2000], "line": ""}
            elif kind == "status" and msg["content"].get("execution_state") == "idle":
                break
        if not isinstance(reply, dict):
            raise StudentRaised("your kernel sent no result (did your code replace the kernel's display?)")
        return reply


class StudentFunction:
    """Stands for the function ``name`` defined in the student's kernel."""

    def __init__(self, kernel: StudentKernel, name: str):
        self._kernel = kernel
        self.__name__ = self.__qualname__ = name

    def __repr__(self) -> str:
        return f"<your function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        request = {"op": "call", "name": self.__name__, "args": encode(args), "kwargs": encode(kwargs)}
        reply = self._kernel.request(request)
        if "raised" in reply:
            raise rebuild(str(reply["raised"]), str(reply["message"]) + str(reply.get("line", "")))
        write_back(args, decode(reply["args"]))
        write_back(kwargs, decode(reply["kwargs"]))
        return decode(reply["result"])


_MUTABLE = (np.ndarray, np.random.Generator, dict, list, tuple)


def write_back(original, changed) -> None:
    """Copy into the judge's arguments what the student's function changed in place (arrays, dicts, lists)."""
    if isinstance(original, np.random.Generator) and isinstance(changed, np.random.Generator):
        original.bit_generator.state = changed.bit_generator.state  # draws made by the student's function
    elif isinstance(original, np.ndarray):
        if isinstance(changed, np.ndarray) and changed.shape == original.shape and original.flags.writeable:
            original[...] = changed
    elif isinstance(original, dict) and isinstance(changed, dict):
        for key, value in changed.items():
            if key in original and isinstance(original[key], _MUTABLE):
                write_back(original[key], value)
            else:
                original[key] = value
        for key in [k for k in original if k not in changed]:
            del original[key]
    elif isinstance(original, list | tuple) and isinstance(changed, list | tuple) and len(original) == len(changed):
        for i, (old, new) in enumerate(zip(original, changed, strict=True)):
            if isinstance(old, _MUTABLE):
                write_back(old, new)
            elif isinstance(original, list):
                original[i] = new


def rebuild(name: str, message: str) -> BaseException:
    """An exception of the builtin type ``name`` (never BaseException-only types), else StudentRaised."""
    cls = getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(message)
        except TypeError:
            pass
    return StudentRaised(f"{name}: {message}", name if name.isidentifier() else "StudentRaised")


_judge: dict = {}


def judge_init(connection_file: str, call_timeout: float, socket_path: str, withheld: list[str]) -> None:
    """Connect the judge kernel to the student's kernel, answer the ``withheld`` library functions' calls on
    ``socket_path`` and make delegation checks count those calls (see withhold.py)."""
    from rnnlab.checks import _common
    from rnnlab.grading import withhold

    _judge["kernel"] = StudentKernel(connection_file, call_timeout)
    server = withhold.Server(socket_path, withheld)
    original = _common.assert_not_delegating

    def assert_not_delegating(student_fn, library_fn, *args, **kwargs):
        __tracebackhide__ = True
        if not isinstance(student_fn, StudentFunction):
            return original(student_fn, library_fn, *args, **kwargs)
        names = [withhold.name_of(fn) for fn in (library_fn if isinstance(library_fn, tuple) else (library_fn,))]
        unknown = [n for n in names if n not in server.counts]
        if unknown:  # the checks module's WITHHELD_WHILE_GRADING misses it: the grader's problem, not the student's
            raise GraderSetupError(f"{unknown} not in the notebook's WITHHELD_WHILE_GRADING")
        before = {n: server.calls(n) for n in names}
        name = student_fn.__name__
        result = _common.call_student(student_fn, f"{name}(...)", *args, **kwargs)
        for n in names:
            if server.calls(n) > before[n]:
                _common.delegated_to(name, n.rsplit(".", 1)[1])
        return result

    _common.assert_not_delegating = assert_not_delegating


def last_mistake() -> None:
    """Print the mistake key of the check that failed last in this (the judge's) kernel, or nothing."""
    print(getattr(getattr(sys, "last_value", None), "key", ""))


def bind(namespace: dict, names: list[str]) -> None:
    """Bind in ``namespace`` what each answer name currently is in the student's kernel."""
    kernel = _judge["kernel"]
    reply = kernel.request({"op": "describe", "names": names})
    for name in names:
        info = reply.get(name, {"kind": "missing"}) if isinstance(reply, dict) else {"kind": "missing"}
        namespace.pop(name, None)
        if info.get("kind") == "function":
            namespace[name] = StudentFunction(kernel, name)
        elif info.get("kind") == "value":
            namespace[name] = decode(info["value"])
        elif info.get("kind") == "opaque":
            namespace[name] = f"<a {info.get('type')} object>"
