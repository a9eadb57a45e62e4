#!/usr/bin/env python3
# bench/report.py - results.md and PNG plots from bench/bench.py's raw.jsonl.
#
#   python3 bench/report.py bench/results
#
# Flop counts (hand-counted adds and multiplies per step and sequence;
# tanh, sigmoid and exp not counted): GRU 6*D*(I+D) + 14*D (D = 64, I = 32:
# 37 760), elementwise 7*D (D = 64: 448). The peak is lds-bench peak's
# measured single-core FMA throughput (bench/hand/peak.cpp) times threads.
import json
import os
import re
import statistics
import sys
from collections import defaultdict

OUT = sys.argv[1]
RAW = [json.loads(l) for l in open(os.path.join(OUT, "raw.jsonl"))]
EXAMPLES = ["gru", "lstm", "s5", "langevin", "elementwise", "ssm"]
SOLVERS = ["sequential", "auto", "jacobi", "picard", "quasi-newton", "newton"]
FLOPS = {"gru64": 6 * 64 * (32 + 64) + 14 * 64, "elementwise": 7 * 64}


def kind(k):
    return [o for o in RAW if o["kind"] == k]


def one(k):
    objs = kind(k)
    return objs[0] if objs else {}


def ms(s):
    if s is None:
        return "–"
    v = s * 1e3
    return f"{v:.3g} ms" if v < 1000 else f"{v / 1e3:.3g} s"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


machine, cfg = one("machine"), one("config")
peaks = [o["flops_per_second"] for o in kind("peak") if o.get("flops_per_second")]
peak = statistics.median(peaks) if peaks else None
md = []
w = md.append
w(f"# lds benchmark results\n\nMachine: {machine.get('model_name')} (family "
  f"{machine.get('family')}, model {machine.get('model')}), {machine.get('cpus')} CPUs, "
  f"{machine.get('mem')}, AVX-512: {'yes' if machine.get('avx512f') else 'no'}, "
  f"cpuinfo MHz {machine.get('mhz')}; {machine.get('gxx')}.\n"
  f"Date {machine.get('date')}, commit {machine.get('commit')}, "
  f"{'--quick' if machine.get('quick') else 'full run'}; load average at start "
  f"{machine.get('loadavg', [0])[0]:.2f}, at the end {one('done').get('loadavg', [0])[0]:.2f} "
  f"(2 cores shared with other work make timings noisy).\n")
for p in kind("phase"):
    if not p.get("skipped"):
        w(f"- phase {p['name']}: load average {p['loadavg'][0]:.2f}")
w("")
if peak:
    w(f"Measured FMA peak of one core (`lds-bench peak`, 12 chains of 16-lane "
      f"FMAs): median {peak / 1e9:.1f} GFLOP/s of {len(peaks)} runs "
      f"({', '.join(f'{p / 1e9:.1f}' for p in peaks)}). Nominal: 2 FMA pipes × 8 float32 "
      f"lanes (256-bit; AVX-512 runs as two halves on Zen 4) × 2 flops × clock = "
      f"32 flops/cycle × clock.\n")

# Google Benchmark timings: run name -> {median, cv, counters}.
gb = {}
for t in kind("timings"):
    for b in t["gb"]["benchmarks"]:
        name = re.sub(r"/(repeats:\d+|process_time|real_time)(/.*)?$", "",
                      b.get("run_name", b["name"]))
        agg = b.get("aggregate_name", "median")
        scale = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1}[b["time_unit"]]
        e = gb.setdefault(name, {})
        if agg in ("median", "mean", "stddev"):
            e[agg] = b["real_time"] * scale
            e["cpu_" + agg] = b["cpu_time"] * scale
            e.update({k: b[k] for k in ("flops", "steps", "lds_iterations", "fallbacks") if k in b})
        elif agg == "cv":
            e["cv"] = b["real_time"]
        e.setdefault("reps", b.get("repetitions", 1))
torch = {(o["model"], o["batch"], o["threads"]): o for o in kind("torch")}


def gflops(name_or_flops, t, threads):
    if not t or not name_or_flops:
        return "–"
    g = name_or_flops / t / 1e9
    return f"{g:.1f}" + (f" ({100 * g / (peak * threads / 1e9):.0f}%)" if peak else "")


def med(name):
    return gb.get(name, {}).get("median")


def cpu(name):
    return gb.get(name, {}).get("cpu_median")


def cv(name):
    c = gb.get(name, {}).get("cv")
    return f"{100 * c:.0f}%" if c is not None else "–"


seqT = cfg.get("seq_T")
w(f"## Sequential solve against the hand-written loop and PyTorch (T = {seqT})\n")
w("`lds-bench time` (Google Benchmark, median of "
  f"{cfg.get('gb_reps')} repetitions, `--benchmark_min_time={cfg.get('gb_min_time')}`; "
  "noise = coefficient of variation over the repetitions) and `bench/torch_bench.py` "
  "(median). lds: `lds_solve` with `LDS_SOLVER_SEQUENTIAL`, the model compiled by "
  "`lds-compile --target=cpu --cpu=native`. Hand: `bench/hand/*.cpp`, `g++ -O3 "
  "-march=native -ffast-math`. PyTorch: `torch.nn.GRU` (inference, `no_grad`), and an "
  "eager loop of torch ops for the elementwise model. GFLOP/s (% of the measured peak × "
  "threads). \"By CPU time\": the same ratios from the process's CPU time, less sensitive "
  "to other work on the machine than wall time.\n")
rows = []
for m in ["gru64", "elementwise"]:
    for b in (8, 16):
        for k in (1, 2):
            tail = f"{m}/b{b}/t{k}"
            ls, hs = med("seq/" + tail), med("hand/" + tail)
            to = torch.get((m, b, k))
            ts = statistics.median(to["times"]) if to else None
            tc = statistics.median(to["cpu_times"]) if to and "cpu_times" in to else None
            f = FLOPS[m] * seqT * b
            cpus = (f"{ratio(cpu('seq/' + tail), cpu('hand/' + tail))} / "
                    f"{ratio(tc, cpu('seq/' + tail))}") if k == 1 else ""
            rows.append([m, b, k, ms(ls), ms(hs), ms(ts), ratio(ls, hs), ratio(ts, ls), cpus,
                         gflops(f, ls, k), gflops(f, hs, k), gflops(f, ts, k),
                         f"{cv('seq/' + tail)} / {cv('hand/' + tail)}"])
w(table(["model", "batch", "threads", "lds", "hand", "torch", "lds / hand", "torch / lds",
         "by CPU time (1 thread)", "lds GFLOP/s", "hand GFLOP/s", "torch GFLOP/s",
         "noise lds / hand"], rows))
h1 = [(b, med(f"hand1/gru64/b{b}/t1"), med(f"hand/gru64/b{b}/t1")) for b in (8, 16)]
w("The hand GRU one sequence at a time (no blocking of 4 sequences per weight load): " +
  "; ".join(f"batch {b}: {ms(a)} ({ratio(a, c)} the blocked loop)" for b, a, c in h1) + ".\n")
w("Same results (`lds-bench verify`, float32, threads 1, batch 8):\n")
for v in kind("verify"):
    w(f"- {v['model']}: max |lds − hand| = {v['max_abs_diff_lds_vs_hand']:.2g} (states up "
      f"to {v['max_abs_state']:.2g}); hand blocked vs unblocked "
      f"{v['max_abs_diff_hand_block4_vs_block1']:.2g}")
for v in kind("torch_check"):
    w(f"- {v['model']}: max |torch − hand| = {v['max_abs_diff_torch_vs_hand']:.2g}")
w("")

iterT = cfg.get("iter_T")
w(f"## One iteration of each solver against one sequential pass (batch 1, T = {iterT})\n")
w(f"`lds-bench time`: `iter/<model>/<solver>/t<k>` is `lds_solve` with `max_iters = 1` "
  "(one iteration over the whole window, including the call's setup), `pass/<model>/t<k>` "
  f"the sequential solve of the same data; median of {cfg.get('iter_reps')} repetitions. "
  "With 1 thread an iteration is one pass "
  "(K = 1 chunk); with 2 threads the window is split in 2 chunks (reduce, carry, sweep).\n")
rows = []
for m in EXAMPLES + ["gru64"]:
    p1 = med(f"pass/{m}/t1")
    for s in SOLVERS[2:]:
        i1, i2 = med(f"iter/{m}/{s}/t1"), med(f"iter/{m}/{s}/t2")
        if i1 is None:
            continue
        rows.append([m, s, ms(p1), ms(i1), ratio(i1, p1),
                     ratio(cpu(f"iter/{m}/{s}/t1"), cpu(f"pass/{m}/t1")), ms(i2), ratio(i1, i2),
                     f"{cv(f'iter/{m}/{s}/t1')} / {cv(f'iter/{m}/{s}/t2')}"])
w(table(["model", "solver", "pass, 1 thread", "iteration, 1 thread", "iteration / pass",
         "by CPU time", "iteration, 2 threads", "speed-up 1 → 2", "noise 1t / 2t"], rows))

conv = defaultdict(dict)
for o in kind("converge"):
    conv[(o["model"], o["solver"], o["guard"])][o["T"]] = o
timeouts = [o for o in kind("timeout")]


def cell_key(command):
    """(model, solver, T, guard) of a `lds-bench converge` command line."""
    t = command.split()
    if "converge" not in t:
        return None
    v = {t[i][2:]: t[i + 1] for i in range(len(t) - 1) if t[i].startswith("--")}
    return (v.get("model"), v.get("solver"), int(v.get("T", 0)), v.get("guard", "on") == "on")


missing = {}
for o in timeouts:
    missing[cell_key(o["command"])] = f"timeout (> {o['timeout_s']} s)"
for o in kind("skipped"):
    missing[cell_key(o["command"])] = "not run"
Ts = cfg.get("Ts", [])
w("## Iterations to converge against T (the convergence table)\n")
w("`lds-bench converge --model M --solver S --T N --guard off --max-iters CAP`: batch 1, "
  "2 threads, lds-run's random data (seed 0), default tolerances, the runtime's cost guard "
  "off (the compiler's cost estimates zeroed in a copy of the descriptor) so the solver "
  "runs until it converges; CAP = min(T, max(50, 2·10⁷ / T)). `> CAP`: not converged "
  "within CAP iterations; `k → sequential`: the iterates became non-finite (the solver "
  "diverged) and the runtime's fallback finished sequentially after k iterations; `not run`: skipped because the same cell timed out or took more "
  "than a tenth of the time limit at the previous T (listed at the end). Last column: the largest max |x − sequential solve| of the row's "
  "converged cells.\n")
rows = []
for m in EXAMPLES:
    for s in SOLVERS[2:]:
        cells, diffs = [], []
        for T in Ts:
            o = conv[(m, s, False)].get(T)
            if not o:
                cells.append(missing.get((m, s, T, False), "–"))
                continue
            it = o["iterations"]
            if o["fallbacks"]:
                cells.append(f"{it} → {o['finished_with']}")
            else:
                cells.append(f"{it}" if o["converged"] else f"> {o['max_iters']}")
            if o["converged"] and not o["fallbacks"] and \
                    o["max_abs_diff_vs_sequential"] is not None:
                diffs.append(o["max_abs_diff_vs_sequential"])
        rows.append([m, s] + cells + [f"{max(diffs):.1g}" if diffs else "–"])
w(table(["model", "solver"] + [f"T = {T}" for T in Ts] + ["max diff"], rows))

w("## Time of a default solve per solver against T\n")
w(f"`lds-bench converge --model M --solver S --T N` (cost guard on, as users run it; batch 1, "
  f"2 threads; median [fastest] of up to {cfg.get('reps')} runs within 2 s). `k it`: iterations; "
  "`→ seq`: the cost guard or a fallback finished sequentially.\n")
rows = []
for m in EXAMPLES:
    for s in SOLVERS:
        cells = []
        for T in Ts:
            o = conv[(m, s, True)].get(T)
            if not o:
                cells.append(missing.get((m, s, T, True), "–"))
                continue
            note = f"{o['iterations']} it" if s != "sequential" else ""
            if o["fallbacks"] or (s not in ("sequential", "auto") and o["finished_with"] != s):
                note += " → seq" if o["finished_with"] == "sequential" else f" → {o['finished_with']}"
            if s == "auto":
                note = f"{o['finished_with']}, {note}"
            t = ms(o["seconds_median"]) + (f" [{ms(o['seconds_min'])}]" if o["reps"] > 1 else "")
            cells.append(f"{t} ({note.strip(', ')})" if note else t)
        rows.append([m, s] + cells)
w(table(["model", "solver"] + [f"T = {T}" for T in Ts], rows))

w("## lds-compile time per model\n")
w(f"`lds-compile MODEL.lds -o x.o --target=cpu --cpu=native`, median of "
  f"{cfg.get('reps')} runs: wall time, and CPU time (user + system: less sensitive to other "
  "work on the machine).\n")
w(table(["model", "wall", "CPU", "wall, all runs"],
        [[c["model"], ms(statistics.median(c["times"])) + ("" if c["ok"] else " (failed)"),
          ms(statistics.median(c["cpu_times"])), ", ".join(ms(t) for t in c["times"])]
         for c in kind("compile")]))

w(f"## Peak memory per solve (T = {cfg.get('mem_T')}, batch 1)\n")
w("`lds-bench memory --model M --solver S --T N` (2 threads): growth of the process's peak "
  "resident set during one `lds_solve` (`VmHWM` after the solve − `VmRSS` before it, the "
  "peak reset through `/proc/self/clear_refs`), after the caller's data and `states` are "
  "allocated and touched; each in a fresh process.\n")
mem = defaultdict(dict)
for o in kind("memory"):
    mem[o["model"]][o["solver"]] = o
rows = []
for m in EXAMPLES:
    if m in mem:
        st = next(iter(mem[m].values()))["states_kib"]
        rows.append([m, f"{st} KiB"] + [
            f"{mem[m][s]['solve_peak_kib']} KiB" if s in mem[m] and mem[m][s]["status"] == "ok"
            else (mem[m][s]["status"] if s in mem[m] else "–") for s in SOLVERS])
w(table(["model", "states buffer"] + SOLVERS, rows))

if timeouts or kind("failed") or kind("skipped"):
    w("## Runs that timed out, failed or were skipped\n")
    for o in timeouts:
        w(f"- timeout ({o['timeout_s']} s): `{o['command']}`")
    for o in kind("failed"):
        w(f"- failed (rc {o['rc']}): `{o['command']}`")
    for o in kind("skipped"):
        w(f"- skipped (the same cell {o.get('why', 'timed out')}; the limit is "
          f"{cfg.get('timeout')} s): `{o['command']}`")
    w("")

# Targets of issue #6.
w("## Issue #6 targets\n")
rows = []
ls, hs = med(f"seq/gru64/b8/t1"), med(f"hand/gru64/b8/t1")
to = torch.get(("gru64", 8, 1))
ts = statistics.median(to["times"]) if to else None
if ls and hs:
    rows.append([f"sequential ≤ 1.15× hand loop (GRU D=64, I=32, T={seqT}, batch 8, 1 thread)",
                 f"{ls / hs:.2f}×", "met" if ls / hs <= 1.15 else "missed"])
if ls and ts:
    rows.append(["sequential ≥ 3× faster than torch.nn.GRU (same, 1 thread)",
                 f"{ts / ls:.2f}×", "met" if ts / ls >= 3 else "missed"])
worst, worst_s, worst_c = None, None, None
n_it = n_it_ok = n_sc = n_sc_ok = n_c_ok = 0
for m in EXAMPLES + ["gru64"]:
    p1 = med(f"pass/{m}/t1")
    for s in ("jacobi", "picard", "quasi-newton"):
        i1 = med(f"iter/{m}/{s}/t1")
        if p1 and i1:
            n_it, n_it_ok = n_it + 1, n_it_ok + (i1 / p1 <= 3)
            if worst is None or i1 / p1 > worst:
                worst, worst_at = i1 / p1, f"{m} {s}"
            c = cpu(f"iter/{m}/{s}/t1") / cpu(f"pass/{m}/t1")
            n_c_ok += c <= 3
            if worst_c is None or c > worst_c:
                worst_c, worst_c_at = c, f"{m} {s}"
        i2 = med(f"iter/{m}/{s}/t2")
        if i1 and i2:
            n_sc, n_sc_ok = n_sc + 1, n_sc_ok + (i1 / i2 >= 1.7)
            if worst_s is None or i1 / i2 < worst_s:
                worst_s, worst_s_at = i1 / i2, f"{m} {s}"
if worst:
    rows.append([f"one iteration (Picard, quasi-Newton, Jacobi), 1 thread ≤ 3× a sequential pass "
                 f"(batch 1, T = {iterT})", f"worst {worst:.2f}× ({worst_at}); {n_it_ok} of "
                 f"{n_it} model × solver pairs within; by CPU time worst {worst_c:.2f}× "
                 f"({worst_c_at}), {n_c_ok} of {n_it} within", "met" if worst <= 3 else "missed"])
if worst_s:
    rows.append(["the same iteration on 2 threads ≥ 1.7× faster than on 1",
                 f"worst {worst_s:.2f}× ({worst_s_at}); {n_sc_ok} of {n_sc} pairs within",
                 "met" if worst_s >= 1.7 else "missed"])
worst_a = None
for m in EXAMPLES:
    for T in Ts:
        a, q = conv[(m, "auto", True)].get(T), conv[(m, "sequential", True)].get(T)
        if a and q and a["seconds_median"] and q["seconds_median"]:
            r = a["seconds_median"] / q["seconds_median"]
            rmin = a["seconds_min"] / q["seconds_min"]
            if worst_a is None or r > worst_a:
                worst_a, worst_a_at, worst_a_min = r, f"{m}, T = {T}", rmin
if worst_a:
    rows.append(["`--solver=auto` ≤ 1.25× the sequential solve (examples, batch 1, 2 threads)",
                 f"worst {worst_a:.2f}× ({worst_a_at}; {worst_a_min:.2f}× by the fastest runs)",
                 "met" if worst_a <= 1.25 else "missed"])
comp = [(statistics.median(c["times"]), c["model"]) for c in kind("compile")
        if c["model"] in EXAMPLES]
if comp:
    t, m = max(comp)
    c = statistics.median(next(o for o in kind("compile") if o["model"] == m)["cpu_times"])
    rows.append(["lds-compile of each example < 2 s", f"slowest {t:.2f} s wall, {c:.2f} s CPU "
                 f"({m})", "met" if t < 2 else "missed"])
w(table(["target", "measured", ""], rows))
open(os.path.join(OUT, "results.md"), "w").write("\n".join(md))

# Plots.
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)
colors = dict(zip(SOLVERS, ["black", "grey", "tab:blue", "tab:orange", "tab:green", "tab:red"]))
for name, guard, solvers, ylabel in [("iterations_vs_T", False, SOLVERS[2:], "iterations"),
                                     ("time_vs_T", True, SOLVERS, "seconds")]:
    if len(Ts) < 2:
        continue
    fig, axes = plt.subplots(1, len(EXAMPLES), figsize=(3.2 * len(EXAMPLES), 3), dpi=80)
    for ax, m in zip(axes, EXAMPLES):
        for s in solvers:
            pts = [(T, o) for T, o in sorted(conv[(m, s, guard)].items())]
            if not guard:  # lines through converged runs; x: capped, v: diverged
                bad = [(T, o) for T, o in pts if not o["converged"] or o["fallbacks"]]
                pts = [(T, o) for T, o in pts if o["converged"] and not o["fallbacks"]]
                for T, o in bad:
                    ax.plot([T], [o["iterations"]], "v" if o["fallbacks"] else "x",
                            color=colors[s], ms=8)
            if not pts:
                continue
            xs = [T for T, _ in pts]
            ys = [o["iterations"] if not guard else o["seconds_median"] for _, o in pts]
            ax.plot(xs, ys, "o-", color=colors[s], label=s, ms=4,
                    ls="--" if s == "auto" else "-")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(m)
        ax.set_xlabel("T")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)
    if not guard:
        fig.suptitle("iterations to converge (x: not converged at the cap; v: diverged, "
                     "finished sequentially)", fontsize=9)
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, name + ".png"))
