#!/usr/bin/env python3
"""The GPU tables of docs/BENCHMARKS.md from the results of gpu-bundle/run.sh.

    python3 bench/gpu_report.py gpu-bundle/results [MORE_RESULT_DIRS ...] > gpu.md

Reads, from each folder (later folders add to and override earlier ones,
file by file): roofline.json (lds-gpu-roofline), nvidia-smi.csv, bench.csv
(lds-gpu-bench), jax.jsonl (jax_run.py), ncu-*.csv (Nsight Compute, raw page),
phase-*.txt and examples.txt; writes Markdown: the device and its measured
roofline, the issue #5 targets (met / missed / not measured, with the
numbers), one iteration at D = 64 against the roofline, every solve with its
speedup over lds's sequential GPU kernel, JAX side by side, the ncu
metrics, and what was skipped or failed.

Fractions of the roofline use the measured figures of roofline.json (DRAM:
the better of a device-to-device cudaMemcpy and a copy kernel, bytes read
plus written; fp32/fp64: FMA chains); the nominal ones are shown beside them.
Results of the GPU emulator (bench.csv's "# backend: emulator") are labelled
as such and never count for a target. Standard library only.
"""
import csv
import glob
import io
import json
import os
import re
import sys

GB = 1e9


# ----------------------------------------------------------------------------- reading

def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def read_bench(text):
    """(rows, header comments, backend) of lds-gpu-bench's CSV."""
    comments, lines = [], []
    for line in text.splitlines():
        if line.startswith("#"):
            comments.append(line[1:].strip())
        elif line.strip():
            lines.append(line)
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    backend = "cuda"
    for c in comments:
        if c.startswith("backend:"):
            backend = "emulator" if "emulator" in c else c.split(":", 1)[1].strip()
    return rows, comments, backend


def number(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


UNIT_SCALE = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "K": 1e3, "k": 1e3,
              "M": 1e6, "G": 1e9, "T": 1e12}


def base_value(value, unit):
    """An ncu value in base units (seconds, bytes) given its unit string."""
    v = number(str(value).replace(",", ""))
    if v is None:
        return None
    m = re.fullmatch(r"([numkKMGT]?)(second|byte)", unit or "")
    if m:
        return v * UNIT_SCALE[m.group(1)]
    return v


def read_ncu(text):
    """[(kernel name, {metric: value in base units})] of an ncu raw CSV."""
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.startswith('"ID"')), None)
    if start is None:
        return []
    body = [l for l in lines[start:] if l.startswith('"')]
    table = list(csv.reader(io.StringIO("\n".join(body))))
    if not table:
        return []
    header = table[0]
    units = {}
    rows = table[1:]
    name_col = header.index("Kernel Name") if "Kernel Name" in header else None
    if rows and name_col is not None and not rows[0][name_col]:
        units = dict(zip(header, rows[0]))
        rows = rows[1:]
    out = []
    for r in rows:
        rec = dict(zip(header, r))
        metrics = {k: base_value(v, units.get(k, "")) for k, v in rec.items()
                   if "__" in k}
        out.append((rec.get("Kernel Name", "?"), metrics))
    return out


class Results:
    def __init__(self, dirs):
        self.dirs = dirs
        self.roofline = {}
        self.smi = {}
        self.bench, self.comments, self.backend = [], [], None
        self.jax = []
        self.ncu = {}
        self.phases = {}
        self.examples = None
        for d in dirs:
            self._read(d)

    def _read(self, d):
        p = os.path.join(d, "roofline.json")
        if os.path.exists(p):
            text = read_text(p).strip()
            try:
                self.roofline = json.loads(text.splitlines()[-1]) if text else {}
            except ValueError:
                self.roofline = {"error": "unreadable roofline.json"}
        p = os.path.join(d, "nvidia-smi.csv")
        if os.path.exists(p):
            rows = list(csv.reader(io.StringIO(read_text(p))))
            if len(rows) >= 2 and len(rows[0]) == len(rows[1]):
                self.smi = {k.strip(): v.strip() for k, v in zip(rows[0], rows[1])}
        p = os.path.join(d, "bench.csv")
        if os.path.exists(p):
            self.bench, self.comments, self.backend = read_bench(read_text(p))
        p = os.path.join(d, "jax.jsonl")
        if os.path.exists(p):
            self.jax = []
            for line in read_text(p).splitlines():
                line = line.strip()
                if line.startswith("{"):
                    try:
                        self.jax.append(json.loads(line))
                    except ValueError:
                        pass
        for p in sorted(glob.glob(os.path.join(d, "ncu-*.csv"))):
            table = read_ncu(read_text(p))
            if table:
                self.ncu[os.path.basename(p)[4:-4]] = table
        for p in sorted(glob.glob(os.path.join(d, "phase-*.txt"))):
            self.phases[os.path.basename(p)[6:-4]] = read_text(p).strip()
        p = os.path.join(d, "examples.txt")
        if os.path.exists(p):
            text = read_text(p)
            summary = [l for l in text.splitlines()
                       if re.match(r"\[  (PASSED|FAILED|SKIPPED) ", l)]
            self.examples = summary

    # ---- derived
    def peak(self, kind):
        """Measured roofline figure: kind in hbm_GBps, fp32_GFLOPs, fp64_GFLOPs."""
        return number((self.roofline.get("roofline") or {}).get(kind))

    def emulated(self):
        return self.backend == "emulator"


# ----------------------------------------------------------------------------- formatting

def fmt_time(s):
    if s is None:
        return ""
    if s < 1e-3:
        return "%.3g µs" % (s * 1e6)
    if s < 1:
        return "%.3g ms" % (s * 1e3)
    return "%.3g s" % s


def fmt_bytes(b):
    if b is None or b <= 0:
        return ""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if b >= scale:
            return "%.3g %s" % (b / scale, unit)
    return "%d B" % b


def fmt(v, spec="%.3g"):
    return "" if v is None else spec % v


def rate(v):
    """A GB/s or GFLOP/s figure: whole numbers from 100 up."""
    if v is None:
        return ""
    return "%.0f" % v if abs(v) >= 100 else "%.3g" % v


def pct(v, peak):
    if v is None or not peak:
        return ""
    return "%.1f%%" % (100.0 * v / peak)


def with_pct(bound, v, peak):
    """'≤ 12.3 (45.6%)', the fraction left out without a roofline."""
    if v is None:
        return ""
    p = pct(v, peak)
    return "%s%s%s" % (bound, rate(v), " (%s)" % p if p else "")


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ")
                                     for c in r) + " |")
    return "\n".join(out)


def ok(row):
    return row.get("status") in ("ok", "not converged")


def row_num(row, key):
    return number(row.get(key)) if row else None


# ----------------------------------------------------------------------------- sections

def section_device(r):
    out = ["## Device", ""]
    rl = r.roofline
    if r.emulated():
        out.append("**These lds results come from the GPU emulator "
                   "(LDS_GPU_EMULATE=1): they are not GPU measurements and no "
                   "target is judged from them.**")
        out.append("")
    if rl.get("error") and not rl.get("roofline"):
        out.append("Roofline probe: %s" % rl["error"])
    elif rl:
        out.append("%s (compute capability %s, %s SMs, %s GiB; SM clock %s MHz, "
                   "memory clock %s MHz, %s-bit bus)%s" % (
                       rl.get("device", "?"), rl.get("cc", "?"), rl.get("sms", "?"),
                       rl.get("memory_GiB", "?"), rl.get("sm_clock_MHz", "?"),
                       rl.get("mem_clock_MHz", "?"), rl.get("bus_width_bits", "?"),
                       "; note: %s" % rl["note"] if rl.get("note") else ""))
    else:
        out.append("No roofline.json (the roofline phase did not run).")
    if r.smi:
        out.append("")
        out.append("nvidia-smi: " + "; ".join("%s %s" % (k, v) for k, v in r.smi.items()))
    if rl.get("roofline"):
        m, n = rl.get("measured") or {}, rl.get("nominal") or {}
        out += ["", table(["", "measured (roofline)", "nominal", "measured / nominal"], [
            ["DRAM bandwidth, GB/s (read + write)",
             "%s (memcpy %s, copy kernel %s; read-only kernel %s)" % (
                 fmt(r.peak("hbm_GBps"), "%.0f"), fmt(number(m.get("memcpy_d2d_GBps")), "%.0f"),
                 fmt(number(m.get("copy_kernel_GBps")), "%.0f"),
                 fmt(number(m.get("read_kernel_GBps")), "%.0f")),
             fmt(number(n.get("hbm_GBps")), "%.0f"),
             pct(r.peak("hbm_GBps"), number(n.get("hbm_GBps")))],
            ["fp32 FMA peak, GFLOP/s", fmt(r.peak("fp32_GFLOPs"), "%.0f"),
             fmt(number(n.get("fp32_GFLOPs")), "%.0f"),
             pct(r.peak("fp32_GFLOPs"), number(n.get("fp32_GFLOPs")))],
            ["fp64 FMA peak, GFLOP/s", fmt(r.peak("fp64_GFLOPs"), "%.0f"),
             fmt(number(n.get("fp64_GFLOPs")), "%.0f"),
             pct(r.peak("fp64_GFLOPs"), number(n.get("fp64_GFLOPs")))]])]
    if r.phases:
        out += ["", "Phases of run.sh:", ""]
        out += ["- %s" % v for v in r.phases.values()]
    if r.examples:
        out += ["", "GPU example tests (examples.txt): " + "; ".join(r.examples)]
    return "\n".join(out)


def section_models(r):
    out = ["## Models of work", ""]
    keep = [c for c in r.comments if c.startswith(("FLOP model", "byte model", "a solve",
                                                  "peak_device", "seconds"))]
    out += ["- " + c for c in keep] or ["(no bench.csv)"]
    out += ["- GB/s and GFLOP/s are those totals over the measured time; "
            "\"% HBM\" and \"% fp32\" divide them by the measured roofline above. "
            "\"≤\": an upper bound (a solve that iterated: the sliding window "
            "shrinks, the model counts the full window every iteration)."]
    return "\n".join(out)


def fastest_solve(rows, model, T):
    """The fastest converged lds solve of (model, T), any solver."""
    good = [x for x in rows if x.get("kind") == "solve" and x.get("model") == model
            and number(x.get("T")) == T and ok(x) and x.get("converged") == "1"
            and row_num(x, "seconds") is not None]
    return min(good, key=lambda x: row_num(x, "seconds")) if good else None


def best_parallel_solve(rows, model, T):
    """The fastest converged iterative lds solve of (model, T), and the sequential one."""
    seq, best = None, None
    for row in rows:
        if row.get("kind") != "solve" or row.get("model") != model or number(row.get("T")) != T:
            continue
        if not ok(row) or row_num(row, "seconds") is None:
            continue
        if row["solver"] == "sequential":
            seq = row
        elif row.get("converged") == "1" and (
                best is None or row_num(row, "seconds") < row_num(best, "seconds")):
            best = row
    return best, seq


JAX_FIXED_POINT = ("newton", "quasi-newton", "picard", "jacobi")


def jax_rows(r, model, D, T, batch=16):
    out = []
    for j in r.jax:
        argv = j.get("argv", "")
        jm = j.get("model") or _arg(argv, "--model")
        jd = j.get("D", _arg(argv, "--D"))
        jt = j.get("T", _arg(argv, "--T"))
        jb = j.get("batch", _arg(argv, "--batch") or 16)
        if jm == "s5":
            jd = 5
        if jm == model and number(jd) == D and number(jt) == T and number(jb) == batch:
            out.append(j)
    return out


def _arg(argv, name):
    parts = argv.split()
    for i, p in enumerate(parts[:-1]):
        if p == name:
            return parts[i + 1]
    return None


def jax_solver(j):
    return j.get("solver") or _arg(j.get("argv", ""), "--solver")


def jax_device_note(j):
    """A warning when JAX's device does not look like a GPU."""
    device = str(j.get("device", ""))
    if not device or re.search(r"cuda|gpu|synthetic", device, re.I):
        return ""
    return " [JAX ran on %s, not a GPU]" % device


def best_jax(rows):
    good = [j for j in rows if not j.get("error") and number(j.get("seconds"))
            and jax_solver(j) in JAX_FIXED_POINT]
    return min(good, key=lambda j: j["seconds"]) if good else None


def lds_model_name(model, D):
    """The lds-gpu-bench model for a JAX (model, D)."""
    if model == "gru":
        return "gru" if D == 8 else "gru%d" % D
    if model == "langevin":
        return "langevin" if D == 32 else "langevin%d" % D
    return model


def state(met, emulated):
    if emulated:
        return "n/a (emulator)"
    if met is None:
        return "not measured"
    return "**met**" if met else "**missed**"


def section_targets(r):
    em = r.emulated()
    rows = []
    # 1. GRU D = 8, T = 100k, batch 16: >= 10x the sequential kernel and JAX.
    best, seq = best_parallel_solve(r.bench, "gru", 100000)
    if best and seq:
        sp = row_num(seq, "seconds") / row_num(best, "seconds")
        rows.append(["GRU D=8, T=100k, batch 16: ≥ 10× lds's fused sequential CUDA kernel",
                     "%s (%s, %s iterations, ran %s) vs sequential %s: %.2f×" % (
                         fmt_time(row_num(best, "seconds")), best["solver"], best["iterations"],
                         best["ran"], fmt_time(row_num(seq, "seconds")), sp),
                     state(sp >= 10, em)])
    else:
        why = "no converged iterative solve" if seq else "no sequential solve"
        rows.append(["GRU D=8, T=100k, batch 16: ≥ 10× lds's fused sequential CUDA kernel",
                     "%s at T = 100000 in bench.csv" % why, state(None if not seq else False, em)])
    jbest = best_jax(jax_rows(r, "gru", 8, 100000))
    lds_fast = fastest_solve(r.bench, "gru", 100000)
    if jbest and lds_fast:
        sp = jbest["seconds"] / row_num(lds_fast, "seconds")
        rows.append(["GRU D=8, T=100k, batch 16: ≥ 10× the JAX formulation",
                     "lds %s (%s) vs JAX %s (%s, %s iterations; JAX lax.scan %s)%s: %.2f×" % (
                         fmt_time(row_num(lds_fast, "seconds")), lds_fast["solver"],
                         fmt_time(jbest["seconds"]), jax_solver(jbest), jbest.get("iterations"),
                         fmt_time(number(jbest.get("sequential_seconds"))),
                         jax_device_note(jbest), sp),
                     state(sp >= 10, em)])
    else:
        errs = ["%s: %s" % (jax_solver(j), j.get("error"))
                for j in jax_rows(r, "gru", 8, 100000) if j.get("error")]
        rows.append(["GRU D=8, T=100k, batch 16: ≥ 10× the JAX formulation",
                     "no completed JAX fixed-point run" + (" (%s)" % "; ".join(errs) if errs else "")
                     if lds_fast else "no lds solve", state(None, em)])
    # 2. One Picard or quasi-Newton iteration at D = 64: >= 50% of its roofline.
    for model, resource, col, peak_kind in (
            ("elementwise", "HBM bandwidth", "GBps", "hbm_GBps"),
            ("gru64", "fp32 throughput", "GFLOPps", "fp32_GFLOPs")):
        peak = r.peak(peak_kind)
        cands = [x for x in r.bench if x.get("kind") == "iteration" and x.get("model") == model
                 and x.get("solver") in ("picard", "quasi-newton") and ok(x)
                 and row_num(x, col) is not None]
        label = "one Picard or quasi-Newton iteration, %s (D=64): ≥ 50%% of %s" % (model, resource)
        if not cands:
            rows.append([label, "no iteration row in bench.csv", state(None, em)])
            continue
        top = max(cands, key=lambda x: row_num(x, col))
        unit = "GB/s" if col == "GBps" else "GFLOP/s"
        if peak:
            frac = row_num(top, col) / peak
            rows.append([label, "%s %s, T=%s: %s %s = %.1f%% of the measured %.0f %s" % (
                top["solver"], fmt_time(row_num(top, "seconds")), top["T"], rate(row_num(top, col)),
                unit, 100 * frac, peak, unit), state(frac >= 0.5, em)])
        else:
            rows.append([label, "%s: %s %s; no measured roofline" % (
                top["solver"], rate(row_num(top, col)), unit), state(None, em)])
    # 3. Newton on Langevin D = 256, T = 30k, batch 16 within 80 GB.
    newton = [x for x in r.bench if x.get("kind") == "solve" and x.get("model") == "langevin256"
              and number(x.get("T")) == 30000 and x.get("solver") == "newton"]
    label = "Newton on Langevin D=256, T=30k, batch 16 within 80 GB"
    if not newton:
        rows.append([label, "no such row in bench.csv", state(None, em)])
    else:
        n = newton[0]
        peak_b = row_num(n, "peak_device_bytes")
        if ok(n) and peak_b:
            rows.append([label, "peak %s (%.1f GB) of device memory; ran %s, %s" % (
                fmt_bytes(peak_b), peak_b / GB, n["ran"], fmt_time(row_num(n, "seconds"))),
                state(peak_b <= 80 * GB and n.get("ran") == "newton", em)])
        else:
            # The solve may be skipped by the budget: one Newton iteration
            # (lds-gpu-bench runs it first) still shows the memory.
            it = [x for x in r.bench if x.get("kind") == "iteration"
                  and x.get("model") == "langevin256" and number(x.get("T")) == 30000
                  and x.get("solver") == "newton" and ok(x)
                  and row_num(x, "peak_device_bytes")]
            if it:
                peak_b = row_num(it[0], "peak_device_bytes")
                rows.append([label, "one Newton iteration: peak %s (%.1f GB) of device memory, %s;"
                             " the solve: %s (%s)" % (
                                 fmt_bytes(peak_b), peak_b / GB, fmt_time(row_num(it[0], "seconds")),
                                 n.get("status"), n.get("note", "")),
                             state(peak_b <= 80 * GB, em)])
            else:
                rows.append([label, "not run on the GPU: %s (%s)" % (n.get("status"), n.get("note", "")),
                             state(False, em)])
    jl = jax_rows(r, "langevin", 256, 30000)
    jn = [j for j in jl if jax_solver(j) == "newton"]
    if jn:
        j = jn[0]
        what = ("%s: %s" % (j.get("error"), j.get("message", ""))) if j.get("error") else \
            "ran in %s" % fmt_time(number(j.get("seconds")))
        rows.append(["(reference) JAX Newton on Langevin D=256, T=30k, batch 16",
                     "%s; JAX peak %s" % (what, fmt_bytes(number(j.get("peak_bytes_in_use")))),
                     "out of memory, as expected" if j.get("error") and "memory" in
                     (str(j.get("message", "")) + str(j.get("error"))).lower() else "see the JAX table"])
    return "## Targets (issue #5)\n\n" + table(["target", "measured", "state"], rows)


def section_iterations(r):
    hbm, f32 = r.peak("hbm_GBps"), r.peak("fp32_GFLOPs")
    rows = []
    for x in r.bench:
        if x.get("kind") != "iteration":
            continue
        if not ok(x):
            rows.append([x["model"], x["D"], x["T"], x["solver"], x["status"], "", "", "", "", "",
                         x.get("note", "")])
            continue
        rows.append([x["model"], x["D"], x["T"], x["solver"], fmt_time(row_num(x, "seconds")),
                     rate(row_num(x, "GBps")), pct(row_num(x, "GBps"), hbm),
                     rate(row_num(x, "GFLOPps")), pct(row_num(x, "GFLOPps"), f32),
                     fmt_bytes(row_num(x, "peak_device_bytes")), x.get("note", "")])
    if not rows:
        return "## One iteration\n\nNo iteration rows."
    return ("## One iteration over the whole window (batch 16)\n\n"
            "The GPU executor's iterate() from row 0 of every sequence: one iterate launch "
            "(single pass, decoupled look-back) where the solver has one, and again as reduce, "
            "scan and sweep launches (LDS_GPU_ITERATE=0), or, for a solver with channel kernels "
            "(a thread per state channel), with the row kernels (LDS_GPU_CHANNELS=0); the note "
            "says which; the fronts read "
            "back, the residual of the rows finalised (median of the timed iterations).\n\n" +
            table(["model", "D", "T", "solver", "time", "GB/s", "% HBM", "GFLOP/s", "% fp32",
                   "peak GPU memory", "note"], rows))


def section_solves(r):
    hbm, f32 = r.peak("hbm_GBps"), r.peak("fp32_GFLOPs")
    rows = []
    for x in r.bench:
        if x.get("kind") != "solve" or x.get("status") == "skipped":
            continue
        bound = "≤ " if x.get("bound") == "1" else ""
        if not ok(x):
            rows.append([x["model"], x["D"], x["T"], x["solver"], x.get("ran", ""), "", "", "",
                         "", "", "", "", x["status"] + ": " + x.get("note", "")])
            continue
        gbps, gflops = row_num(x, "GBps"), row_num(x, "GFLOPps")
        rows.append([x["model"], x["D"], x["T"], x["solver"], x["ran"], x["iterations"],
                     x["fallbacks"], fmt_time(row_num(x, "seconds")),
                     fmt(row_num(x, "speedup_vs_sequential"), "%.3g×"),
                     with_pct(bound, gbps, hbm), with_pct(bound, gflops, f32),
                     fmt_bytes(row_num(x, "peak_device_bytes")),
                     x["status"] + ("" if x.get("converged") == "1" else ", not converged")])
    if not rows:
        return "## Solves\n\nNo solve rows."
    return ("## Solves (lds_solve from host data, batch 16)\n\n"
            "Wall time of lds_solve with LDS_DEVICE_CUDA (inputs copied in and states copied "
            "back inside it; best of 3 after a warm-up, or one run when a run takes seconds); "
            "\"vs sequential\": lds's fused sequential GPU kernel at the same T over this row.\n\n" +
            table(["model", "D", "T", "solver", "ran", "iterations", "fallbacks", "time",
                   "vs sequential", "GB/s (% HBM)", "GFLOP/s (% fp32)", "peak GPU memory",
                   "status"], rows))


def section_jax(r):
    if not r.jax:
        return "## JAX side by side\n\nNo jax.jsonl."
    rows = []
    for j in r.jax:
        argv = j.get("argv", "")
        model = j.get("model") or _arg(argv, "--model") or "?"
        D = number(j.get("D", _arg(argv, "--D")))
        if model == "s5":
            D = 5
        T = number(j.get("T", _arg(argv, "--T")))
        solver = jax_solver(j) or "?"
        lds_name = lds_model_name(model, int(D)) if D else model
        lds = fastest_solve(r.bench, lds_name, T)
        if j.get("error"):
            rows.append([model, fmt(D, "%d"), fmt(T, "%d"), solver, "", "", "",
                         fmt_bytes(number(j.get("peak_bytes_in_use"))),
                         fmt_time(row_num(lds, "seconds")) + (" (%s)" % lds["solver"] if lds else ""),
                         "", "%s: %s" % (j["error"], j.get("message", ""))])
            continue
        secs = number(j.get("seconds"))
        rows.append([model, fmt(D, "%d"), fmt(T, "%d"), solver, fmt_time(secs),
                     j.get("iterations", ""), fmt_time(number(j.get("sequential_seconds"))),
                     fmt_bytes(number(j.get("peak_bytes_in_use"))),
                     fmt_time(row_num(lds, "seconds")) + (" (%s)" % lds["solver"] if lds else ""),
                     fmt(secs / row_num(lds, "seconds"), "%.3g×") if lds and secs else "",
                     "max abs error %s%s" % (fmt(number(j.get("max_abs_err")), "%.2g"),
                                             jax_device_note(j))])
    return ("## JAX side by side (same GPU, batch 16)\n\n"
            "jax_fixed_point.py through jax_run.py: median of 3 after a warm-up, atol 1e-5, "
            "rtol 1e-4 (lds's f32 defaults); \"JAX lax.scan\" is its sequential reference; "
            "peak memory is JAX's peak_bytes_in_use for the whole run. \"lds\": the fastest "
            "converged lds solve of the same model and T (its solver in brackets); "
            "\"lds speedup\" = JAX time / lds time.\n\n" +
            table(["model", "D", "T", "JAX solver", "JAX time", "iterations", "JAX lax.scan",
                   "JAX peak memory", "lds", "lds speedup", "note"], rows))


NCU_COLUMNS = [
    ("duration", "gpu__time_duration.sum"),
    ("DRAM % of peak", "dram__throughput.avg.pct_of_peak_sustained_elapsed"),
    ("SM % of peak", "sm__throughput.avg.pct_of_peak_sustained_elapsed"),
    ("FMA pipe %", "sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_active"),
    ("occupancy %", "sm__warps_active.avg.pct_of_peak_sustained_active"),
    ("registers", "launch__registers_per_thread"),
]


def section_ncu(r):
    if not r.ncu:
        return "## Nsight Compute\n\nNo ncu tables."
    rows = []
    for cfg, kernels in sorted(r.ncu.items()):
        total_t = total_b = total_f = 0.0
        for name, m in kernels:
            t = m.get("gpu__time_duration.sum")
            b = (m.get("dram__bytes_read.sum") or 0) + (m.get("dram__bytes_write.sum") or 0)
            flops = sum(m.get("smsp__sass_thread_inst_executed_op_%s_pred_on.sum" % k) or 0
                        for k in ("fadd", "fmul")) + \
                2 * (m.get("smsp__sass_thread_inst_executed_op_ffma_pred_on.sum") or 0)
            total_t += t or 0
            total_b += b
            total_f += flops
            cells = [cfg, name.split("_")[-1] if name.startswith("lds_gpu_") else name]
            for label, key in NCU_COLUMNS:
                v = m.get(key)
                cells.append(fmt_time(v) if label == "duration" else fmt(v, "%.3g"))
            cells.append(rate(b / t / GB) if t and b else "")
            cells.append(rate(flops / t / GB) if t and flops else "")
            rows.append(cells)
        if total_t:
            rows.append([cfg, "**all three**", fmt_time(total_t), "", "", "", "", "",
                         rate(total_b / total_t / GB) if total_b else "",
                         rate(total_f / total_t / GB) if total_f else ""])
    return ("## Nsight Compute (one iteration, the first reduce, scan and sweep launch)\n\n"
            "From ncu-<model>-<solver>.csv (`ncu --clock-control none --page raw`); "
            "DRAM GB/s = (dram__bytes_read + dram__bytes_write) / duration, fp32 GFLOP/s from "
            "the executed FADD, FMUL and 2 × FFMA instructions.\n\n" +
            table(["configuration", "kernel"] + [c for c, _ in NCU_COLUMNS] +
                  ["DRAM GB/s", "fp32 GFLOP/s"], rows))


def section_skipped(r):
    rows = [x for x in r.bench if x.get("status") not in ("ok", "not converged")]
    if not rows:
        return "## Skipped and failed runs\n\nNone."
    out = ["## Skipped and failed runs", ""]
    for x in rows:
        out.append("- %s %s T=%s %s: %s: %s" % (x.get("kind"), x.get("model"), x.get("T"),
                                                 x.get("solver"), x.get("status"), x.get("note", "")))
    return "\n".join(out)


def report(dirs):
    r = Results(dirs)
    title = "# GPU benchmark (issue #5)"
    if r.emulated():
        title += " — GPU EMULATOR, NOT GPU NUMBERS"
    parts = [title, "From: " + ", ".join(dirs)]
    for section in (section_device, section_models, section_targets, section_iterations,
                    section_solves, section_jax, section_ncu, section_skipped):
        try:
            parts.append(section(r))
        except Exception as e:  # noqa: BLE001 - the other sections still print
            parts.append("## (%s failed: %s: %s)" % (section.__name__, type(e).__name__, e))
    return "\n\n".join(p.rstrip() for p in parts) + "\n"


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 1
    missing = [d for d in argv[1:] if not os.path.isdir(d)]
    if missing:
        print("gpu_report.py: not a folder: %s" % ", ".join(missing), file=sys.stderr)
        return 1
    sys.stdout.write(report(argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
