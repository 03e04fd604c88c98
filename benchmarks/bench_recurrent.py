"""Benchmark rnnlab's RNN, LSTM and GRU (forward + backward) against numpy.matmul's peak on this machine.

Run:  python benchmarks/bench_recurrent.py [--repeats 5] [--quick] [--threads 1]

For each cell, size and dtype it times one forward plus one backward pass over the whole sequence
(best of --repeats), counts the matrix-product flops, and divides by the best numpy.matmul rate measured
in the same run on the matrix shapes the layers use. It prints a markdown table. The fraction of peak says
how much of the time goes into the products rather than into the element-wise gate arithmetic and Python.

Flop count for G gate blocks (RNN 1, GRU 3, LSTM 4), all of them matrix products:
    forward   x @ Wx for all steps 2 N T D GH,   h_prev @ Wh per step 2 N T H GH
    backward  dx 2 N T D GH,  dWx 2 N T D GH,  dh_prev 2 N T H GH,  dWh 2 N T H GH
    total     6 N T GH (D + H)
The element-wise work (sigmoid, tanh, products) is not counted, so 100% is not reachable.
The machine may be shared: numbers are only comparable within one run. Another process that keeps a core
busy stalls multi-threaded BLAS; --threads 1 (single-threaded BLAS, both for the cells and for the peak)
is much less sensitive to that. The default is one BLAS thread per core.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from rnnlab.nn.gru import gru_backward, gru_forward
from rnnlab.nn.lstm import lstm_backward, lstm_forward
from rnnlab.nn.rnn import rnn_backward, rnn_forward

CELLS = {
    "RNN": (1, rnn_forward, rnn_backward),
    "LSTM": (4, lstm_forward, lstm_backward),
    "GRU": (3, gru_forward, gru_backward),
}
SIZES = {
    "small": dict(N=32, T=100, D=64, H=128),
    "large": dict(N=64, T=100, D=256, H=512),
}


def best_time(fn, repeats: int) -> float:
    fn()  # warm up (page faults, BLAS threads)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def matmul_peak(N, T, D, H, dtype, repeats: int, rng) -> float:
    """Best numpy.matmul GFLOP/s over the product shapes an LSTM (the widest cell) uses at this size."""
    GH = 4 * H
    shapes = [
        (N, H, GH),  # h_prev @ Wh, one step
        (N, GH, H),  # da @ Wh.T, one step
        (N * T, D, GH),  # x @ Wx, all steps
        (H, N * T, GH),  # h_prev.T @ da, all steps
    ]
    best = 0.0
    for m, k, n in shapes:
        a = rng.standard_normal((m, k)).astype(dtype)
        b = rng.standard_normal((k, n)).astype(dtype)
        out = np.empty((m, n), dtype)
        t = best_time(lambda a=a, b=b, out=out: np.matmul(a, b, out=out), max(repeats, 5))
        best = max(best, 2 * m * k * n / t / 1e9)
    return best


def bench_cell(name, N, T, D, H, dtype, repeats, rng):
    G, forward, backward = CELLS[name]
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = (0.1 * rng.standard_normal((N, H))).astype(dtype)
    Wx = (rng.standard_normal((D, G * H)) / np.sqrt(D)).astype(dtype)
    Wh = (rng.standard_normal((H, G * H)) / np.sqrt(H)).astype(dtype)
    b = np.zeros(G * H, dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)

    def fwd_bwd():
        _, cache = forward(x, h0, Wx, Wh, b)
        backward(dh, cache)

    def fwd_only():
        forward(x, h0, Wx, Wh, b)

    t_total = best_time(fwd_bwd, repeats)
    t_fwd = best_time(fwd_only, repeats)
    flops = 6 * N * T * G * H * (D + H)
    return t_fwd, t_total, flops / t_total / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per case (best is kept)")
    parser.add_argument("--quick", action="store_true", help="small size only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0, help="BLAS threads (default: one per core)")
    args = parser.parse_args(argv)
    # Importing rnnlab limits BLAS to one thread (what the notebooks use); the benchmark sets its own number.
    threadpool_limits(limits=args.threads or os.cpu_count(), user_api="blas")
    rng = np.random.default_rng(args.seed)

    print(f"# rnnlab recurrent benchmark: numpy {np.__version__}, {platform.machine()}, {os.cpu_count()} cpus")
    print()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    threads = threadpool_info()[0]["num_threads"] if threadpool_info() else "unknown"
    print(
        f"load average at start: {load:.2f}; BLAS threads: {threads}; "
        f"best of {args.repeats} (large) / {4 * args.repeats} (small) runs"
    )
    print()
    print("| cell | N, T, D, H | dtype | forward (ms) | fwd+bwd (ms) | GFLOP/s | matmul peak (GFLOP/s) | % of peak |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    sizes = ["small"] if args.quick else ["small", "large"]
    for size in sizes:
        s = SIZES[size]
        repeats = args.repeats if size == "large" else 4 * args.repeats  # small cases are cheap
        for dtype in (np.float64, np.float32):
            # Other processes can only slow a measurement down, so keep the best of everything: the peak is
            # measured before and after the cells (a disturbed peak would flatter the fraction).
            peak = matmul_peak(s["N"], s["T"], s["D"], s["H"], dtype, repeats, rng)
            rows = [(name, *bench_cell(name, **s, dtype=dtype, repeats=repeats, rng=rng)) for name in CELLS]
            peak = max(peak, matmul_peak(s["N"], s["T"], s["D"], s["H"], dtype, repeats, rng))
            for name, t_fwd, t_total, gflops in rows:
                print(
                    f"| {name} | {s['N']}, {s['T']}, {s['D']}, {s['H']} | {np.dtype(dtype).name} "
                    f"| {1e3 * t_fwd:.1f} | {1e3 * t_total:.1f} | {gflops:.1f} | {peak:.1f} "
                    f"| {100 * gflops / peak:.0f}% |",
                    flush=True,
                )
    if hasattr(os, "getloadavg"):
        print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
