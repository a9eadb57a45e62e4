//===- ReferenceGpuKernels.h - GPU kernels of the test models ---*- C++ -*-===//
//
// The GPU kernel ABI (model_abi.h, "GPU kernels") written out by hand in C++
// over the hand-written test models of test/runtime/TestModels.h, as
// host-emulation (format-2) kernels calling the emulator hooks
// (gpu_emulator_hooks.h): reduce, a block scan (thread-serial, warp
// shuffles, shared memory across warps), sweep, residual and sequential.
// They let the CUDA executor and the emulator be tested end to end without
// the compiler, and show the ABI in plain code: the compiler's kernels
// implement the same contract.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TEST_GPU_REFERENCEGPUKERNELS_H
#define LDS_TEST_GPU_REFERENCEGPUKERNELS_H

#include "TestModels.h"
#include "lds/gpu_emulator_hooks.h"

#include <string>

namespace lds_test {

template <class M, class T> struct GpuKernels {
  using K = Kernels<M, T>;
  static constexpr int D = M::D;
  static constexpr int kMaxInputs = 4;

  static int64_t item() {
    return int64_t(lds_emu_ctaid_x()) * lds_emu_ntid_x() + lds_emu_tid_x();
  }
  static void bindInputs(const lds_gpu_args *a, int64_t seq, int64_t row,
                         const void **u) {
    std::vector<TensorSpec> specs = M::inputs();
    for (size_t k = 0; k < specs.size(); ++k) {
      int64_t es = specs[k].isIndex ? 4 : int64_t(sizeof(T));
      u[k] = static_cast<const char *>(a->inputs[k]) +
             (seq * a->T + row) * specs[k].size() * es;
    }
  }
  static T *rowOf(const void *base, const lds_gpu_args *a, int64_t seq,
                  int64_t row) {
    return const_cast<T *>(static_cast<const T *>(base)) +
           (seq * a->T + row) * D;
  }
  static const T *xIn(const lds_gpu_args *a, int64_t seq, int64_t lo) {
    return lo == 0 ? static_cast<const T *>(a->x0) + seq * D
                   : rowOf(a->final_rows, a, seq, lo - 1);
  }
  static bool finite(const T *x) {
    for (int d = 0; d < D; ++d)
      if (!std::isfinite(x[d]))
        return false;
    return true;
  }

  static void sequential(const lds_gpu_args *a) {
    int64_t j = item();
    if (j >= a->n)
      return;
    int64_t seq = a->seq[j], lo = a->lo[j];
    const T *prev = xIn(a, seq, lo);
    const void *u[kMaxInputs];
    bool reported = false;
    for (int64_t t = lo; t < a->T; ++t) {
      T *out = rowOf(a->out, a, seq, t);
      bindInputs(a, seq, t, u);
      K::step(prev, u, a->params, out);
      if (!reported && !finite(out)) {
        lds_emu_atomic_min_i64(a->first_bad + j, t);
        reported = true;
      }
      prev = out;
    }
  }

  static void residual(const lds_gpu_args *a) {
    int64_t r = item(), j = lds_emu_ctaid_y();
    int64_t seq = a->seq[j], t = a->lo[j] + r;
    if (t >= a->hi[j])
      return;
    const T *prev =
        t == a->lo[j] ? xIn(a, seq, t) : rowOf(a->out, a, seq, t - 1);
    const void *u[kMaxInputs];
    bindInputs(a, seq, t, u);
    T fx[D];
    K::step(prev, u, a->params, fx);
    const T *x = rowOf(a->out, a, seq, t);
    T worst = 0;
    for (int d = 0; d < D; ++d) {
      T e = std::fabs(x[d] - fx[d]);
      if (!std::isfinite(x[d]) || !std::isfinite(fx[d])) {
        lds_emu_store_i32(a->nonfinite + j, 1);
        return;
      }
      worst = e > worst ? e : worst;
    }
    if constexpr (sizeof(T) == 4) {
      uint32_t bits;
      std::memcpy(&bits, &worst, 4);
      lds_emu_atomic_max_u32(static_cast<uint32_t *>(a->residual) + j, bits);
    } else {
      uint64_t bits;
      std::memcpy(&bits, &worst, 8);
      lds_emu_atomic_max_u64(static_cast<uint64_t *>(a->residual) + j, bits);
    }
  }
};

/// A solver's maps: element/combine/apply of TestModels' Kernels, plus an
/// "empty" flag standing for the identity map (Jacobi's maps have no
/// identity of their own).
template <class M, class T, lds_solver S> struct GpuSolver {
  using K = Kernels<M, T>;
  using G = GpuKernels<M, T>;
  static constexpr int D = M::D;
  static constexpr int64_t A = S == LDS_SOLVER_NEWTON         ? D * D
                               : S == LDS_SOLVER_QUASI_NEWTON ? D
                                                              : 0;
  static constexpr int64_t V = A + D; // values of a map
  static constexpr bool exact =
      M::isAffine && (S == LDS_SOLVER_NEWTON ||
                      (S == LDS_SOLVER_QUASI_NEWTON && M::jacobianKind == 1));

  struct Map {
    T v[V + 1] = {}; // A, b (and one spare so that A = 0 still has storage)
    bool empty = true;
  };

  static void element(const void *x, const void *const *u, const void *const *p,
                      T *a, T *b) {
    if constexpr (S == LDS_SOLVER_NEWTON)
      K::newtonElement(x, u, p, a, b);
    else if constexpr (S == LDS_SOLVER_QUASI_NEWTON)
      K::diagElement(x, u, p, a, b);
    else if constexpr (S == LDS_SOLVER_PICARD)
      K::picardElement(x, u, p, a, b);
    else
      K::jacobiElement(x, u, p, a, b);
  }
  static void combine(const T *a2, const T *b2, const T *a1, const T *b1, T *a,
                      T *b) {
    if constexpr (S == LDS_SOLVER_NEWTON)
      K::denseCombine(a2, b2, a1, b1, a, b);
    else if constexpr (S == LDS_SOLVER_QUASI_NEWTON)
      K::diagCombine(a2, b2, a1, b1, a, b);
    else if constexpr (S == LDS_SOLVER_PICARD)
      K::picardCombine(a2, b2, a1, b1, a, b);
    else
      K::jacobiCombine(a2, b2, a1, b1, a, b);
  }
  static void apply(const T *a, const T *b, const T *x, T *out) {
    if constexpr (S == LDS_SOLVER_NEWTON)
      K::denseApply(a, b, x, out);
    else if constexpr (S == LDS_SOLVER_QUASI_NEWTON)
      K::diagApply(a, b, x, out);
    else if constexpr (S == LDS_SOLVER_PICARD)
      K::picardApply(a, b, x, out);
    else
      K::jacobiApply(a, b, x, out);
  }
  /// `second` after `first`, into `second`.
  static void after(Map &second, const Map &first) {
    if (first.empty)
      return;
    if (second.empty) {
      second = first;
      return;
    }
    combine(second.v, second.v + A, first.v, first.v + A, second.v,
            second.v + A);
  }
  static void identity(T *map) {
    for (int64_t i = 0; i < V; ++i)
      map[i] = 0;
    if constexpr (S == LDS_SOLVER_NEWTON)
      for (int d = 0; d < D; ++d)
        map[d * D + d] = 1;
    if constexpr (S == LDS_SOLVER_QUASI_NEWTON)
      for (int d = 0; d < D; ++d)
        map[d] = 1;
  }
  static T *aggOf(const lds_gpu_args *a, int64_t j, int64_t c) {
    return static_cast<T *>(a->agg) + (j * a->num_chunks + c) * V;
  }
  static T *carryOf(const lds_gpu_args *a, int64_t j, int64_t c) {
    return static_cast<T *>(a->carry) + (j * a->num_chunks + c) * D;
  }

  static void reduce(const lds_gpu_args *a) {
    int64_t c = G::item(), j = lds_emu_ctaid_y();
    if (c >= a->num_chunks)
      return;
    int64_t seq = a->seq[j], lo = a->lo[j];
    int64_t begin = lo + c * a->chunk_len;
    int64_t end = std::min(begin + a->chunk_len, a->T);
    T *map = aggOf(a, j, c);
    if (begin >= end) {
      identity(map);
      return;
    }
    const void *u[G::kMaxInputs];
    T ta[A + 1], tb[D];
    for (int64_t i = begin; i < end; ++i) {
      const T *g =
          i == lo ? G::xIn(a, seq, lo) : G::rowOf(a->guess, a, seq, i - 1);
      G::bindInputs(a, seq, i, u);
      if (i == begin) {
        element(g, u, a->params, map, map + A);
        continue;
      }
      element(g, u, a->params, ta, tb);
      combine(ta, tb, map, map + A, map, map + A);
    }
  }

  static void shuffle(Map &m, int delta) {
    for (int64_t i = 0; i < V; ++i) {
      if constexpr (sizeof(T) == 4)
        m.v[i] = lds_emu_shfl_up_f32(m.v[i], delta);
      else
        m.v[i] = lds_emu_shfl_up_f64(m.v[i], delta);
    }
    m.empty = lds_emu_shfl_up_i32(m.empty, delta) != 0;
  }

  static void scan(const lds_gpu_args *a) {
    int64_t j = lds_emu_ctaid_x();
    int tid = lds_emu_tid_x(), threads = lds_emu_ntid_x();
    int lane = tid % 32, warp = tid / 32, warps = (threads + 31) / 32;
    int64_t C = a->num_chunks, per = (C + threads - 1) / threads;
    int64_t first = std::min<int64_t>(tid * per, C);
    int64_t last = std::min<int64_t>(first + per, C);
    // Thread-serial: this thread's chunks composed.
    Map mine;
    for (int64_t c = first; c < last; ++c) {
      Map m;
      std::memcpy(m.v, aggOf(a, j, c), sizeof(T) * V);
      m.empty = false;
      after(m, mine);
      mine = m;
    }
    // Warp: inclusive scan by shuffles.
    Map inclusive = mine;
    for (int delta = 1; delta < 32; delta *= 2) {
      Map other = inclusive;
      shuffle(other, delta);
      if (lane >= delta)
        after(inclusive, other);
    }
    // Across warps: each warp's total, then their exclusive prefixes.
    Map *shared = static_cast<Map *>(lds_emu_shared());
    Map *totals = shared, *prefixes = shared + warps;
    if (lane == 31 || tid == threads - 1)
      totals[warp] = inclusive;
    lds_emu_barrier();
    if (tid == 0) {
      Map run;
      for (int w = 0; w < warps; ++w) {
        prefixes[w] = run;
        Map next = totals[w];
        after(next, run);
        run = next;
      }
    }
    lds_emu_barrier();
    Map exclusive = inclusive;
    shuffle(exclusive, 1);
    if (lane == 0)
      exclusive = Map();
    after(exclusive, prefixes[warp]);
    // Carries: x before this thread's first chunk, then chunk by chunk.
    const T *x0 = G::xIn(a, a->seq[j], a->lo[j]);
    T x[D], y[D];
    if (exclusive.empty)
      std::memcpy(x, x0, sizeof(x));
    else
      apply(exclusive.v, exclusive.v + A, x0, x);
    for (int64_t c = first; c < last; ++c) {
      std::memcpy(carryOf(a, j, c), x, sizeof(x));
      const T *map = aggOf(a, j, c);
      apply(map, map + A, x, y);
      std::memcpy(x, y, sizeof(x));
    }
  }

  static void sweep(const lds_gpu_args *a) {
    int64_t c = G::item(), j = lds_emu_ctaid_y();
    if (c >= a->num_chunks)
      return;
    int64_t seq = a->seq[j], lo = a->lo[j];
    int64_t begin = lo + c * a->chunk_len;
    int64_t end = std::min(begin + a->chunk_len, a->T);
    if (begin >= end)
      return;
    bool final = end == a->T;
    const T *prev = carryOf(a, j, c);
    const void *u[G::kMaxInputs];
    T ta[A + 1], tb[D], tol[2] = {T(a->atol), T(a->rtol)}, test;
    for (int64_t i = begin; i < end; ++i) {
      T *out = G::rowOf(a->out, a, seq, i);
      G::bindInputs(a, seq, i, u);
      if (i == lo) {
        K::step(G::xIn(a, seq, lo), u, a->params, out);
      } else if (i == end - 1 && !final) {
        std::memcpy(out, carryOf(a, j, c + 1), sizeof(T) * D);
      } else {
        element(G::rowOf(a->guess, a, seq, i - 1), u, a->params, ta, tb);
        apply(ta, tb, prev, out);
      }
      if (i == lo || exact)
        K::check(out, out, tol, &test);
      else
        K::check(out, G::rowOf(a->guess, a, seq, i), tol, &test);
      static_cast<T *>(a->excess)[seq * a->T + i] = test;
      if (!(test <= 0)) {
        lds_emu_atomic_min_i64(a->first_bad + j, i);
        if (std::isnan(test))
          lds_emu_store_i32(a->nonfinite + j, 1);
      }
      prev = out;
    }
  }
};

/// A format-2 GPU module for a built test model: the kernels above for the
/// solvers in `solvers` (a mask of bit()).
struct GpuModule {
  std::vector<std::string> names;
  std::vector<lds_gpu_host_kernel> table;
  lds_gpu_image image{};
  lds_gpu_module module{};
};

template <class M, class T>
std::unique_ptr<GpuModule>
attachGpu(BuiltModel &b, unsigned solvers = kAllSolvers, int scanBlock = 256) {
  auto g = std::make_unique<GpuModule>();
  using G = GpuKernels<M, T>;
  std::string prefix = std::string("lds_gpu_") + M::name + "_";
  std::vector<std::pair<std::string, void (*)(const lds_gpu_args *)>> k = {
      {prefix + "sequential", &G::sequential},
      {prefix + "residual", &G::residual}};
  auto add = [&](lds_solver s, const char *name, auto reduce, auto scan,
                 auto sweep) {
    if (!(solvers & bit(s)))
      return;
    g->module.has_solver[s] = 1;
    k.push_back({prefix + name + "_reduce", reduce});
    k.push_back({prefix + name + "_scan", scan});
    k.push_back({prefix + name + "_sweep", sweep});
  };
  using J = GpuSolver<M, T, LDS_SOLVER_JACOBI>;
  using P = GpuSolver<M, T, LDS_SOLVER_PICARD>;
  using Q = GpuSolver<M, T, LDS_SOLVER_QUASI_NEWTON>;
  using N = GpuSolver<M, T, LDS_SOLVER_NEWTON>;
  add(LDS_SOLVER_JACOBI, "jacobi", &J::reduce, &J::scan, &J::sweep);
  add(LDS_SOLVER_PICARD, "picard", &P::reduce, &P::scan, &P::sweep);
  add(LDS_SOLVER_QUASI_NEWTON, "quasi_newton", &Q::reduce, &Q::scan, &Q::sweep);
  add(LDS_SOLVER_NEWTON, "newton", &N::reduce, &N::scan, &N::sweep);
  g->names.reserve(k.size());
  for (auto &e : k) {
    g->names.push_back(e.first);
    g->table.push_back({g->names.back().c_str(), e.second});
  }
  g->image = {"host", 2, g->table.data(), int64_t(g->table.size())};
  g->module.abi_version = LDS_GPU_ABI_VERSION;
  g->module.num_images = 1;
  g->module.images = &g->image;
  g->module.scan_block = scanBlock;
  b.m.gpu = &g->module;
  return g;
}

} // namespace lds_test

#endif // LDS_TEST_GPU_REFERENCEGPUKERNELS_H
