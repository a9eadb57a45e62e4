//===- CpuExecutor.cpp - runs a solve's kernels on the CPU thread pool ----===//
//
// One fixed-point iteration of a sequence over its window [front, T) is a
// linear recurrence x_t = A_t x_{t-1} + b_t, solved as a chunked scan:
//
//   phase 1 (parallel over chunks but the last): fold the chunk's elements
//           (A_t, b_t) = element(x_{t-1} of the current iterate) with
//           `combine` into one affine map per chunk; chunk 0, whose
//           incoming carry (the final row before the window) is known, is
//           swept (phase 3) instead;
//   phase 2 (per sequence, serial over chunks): carries c_k = apply(map_k,
//           c_{k-1}) from chunk 0's last new row;
//   phase 3 (parallel over chunks but chunk 0): recompute (or, kept from
//           phase 1 as below, load) each element and
//           apply it step by step from the chunk's incoming carry, writing
//           the new iterate, then test each row against the previous
//           iterate: check(x_t^(i+1), x_t^(i)) (for Newton on an affine f,
//           whose first iterate is exact, only finiteness);
//   phase 4 (parallel over sequences): the new front is the first failing
//           row; rows before it are final and copied to `states`.
//
// The window's first row is computed by f itself from the final row before
// it (exact by causality), so every iteration finalises at least one row.
// A chunk's last row takes the carry from phase 2 rather than its own
// step-by-step value, so the next chunk's start and the stored iterate agree
// and the stopping test sees exactly the values returned. Work units are
// (sequence, chunk) pairs, so sequences and chunks run side by side.
//
// A sequence that gets s = ceil(threads / n) >= 2 threads (n sequences
// iterating) is split in one of two ways, into chunks of at least
// kMinChunkSteps steps:
//
// - Kept elements (a diagonal, identity or absent A, while the memory for
//   them lasts: kKeptElementsBudget, threads - 1 sequences at most): s
//   chunks. Phase 1 sweeps chunk 0 beside the others, each of which
//   evaluates its elements once, keeps them (T rows of A_t and b_t per
//   sequence) and folds them (the last chunk only keeps them). Phase 3 then
//   only applies the kept elements and tests: an iteration takes about
//   T / s element evaluations of time.
// - Otherwise s + 1 chunks where that beats one pass (SolverPolicy.h,
//   chunkingPays: not for a Newton whose dense combine costs far more than
//   its element): phase 1 runs chunk 0's sweep beside s - 1 folds, phase 3
//   the other s sweeps, evaluating those elements again, so an iteration
//   takes about 2 T / (s + 1) step evaluations of time.
//
// Results depend on that split, not on which thread runs a unit: a given
// thread count gives the same bits every run, as long as the memory for
// kept elements is granted (if its allocation fails, the other split is
// used, which rounds differently).
//
// The current and next iterate alternate per sequence between `states` and
// one scratch copy of it, so an iteration writes but never copies the
// window; only finalised rows move (once) to `states`.
//
//===----------------------------------------------------------------------===//

#include "Buffer.h"
#include "Error.h"
#include "Executor.h"
#include "SolverPolicy.h"
#include "ThreadPool.h"
#include "Validate.h"
#include "Values.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

using namespace lds;

namespace {

int64_t alignTo8(int64_t bytes) { return (bytes + 7) / 8 * 8; }

/// Rows per call of a model's compiled sweep (lds_chunk_kernels): its
/// stopping-test values go to a worker's scratch, this many at a time.
constexpr int64_t kSweepRows = 256;

/// The most memory the kept elements of split windows may take (each
/// sequence that has them takes T rows of A_t and b_t: 2 T D values for
/// quasi-Newton); sequences beyond it evaluate their elements twice.
constexpr int64_t kKeptElementsBudget = int64_t(1) << 30;

/// An element is kept for phase 3 only if evaluating it costs at least this
/// many flops (the compiler's flops_per_step of the solver) per value kept:
/// below, writing and reading the values back costs about as much as
/// evaluating them again in the compiled sweep. Measured on 2 threads
/// (docs/BENCHMARKS.md, "Kept elements"): the elementwise model's
/// quasi-Newton (20 flops a value) and Jacobi (17) were 34-60% slower kept,
/// ssm's quasi-Newton (63) 5% faster, Langevin's (339) 16% faster.
constexpr double kKeptMinFlopsPerValue = 64;

/// Whether `s`'s elements are kept for phase 3 when a window is split: a
/// diagonal, identity or absent A (at most D values a step; Newton's D x D
/// would cost T D^2) whose element is expensive enough.
bool keepsElements(const lds_model *m, lds_solver s) {
  const lds_solver_kernels &k = m->solvers[s];
  return k.a_kind != LDS_A_DENSE &&
         k.flops_per_step >=
             kKeptMinFlopsPerValue * double(k.a_size + m->state_dim);
}

struct ChunkResult {
  int64_t firstFail; // first row failing the test, T if none
  double resBefore;  // max residual over the chunk's rows before firstFail
  bool nonfinite;
};

struct ItemPlan {
  int64_t chunks;    // K
  int64_t firstUnit; // index of its chunk 0 in units/slots/results
  // The window's elements (A_t, b_t), row t at elements + t * elementBytes,
  // kept from phase 1 for phase 3; null: phase 3 evaluates them again.
  char *elements;
  int64_t elementBytes;
};

struct Unit {
  int64_t item;
  int64_t chunk;
};

class CpuExecutor final : public Executor {
public:
  explicit CpuExecutor(const Problem &p) : p(p), m(p.model) {}

  lds_status init();

  int64_t lanes() const override { return p.threads; }
  lds_status prepareIterative(const void *initialGuess) override;
  lds_status iterate(const SequenceWork *work, int64_t n,
                     IterationOutcome *out) override;
  lds_status restart(const SequenceWork *work, int64_t n) override;
  lds_status sequential(const SequenceWork *work, int64_t n,
                        int64_t *firstNonfinite) override;
  lds_status finishUnconverged(const SequenceWork *work, int64_t n,
                               double *residual) override;

private:
  /// A thread's scratch: one element (A, b), f's output, the check's
  /// output, the per-step input pointers and a compiled sweep's test
  /// values (kSweepRows).
  struct Scratch {
    char *a, *b, *fx, *check;
    const void **u;
    char *excess;
  };

  Scratch scratch(int worker) const {
    char *base = workers.data() + worker * workerBytes;
    Scratch s;
    s.a = base;
    s.b = s.a + maxA * es;
    s.fx = s.b + rowBytes;
    // f32 rows of odd D end on a 4-byte boundary; the check value and the
    // pointer table want 8.
    s.check = s.a + alignTo8(maxA * es + 2 * rowBytes);
    s.u = reinterpret_cast<const void **>(s.check + 8);
    s.excess = reinterpret_cast<char *>(s.u + m->num_inputs * inputTables);
    return s;
  }

  char *stateRow(int64_t seq, int64_t row) const {
    return static_cast<char *>(p.states) + (seq * p.T + row) * rowBytes;
  }
  char *scratchRow(int64_t seq, int64_t row) const {
    return spare.data() + (seq * p.T + row) * rowBytes;
  }
  /// Row of the current iterate (`next` false) or of the one being written.
  char *iterateRow(int64_t seq, int64_t row, bool next) const {
    bool inSpare = (current.data()[seq] != 0) != next;
    return inSpare ? scratchRow(seq, row) : stateRow(seq, row);
  }
  /// x_{front} as a row pointer: the final row before `front`, or x0.
  const void *finalBefore(int64_t seq, int64_t front) const {
    if (front == 0)
      return static_cast<const char *>(p.x0) + seq * rowBytes;
    return stateRow(seq, front - 1);
  }
  void bindInputs(int64_t seq, int64_t row, const void **u) const {
    for (int32_t i = 0; i < m->num_inputs; ++i)
      u[i] = static_cast<const char *>(p.inputs[i]) +
             (seq * p.T + row) * inputStride.as<int64_t>()[i];
  }
  /// The composed map and carry of unit slot `slot`.
  char *slotA(int64_t slot) const { return slots.data() + slot * slotBytes; }
  char *slotB(int64_t slot) const { return slotA(slot) + maxA * es; }
  char *slotCarry(int64_t slot) const { return slotB(slot) + rowBytes; }

  int64_t chunkStart(const SequenceWork &w, const ItemPlan &plan,
                     int64_t k) const {
    int64_t window = p.T - w.front;
    return w.front + window * k / plan.chunks;
  }

  /// Phase 1 for chunk k > 0: folds its elements into its slot's map; with
  /// plan.elements, also keeps each element there for phase 3 (the last
  /// chunk's are only kept: its map is not needed).
  void compose(const SequenceWork &w, const ItemPlan &plan, int64_t k,
               int worker) const;
  void carries(const SequenceWork &w, const ItemPlan &plan) const;
  ChunkResult applyAndTest(const SequenceWork &w, const ItemPlan &plan,
                           int64_t k, int worker) const;
  double residualOf(int64_t seq, int64_t front, int worker) const;
  /// Splits work[0, n) into groups that one call of sequential_lanes steps
  /// (up to m->lanes items with the same front, consecutive in `work`) and
  /// items stepped alone; their bounds go to laneGroups. Returns the number
  /// of groups.
  int64_t formLaneGroups(const SequenceWork *work, int64_t n) const;
  /// Steps items [0, count) of `work` from their front to T with one
  /// call of sequential_lanes (count <= m->lanes; the spare lanes repeat
  /// the last item).
  void stepLanes(const SequenceWork *work, int64_t count, int worker,
                 int64_t *firstNonfiniteRow) const;
  /// Steps one item from its front to T; its first non-finite row, or -1.
  int64_t stepAlone(const SequenceWork &w, int worker) const;
  /// The first row of sequence `seq` from `front` to T with a non-finite
  /// value, or -1.
  int64_t firstNonfiniteRowFrom(int64_t seq, int64_t front) const {
    int64_t e = firstNonfinite(stateRow(seq, front), (p.T - front) * d, dtype);
    return e >= 0 ? front + e / d : -1;
  }

  /// Runs f(item, worker) for every item in [0, n) on the pool, and after
  /// each notes whether a kernel it called could not allocate its heap
  /// block (model_abi.h, alloc_failure_hook: noted on the thread that ran
  /// it).
  template <class F> void parallel(int64_t n, F &&f) const {
    ThreadPool::global().parallelFor(n, p.threads, [&](int64_t i, int w) {
      f(i, w);
      if (int64_t bytes = takeAllocFailure()) {
        int64_t seen = allocFailure.load(std::memory_order_relaxed);
        while (seen < bytes && !allocFailure.compare_exchange_weak(
                                   seen, bytes, std::memory_order_relaxed))
          ;
      }
    });
  }
  /// LDS_OK, or LDS_ERR_OUT_OF_MEMORY once a kernel has failed to allocate
  /// (its outputs, and so the solve's, are then undefined).
  lds_status kernelStatus() const {
    int64_t bytes = allocFailure.load(std::memory_order_relaxed);
    return bytes ? allocFailureStatus(m, bytes, "lds_solve") : LDS_OK;
  }

  Problem p;
  const lds_model *m;
  lds_dtype dtype = LDS_DTYPE_F32;
  int64_t d = 0, es = 0, rowBytes = 0;
  int64_t maxA = 0;        // largest A of the model's solvers
  int64_t slotBytes = 0;   // composed A, b and carry
  int64_t workerBytes = 0; // one Scratch
  int64_t inputTables = 1; // tables of input pointers in a Scratch
  bool mayKeep = false;    // a solver this call may run keeps its elements
  int64_t unitCapacity = 0;
  alignas(8) unsigned char tol[16]; // {atol, rtol} in the model's dtype
  // The largest heap block a kernel failed to allocate; 0: none.
  mutable std::atomic<int64_t> allocFailure{0};

  Buffer inputStride; // int64_t bytes per step, per input
  Buffer workers;     // threads * workerBytes
  Buffer laneGroups;  // int64_t: batch + 1 group bounds in a work list
  Buffer spare;       // [batch][T][D]: the other iterate
  Buffer current;     // uint8_t per sequence: 1 if the iterate is in spare
  Buffer slots;       // unitCapacity * slotBytes
  Buffer kept;        // keptSlots * T * 2 D values: elements of split windows
  int64_t keptSlots = 0;
  Buffer plans;   // ItemPlan per sequence in a call
  Buffer units;   // Unit per unit
  Buffer results; // ChunkResult per unit
};

lds_status CpuExecutor::init() {
  bindAllocFailureHook(m);
  dtype = m->dtype;
  d = m->state_dim;
  es = elementSize(dtype);
  rowBytes = d * es;
  // A (Newton's is D x D) only for the solvers this call may run: a
  // sequential solve of a large model needs none.
  auto mayRun = [&](lds_solver s) {
    maxA = std::max(maxA, m->solvers[s].a_size);
    mayKeep |= keepsElements(m, s);
  };
  if (p.solver == LDS_SOLVER_AUTO) {
    for (int s = LDS_SOLVER_JACOBI; s <= LDS_SOLVER_NEWTON; ++s)
      if (solverAvailable(m, static_cast<lds_solver>(s)))
        mayRun(static_cast<lds_solver>(s));
  }
  for (lds_solver s = p.solver;
       s != LDS_SOLVER_AUTO && s != LDS_SOLVER_SEQUENTIAL;
       s = fallbackSolver(m, s))
    if (solverAvailable(m, s))
      mayRun(s);
  writeScalar(tol, p.atol, dtype);
  writeScalar(tol + es, p.rtol, dtype);

  // A worker's input pointers: one table per lane of sequential_lanes.
  inputTables = m->sequential_lanes ? m->lanes : 1;
  int64_t inputBytes =
      static_cast<int64_t>(sizeof(void *)) * m->num_inputs * inputTables;
  workerBytes = (alignTo8(maxA * es + 2 * rowBytes) + 8 + inputBytes +
                 kSweepRows * 8 + 63) /
                64 * 64;
  slotBytes = (maxA * es + 2 * rowBytes + 63) / 64 * 64;
  if (!inputStride.allocateArray(m->num_inputs, 8) ||
      !workers.allocateArray(p.threads, workerBytes) ||
      !laneGroups.allocateArray(p.batch + 1, 8))
    return fail(LDS_ERR_OUT_OF_MEMORY,
                "lds_solve: out of memory for %d threads' scratch (%lld bytes "
                "each, with one A of %lld values for solver %s)",
                p.threads, static_cast<long long>(workerBytes),
                static_cast<long long>(maxA), lds_solver_name(p.solver));
  for (int32_t i = 0; i < m->num_inputs; ++i)
    inputStride.as<int64_t>()[i] =
        m->inputs[i].size * elementSize(m->inputs[i].dtype);
  return LDS_OK;
}

lds_status CpuExecutor::prepareIterative(const void *initialGuess) {
  // Sizes were checked for overflow when the arguments were validated.
  int64_t total = p.batch * p.T * rowBytes;
  unitCapacity = p.threads + 2 * p.batch;
  if (!spare.allocate(total, /*zero=*/false) || !current.allocate(p.batch) ||
      !slots.allocateArray(unitCapacity, slotBytes) ||
      !plans.allocateArray(p.batch, sizeof(ItemPlan)) ||
      !units.allocateArray(unitCapacity, sizeof(Unit)) ||
      !results.allocateArray(unitCapacity, sizeof(ChunkResult)))
    return fail(LDS_ERR_OUT_OF_MEMORY,
                "lds_solve: out of memory for the iterates (a second copy of "
                "the states takes %lld bytes)",
                static_cast<long long>(total));
  // Kept elements for the sequences whose windows are split: at most
  // threads - 1 of them get 2 threads or more. Without the memory, phase 3
  // evaluates the elements again.
  int64_t perSequence = 2 * p.T * rowBytes;
  keptSlots = mayKeep ? std::min<int64_t>(p.batch, p.threads - 1) : 0;
  keptSlots = std::min(keptSlots, kKeptElementsBudget / perSequence);
  if (keptSlots > 0 &&
      !kept.allocateArray(keptSlots, perSequence, /*zero=*/false))
    keptSlots = 0;
  // The guess goes to `states`; an initial guess that is `states` itself is
  // already in place.
  parallel(p.batch, [&](int64_t b, int) {
    char *rows = stateRow(b, 0);
    if (initialGuess) {
      const char *guess =
          static_cast<const char *>(initialGuess) + b * p.T * rowBytes;
      if (guess != rows)
        std::memmove(rows, guess, p.T * rowBytes);
      return;
    }
    const void *x0 = finalBefore(b, 0);
    for (int64_t i = 0; i < p.T; ++i)
      std::memcpy(rows + i * rowBytes, x0, rowBytes);
  });
  return LDS_OK;
}

void CpuExecutor::compose(const SequenceWork &w, const ItemPlan &plan,
                          int64_t k, int worker) const {
  const lds_solver_kernels &ks = m->solvers[w.solver];
  Scratch s = scratch(worker);
  int64_t slot = plan.firstUnit + k;
  char *accA = slotA(slot), *accB = slotB(slot);
  int64_t begin = chunkStart(w, plan, k), end = chunkStart(w, plan, k + 1);
  if (plan.elements) {
    // Kept for phase 3; the last chunk's map is not needed. Chunk 0 is
    // swept in phase 1, so i > front here.
    int64_t aBytes = ks.a_size * es;
    bool last = k + 1 == plan.chunks;
    for (int64_t i = begin; i < end; ++i) {
      char *a = plan.elements + i * plan.elementBytes, *b = a + aBytes;
      bindInputs(w.seq, i, s.u);
      ks.element(iterateRow(w.seq, i - 1, false), s.u, p.params, a, b);
      if (last)
        continue;
      if (i == begin) {
        std::memcpy(accA, a, aBytes);
        std::memcpy(accB, b, rowBytes);
        continue;
      }
      // The accumulated map runs first, then this step's.
      ks.combine(a, b, accA, accB, accA, accB);
    }
    return;
  }
  if (lds_reduce_fn reduce = m->chunks[w.solver].reduce) {
    // The model's compiled loop over the chunk, the same fold.
    if (begin < end) {
      bindInputs(w.seq, begin, s.u);
      reduce(begin == w.front ? finalBefore(w.seq, begin)
                              : iterateRow(w.seq, begin - 1, false),
             iterateRow(w.seq, begin, false), s.u, inputStride.as<int64_t>(),
             p.params, end - begin, accA, accB);
    }
    return;
  }
  for (int64_t i = begin; i < end; ++i) {
    const void *guessPrev =
        i == w.front ? finalBefore(w.seq, i) : iterateRow(w.seq, i - 1, false);
    bindInputs(w.seq, i, s.u);
    if (i == begin) {
      ks.element(guessPrev, s.u, p.params, accA, accB);
      continue;
    }
    ks.element(guessPrev, s.u, p.params, s.a, s.b);
    // The accumulated map runs first, then this step's.
    ks.combine(s.a, s.b, accA, accB, accA, accB);
  }
}

void CpuExecutor::carries(const SequenceWork &w, const ItemPlan &plan) const {
  const lds_solver_kernels &ks = m->solvers[w.solver];
  // Chunk 0 was swept in phase 1: its last new row is chunk 1's carry.
  std::memcpy(slotCarry(plan.firstUnit),
              iterateRow(w.seq, chunkStart(w, plan, 1) - 1, true), rowBytes);
  for (int64_t k = 1; k + 1 < plan.chunks; ++k) {
    int64_t slot = plan.firstUnit + k;
    ks.apply(slotA(slot), slotB(slot), slotCarry(slot - 1), slotCarry(slot));
  }
}

ChunkResult CpuExecutor::applyAndTest(const SequenceWork &w,
                                      const ItemPlan &plan, int64_t k,
                                      int worker) const {
  const lds_solver_kernels &ks = m->solvers[w.solver];
  Scratch s = scratch(worker);
  int64_t begin = chunkStart(w, plan, k), end = chunkStart(w, plan, k + 1);
  bool last = k + 1 == plan.chunks;
  // Chunk 0 runs from a known carry (phase 1), through its last row.
  int64_t stepwiseEnd = last || k == 0 ? end : end - 1;
  const void *prevNew =
      k == 0 ? finalBefore(w.seq, w.front) : slotCarry(plan.firstUnit + k - 1);
  ChunkResult r{p.T, 0.0, false};
  bool failed = false;
  // Newton on an affine f solves the exact linear recurrence (as does
  // quasi-Newton when that Jacobian is diagonal): the first iterate is the
  // solution, with nothing left to compare.
  bool exact = m->is_affine &&
               (w.solver == LDS_SOLVER_NEWTON ||
                (w.solver == LDS_SOLVER_QUASI_NEWTON && m->jacobian_kind == 1));
  lds_sweep_fn sweep = m->chunks[w.solver].sweep;
  // Rows [sweptBegin, sweptEnd) came from one call of the compiled sweep,
  // their test values in s.excess.
  int64_t sweptBegin = begin, sweptEnd = begin;
  for (int64_t i = begin; i < end; ++i) {
    char *out = iterateRow(w.seq, i, true);
    bool swept = false;
    if (i == w.front) {
      // Causality: the row after a final one is exact in one step.
      bindInputs(w.seq, i, s.u);
      m->step(prevNew, s.u, p.params, out);
    } else if (i < stepwiseEnd && plan.elements && k > 0) {
      // Phase 1 kept this row's element.
      bindInputs(w.seq, i, s.u);
      const char *a = plan.elements + i * plan.elementBytes;
      ks.apply(a, a + ks.a_size * es, prevNew, out);
    } else if (i < stepwiseEnd && sweep) {
      if (i >= sweptEnd) {
        bindInputs(w.seq, i, s.u);
        sweptBegin = i;
        sweptEnd = std::min(stepwiseEnd, i + kSweepRows);
        sweep(iterateRow(w.seq, i - 1, false), prevNew,
              iterateRow(w.seq, i, false), s.u, inputStride.as<int64_t>(),
              p.params, sweptEnd - i, out, tol, s.excess);
      }
      swept = true;
      bindInputs(w.seq, i, s.u);
    } else if (i < stepwiseEnd) {
      bindInputs(w.seq, i, s.u);
      ks.element(iterateRow(w.seq, i - 1, false), s.u, p.params, s.a, s.b);
      ks.apply(s.a, s.b, prevNew, out);
    } else {
      bindInputs(w.seq, i, s.u);
      std::memcpy(out, slotCarry(plan.firstUnit + k), rowBytes);
    }

    if (failed) {
      // Past this chunk's first failure only finiteness matters (it makes
      // the solver fall back); the residuals there are not needed.
      if (firstNonfinite(out, d, dtype) >= 0)
        r.nonfinite = true;
    } else {
      double residual = 0;
      if (i == w.front || exact) {
        m->check(out, out, tol, s.check); // NaN iff `out` is not finite
      } else if (swept) {
        std::memcpy(s.check, s.excess + (i - sweptBegin) * es, es);
      } else {
        // The stopping test compares successive iterates (DESIGN.md §2): a
        // per-step residual test would let errors add up over T steps of a
        // neutrally stable model (Langevin) after a too-early stop.
        m->check(out, iterateRow(w.seq, i, false), tol, s.check);
      }
      if (i != w.front) {
        m->step(prevNew, s.u, p.params, s.fx);
        residual = maxAbsDiff(out, s.fx, d, dtype);
      }
      double test = readScalar(s.check, dtype);
      if (!(test <= 0) || std::isnan(residual)) {
        failed = true;
        r.firstFail = i;
        r.nonfinite = std::isnan(test) || std::isnan(residual);
      } else {
        r.resBefore = std::max(r.resBefore, residual);
      }
    }
    prevNew = out;
  }
  return r;
}

lds_status CpuExecutor::iterate(const SequenceWork *work, int64_t n,
                                IterationOutcome *out) {
  ItemPlan *plan = plans.as<ItemPlan>();
  Unit *unit = units.as<Unit>();
  ChunkResult *result = results.as<ChunkResult>();

  // Split each window into share + 1 chunks of at least kMinChunkSteps
  // rows, where a sequence has share >= 2 threads (the file comment): the
  // total stays below threads + 2 n units.
  int64_t share = (p.threads + n - 1) / n;
  int64_t numUnits = 0, keptUsed = 0;
  bool anyScan = false;
  for (int64_t j = 0; j < n; ++j) {
    int64_t window = p.T - work[j].front;
    lds_solver solver = work[j].solver;
    // With its elements kept, a window is cut into `share` chunks: phase 3
    // only applies them (see the file comment).
    bool keep = share >= 2 && keptUsed < keptSlots &&
                keepsElements(m, solver) && window >= 2 * kMinChunkSteps;
    int64_t k =
        std::max<int64_t>(1, std::min<int64_t>(share < 2 ? 1
                                               : keep    ? share
                                                         : share + 1,
                                               window / kMinChunkSteps));
    // Without kept elements, split only where that beats one pass.
    if (!keep && k > 1 && !chunkingPays(m, solver, k))
      k = 1;
    char *elements = nullptr;
    if (keep)
      elements = kept.data() + keptUsed++ * 2 * p.T * rowBytes;
    plan[j] = {k, numUnits, elements, (m->solvers[solver].a_size + d) * es};
    for (int64_t c = 0; c < k; ++c)
      unit[numUnits + c] = {j, c};
    numUnits += k;
    anyScan |= k > 1;
  }
  if (numUnits > unitCapacity)
    return fail(LDS_ERR_INTERNAL, "lds_solve: %lld work units exceed %lld",
                static_cast<long long>(numUnits),
                static_cast<long long>(unitCapacity));

  if (anyScan) {
    parallel(numUnits, [&](int64_t u, int worker) {
      const Unit &x = unit[u];
      // Chunk 0 is swept now; the last chunk's map is never needed.
      const ItemPlan &pl = plan[x.item];
      if (x.chunk == 0)
        result[u] = applyAndTest(work[x.item], pl, 0, worker);
      else if (pl.elements || x.chunk + 1 < pl.chunks)
        compose(work[x.item], pl, x.chunk, worker);
    });
    parallel(n, [&](int64_t j, int) {
      if (plan[j].chunks > 1)
        carries(work[j], plan[j]);
    });
  }
  parallel(numUnits, [&](int64_t u, int worker) {
    const Unit &x = unit[u];
    if (!anyScan || x.chunk > 0)
      result[u] = applyAndTest(work[x.item], plan[x.item], x.chunk, worker);
  });
  parallel(n, [&](int64_t j, int) {
    const SequenceWork &w = work[j];
    IterationOutcome o{p.T, false, 0.0, plan[j].chunks,
                       plan[j].elements != nullptr};
    for (int64_t c = 0; c < plan[j].chunks; ++c) {
      const ChunkResult &r = result[plan[j].firstUnit + c];
      o.nonfinite |= r.nonfinite;
      if (o.newFront == p.T) {
        o.finalResidual = std::max(o.finalResidual, r.resBefore);
        o.newFront = r.firstFail;
      }
    }
    uint8_t &cur = current.as<uint8_t>()[w.seq];
    if (cur == 0 && o.newFront > w.front)
      std::memcpy(stateRow(w.seq, w.front), scratchRow(w.seq, w.front),
                  (o.newFront - w.front) * rowBytes);
    cur ^= 1;
    out[j] = o;
  });
  return kernelStatus();
}

lds_status CpuExecutor::restart(const SequenceWork *work, int64_t n) {
  parallel(n, [&](int64_t j, int) {
    const SequenceWork &w = work[j];
    const void *x = finalBefore(w.seq, w.front);
    for (int64_t i = w.front; i < p.T; ++i)
      std::memcpy(iterateRow(w.seq, i, false), x, rowBytes);
  });
  return LDS_OK;
}

/// False if LDS_CPU_LANES=0 (a testing and benchmarking aid): every
/// sequence of a sequential pass then steps alone.
bool laneKernelsWanted() {
  const char *v = std::getenv("LDS_CPU_LANES");
  return !v || std::strcmp(v, "0") != 0;
}

int64_t CpuExecutor::formLaneGroups(const SequenceWork *work, int64_t n) const {
  int64_t *bounds = laneGroups.as<int64_t>();
  int64_t groups = 0;
  int64_t lanes = m->sequential_lanes && laneKernelsWanted() ? m->lanes : 1;
  for (int64_t begin = 0; begin < n;) {
    // A run of items with the same front. A call of sequential_lanes costs
    // about the same however many of its lanes are real, and beats
    // stepping each alone once more than half are: so the run is cut into
    // groups of min(lanes, its share per thread), and a group that fills
    // half the lanes or less steps one by one (as many threads as
    // sequences: each alone, as without lanes).
    int64_t end = begin + 1;
    while (end < n && work[end].front == work[begin].front)
      ++end;
    int64_t share = (end - begin + p.threads - 1) / p.threads;
    int64_t width = std::min(lanes, share);
    for (int64_t at = begin; at < end;) {
      int64_t count = std::min(width, end - at);
      if (2 * count > lanes) {
        bounds[groups++] = at;
        at += count;
        continue;
      }
      for (int64_t stop = at + count; at < stop; ++at)
        bounds[groups++] = at;
    }
    begin = end;
  }
  bounds[groups] = n;
  return groups;
}

void CpuExecutor::stepLanes(const SequenceWork *work, int64_t count, int worker,
                            int64_t *firstNonfiniteRow) const {
  Scratch s = scratch(worker);
  const void *prev[LDS_MAX_LANES]; // validateModel bounds m->lanes
  void *out[LDS_MAX_LANES];
  int64_t front = work[0].front;
  for (int64_t l = 0; l < m->lanes; ++l) {
    const SequenceWork &w = work[std::min(l, count - 1)];
    prev[l] = finalBefore(w.seq, front);
    out[l] = stateRow(w.seq, front);
    bindInputs(w.seq, front, s.u + l * m->num_inputs);
  }
  m->sequential_lanes(prev, s.u, inputStride.as<int64_t>(), p.params,
                      p.T - front, out);
  for (int64_t j = 0; j < count; ++j)
    firstNonfiniteRow[j] = firstNonfiniteRowFrom(work[j].seq, front);
}

int64_t CpuExecutor::stepAlone(const SequenceWork &w, int worker) const {
  Scratch s = scratch(worker);
  if (m->sequential) {
    // The model's compiled loop over the whole run, then one scan for the
    // first non-finite row.
    if (w.front >= p.T)
      return -1;
    bindInputs(w.seq, w.front, s.u);
    m->sequential(finalBefore(w.seq, w.front), s.u, inputStride.as<int64_t>(),
                  p.params, p.T - w.front, stateRow(w.seq, w.front));
    return firstNonfiniteRowFrom(w.seq, w.front);
  }
  int64_t bad = -1;
  const void *prev = finalBefore(w.seq, w.front);
  for (int64_t i = w.front; i < p.T; ++i) {
    char *out = stateRow(w.seq, i);
    bindInputs(w.seq, i, s.u);
    m->step(prev, s.u, p.params, out);
    if (bad < 0 && firstNonfinite(out, d, dtype) >= 0)
      bad = i;
    prev = out;
  }
  return bad;
}

lds_status CpuExecutor::sequential(const SequenceWork *work, int64_t n,
                                   int64_t *firstNonfiniteRow) {
  // Sequences of a batch go through sequential_lanes together where the
  // model has it; a group of one steps alone.
  int64_t groups = formLaneGroups(work, n);
  const int64_t *bounds = laneGroups.as<int64_t>();
  parallel(groups, [&](int64_t g, int worker) {
    int64_t begin = bounds[g], count = bounds[g + 1] - begin;
    if (count > 1 && work[begin].front < p.T) {
      stepLanes(work + begin, count, worker, firstNonfiniteRow + begin);
      return;
    }
    for (int64_t j = begin; j < begin + count; ++j)
      firstNonfiniteRow[j] = stepAlone(work[j], worker);
  });
  return kernelStatus();
}

double CpuExecutor::residualOf(int64_t seq, int64_t front, int worker) const {
  Scratch s = scratch(worker);
  const void *prev = finalBefore(seq, front);
  double worst = 0;
  for (int64_t i = front; i < p.T; ++i) {
    const char *row = stateRow(seq, i);
    bindInputs(seq, i, s.u);
    m->step(prev, s.u, p.params, s.fx);
    double r = maxAbsDiff(row, s.fx, d, dtype);
    if (std::isnan(r))
      return NAN;
    worst = std::max(worst, r);
    prev = row;
  }
  return worst;
}

lds_status CpuExecutor::finishUnconverged(const SequenceWork *work, int64_t n,
                                          double *residual) {
  parallel(n, [&](int64_t j, int worker) {
    const SequenceWork &w = work[j];
    if (current.as<uint8_t>()[w.seq] != 0 && w.front < p.T)
      std::memcpy(stateRow(w.seq, w.front), scratchRow(w.seq, w.front),
                  (p.T - w.front) * rowBytes);
    current.as<uint8_t>()[w.seq] = 0;
    residual[j] = residualOf(w.seq, w.front, worker);
  });
  return kernelStatus();
}

} // namespace

Executor *lds::createCpuExecutor(const Problem &p) {
  CpuExecutor *e = new (std::nothrow) CpuExecutor(p);
  if (!e) {
    fail(LDS_ERR_OUT_OF_MEMORY, "lds_solve: out of memory");
    return nullptr;
  }
  if (e->init() != LDS_OK) {
    delete e;
    return nullptr;
  }
  return e;
}
