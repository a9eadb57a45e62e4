//===- SolveTest.cpp - lds_solve against a sequential reference -----------===//
//
// Every solver x batch {1, 4} x T {1, 2, 1000, 20000} on hand-written models
// in f32 and f64, checked against a double-precision sequential loop over
// the model's own formula; and the properties the driver promises: affine +
// Newton in one iteration, a warm start from the solution in one, iterations
// <= T, fallbacks reported, per-sequence convergence, the same answer for
// any thread count.
//
//===----------------------------------------------------------------------===//

#include "TestModels.h"

#include <gtest/gtest.h>

#include <atomic>

#include <thread>

using namespace lds_test;

namespace {

template <class T> struct Result {
  lds_status status = LDS_ERR_INTERNAL;
  lds_stats stats{};
  std::vector<T> states;
  std::string error;
};

template <class M, class T>
Result<T> solve(const lds_model &m, const Data<M, T> &data,
                const lds_options &o) {
  Result<T> r;
  r.states.assign(data.batch * data.T_ * M::D, T(-12345));
  r.status = lds_solve(&m, data.paramArg(), data.x0.data(), data.inputArg(),
                       data.T_, data.batch, r.states.data(), &o, &r.stats);
  r.error = lds_last_error();
  return r;
}

lds_options options(lds_solver s, int threads) {
  lds_options o = lds_default_options();
  o.solver = s;
  o.num_threads = threads;
  return o;
}

/// Tolerances of the sweep, tighter than the defaults so that the error
/// bound (about tol / (1 - contraction)) stays below the thresholds.
template <class T> void tighten(lds_options &o) {
  if (sizeof(T) == 8) {
    o.atol = 1e-12;
    o.rtol = 1e-11;
  } else {
    o.atol = 1e-6;
    o.rtol = 2e-6;
  }
}
template <class T> double threshold() { return sizeof(T) == 8 ? 1e-9 : 1e-4; }

const lds_solver kSolvers[] = {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_JACOBI,
                               LDS_SOLVER_PICARD,     LDS_SOLVER_QUASI_NEWTON,
                               LDS_SOLVER_NEWTON,     LDS_SOLVER_AUTO};
const int64_t kLengths[] = {1, 2, 1000, 20000};
const int64_t kBatches[] = {1, 4};

template <class M, class T> struct Case {
  using Model = M;
  using Float = T;
};

template <class C> class SolveSweep : public ::testing::Test {};
using SweepCases =
    ::testing::Types<Case<DiagLinear, float>, Case<DiagLinear, double>,
                     Case<TanhRNN, float>, Case<TanhRNN, double>,
                     Case<Permutations, float>, Case<Permutations, double>>;
TYPED_TEST_SUITE(SolveSweep, SweepCases);

TYPED_TEST(SolveSweep, MatchesSequentialReference) {
  using M = typename TypeParam::Model;
  using T = typename TypeParam::Float;
  auto model = buildModel<M, T>();
  for (int64_t steps : kLengths)
    for (int64_t batch : kBatches) {
      Data<M, T> data(steps, batch, 1000 * steps + batch);
      std::vector<double> ref = data.template sequential<double>();
      for (lds_solver s : kSolvers) {
        SCOPED_TRACE(::testing::Message()
                     << M::name << " " << lds_dtype_name(dtypeOf<T>())
                     << " solver " << lds_solver_name(s) << " batch " << batch
                     << " T " << steps);
        lds_options o = options(s, 4);
        tighten<T>(o);
        Result<T> r = solve(model->m, data, o);
        ASSERT_EQ(r.status, LDS_OK) << r.error;
        EXPECT_LE(relativeError(r.states, ref, batch), threshold<T>());
        EXPECT_GE(r.stats.iterations, 1);
        EXPECT_LE(r.stats.iterations, steps);
        EXPECT_EQ(r.stats.converged, 1);
        EXPECT_EQ(r.stats.device, LDS_DEVICE_CPU);
        // The reported residual is the residual of the returned states.
        double residual = data.residual(r.states);
        EXPECT_NEAR(r.stats.max_residual, residual,
                    1e-6 * std::max(1.0, residual));
        EXPECT_LE(r.stats.max_residual,
                  o.atol + o.rtol * 100 + (sizeof(T) == 4 ? 1e-4 : 1e-9));
        if (s != LDS_SOLVER_AUTO && r.stats.fallbacks == 0) {
          EXPECT_EQ(r.stats.solver, s);
        }
        if (s == LDS_SOLVER_SEQUENTIAL) {
          // The same formula in the same type: the same bits.
          EXPECT_EQ(r.states, data.template sequential<T>());
          EXPECT_EQ(r.stats.iterations, 1);
          EXPECT_EQ(r.stats.max_residual, 0.0);
        }
      }
    }
}

// Affine f: the linearisation is exact, so Newton (and quasi-Newton when J
// is diagonal) converges in one iteration, with the default tolerances.
template <class M, class T> void expectOneIteration(lds_solver s) {
  auto model = buildModel<M, T>();
  for (int64_t steps : kLengths)
    for (int64_t batch : kBatches) {
      SCOPED_TRACE(::testing::Message()
                   << M::name << " " << lds_dtype_name(dtypeOf<T>()) << " "
                   << lds_solver_name(s) << " batch " << batch << " T "
                   << steps);
      Data<M, T> data(steps, batch, 7 + steps);
      Result<T> r = solve(model->m, data, options(s, 4));
      ASSERT_EQ(r.status, LDS_OK) << r.error;
      EXPECT_EQ(r.stats.iterations, 1);
      EXPECT_EQ(r.stats.fallbacks, 0);
      EXPECT_EQ(r.stats.solver, s);
      EXPECT_LE(
          relativeError(r.states, data.template sequential<double>(), batch),
          sizeof(T) == 8 ? 1e-9 : 1e-4);
    }
}

TEST(SolveAffine, NewtonConvergesInOneIteration) {
  expectOneIteration<DiagLinear, float>(LDS_SOLVER_NEWTON);
  expectOneIteration<DiagLinear, double>(LDS_SOLVER_NEWTON);
  expectOneIteration<Permutations, float>(LDS_SOLVER_NEWTON);
  expectOneIteration<Permutations, double>(LDS_SOLVER_NEWTON);
}

TEST(SolveAffine, QuasiNewtonOnDiagonalAffineInOneIteration) {
  expectOneIteration<DiagLinear, float>(LDS_SOLVER_QUASI_NEWTON);
  expectOneIteration<DiagLinear, double>(LDS_SOLVER_QUASI_NEWTON);
}

// Started at the solution, every fixed-point solver stops after the first
// iteration's test; also when the guess is the `states` buffer itself.
template <class M, class T> void expectWarmStartInOneIteration() {
  auto model = buildModel<M, T>();
  Data<M, T> data(1000, 2, 99);
  Result<T> exact = solve(model->m, data, options(LDS_SOLVER_SEQUENTIAL, 4));
  ASSERT_EQ(exact.status, LDS_OK);
  for (lds_solver s : {LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
                       LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON}) {
    SCOPED_TRACE(lds_solver_name(s));
    lds_options o = options(s, 4);
    o.initial_guess = exact.states.data();
    Result<T> r = solve(model->m, data, o);
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    EXPECT_EQ(r.stats.iterations, 1);
    EXPECT_EQ(r.stats.converged, 1);

    std::vector<T> inPlace = exact.states;
    o.initial_guess = inPlace.data();
    lds_stats st;
    ASSERT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                        data.inputArg(), data.T_, data.batch, inPlace.data(),
                        &o, &st),
              LDS_OK);
    EXPECT_EQ(st.iterations, 1);
    EXPECT_LE(
        relativeError(inPlace, data.template sequential<double>(), data.batch),
        sizeof(T) == 8 ? 1e-9 : 1e-4);
  }
}

TEST(SolveWarmStart, ExactGuessConvergesInOneIteration) {
  expectWarmStartInOneIteration<TanhRNN, float>();
  expectWarmStartInOneIteration<TanhRNN, double>();
  expectWarmStartInOneIteration<DiagLinear, double>();
}

// Without compiler costs the cost guard is off: Jacobi and Picard then
// converge by iterating alone (Picard, whose A = I is far from this J, in
// about T iterations, as DESIGN.md expects of it on RNNs).
TEST(SolveIterative, JacobiAndPicardConvergeWithoutTheGuard) {
  auto model = buildModel<TanhRNN, double>();
  model->m.flops_per_step = 0;
  Data<TanhRNN, double> data(1000, 1, 5);
  std::vector<double> ref = data.sequential<double>();
  for (lds_solver s : {LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD}) {
    SCOPED_TRACE(lds_solver_name(s));
    lds_options o = options(s, 4);
    tighten<double>(o);
    Result<double> r = solve(model->m, data, o);
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    EXPECT_EQ(r.stats.solver, s);
    EXPECT_EQ(r.stats.fallbacks, 0);
    EXPECT_LE(r.stats.iterations, s == LDS_SOLVER_JACOBI ? 100 : 1000);
    EXPECT_LE(relativeError(r.states, ref, 1), 1e-9);
  }
}

// With costs, a solver whose front crawls is stopped by the cost guard and
// the rest is evaluated sequentially; that counts as a fallback.
TEST(SolveIterative, CostGuardFinishesSequentially) {
  auto model = buildModel<Permutations, double>();
  Data<Permutations, double> data(20000, 1, 3);
  Result<double> r = solve(model->m, data, options(LDS_SOLVER_JACOBI, 4));
  ASSERT_EQ(r.status, LDS_OK) << r.error;
  EXPECT_EQ(r.stats.solver, LDS_SOLVER_SEQUENTIAL);
  EXPECT_EQ(r.stats.fallbacks, 1);
  // The grace iterations, then the sequential pass.
  EXPECT_EQ(r.stats.iterations, 4);
  EXPECT_EQ(relativeError(r.states, data.sequential<double>(), 1), 0.0);
}

// A linearisation around the initial guess overflows: Newton falls back to
// quasi-Newton (which overflows as well here) and then to the sequential
// pass, keeping the final prefix; the answer is still right.
template <class T> void expectOverflowFallback() {
  auto model = buildModel<Overflow, T>();
  for (int64_t batch : kBatches) {
    Data<Overflow, T> data(1000, batch, 1);
    std::vector<double> ref = data.template sequential<double>();
    Result<T> r = solve(model->m, data, options(LDS_SOLVER_NEWTON, 4));
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    EXPECT_EQ(r.stats.fallbacks, 2);
    EXPECT_EQ(r.stats.solver, LDS_SOLVER_SEQUENTIAL);
    EXPECT_EQ(r.stats.converged, 1);
    EXPECT_LE(r.stats.iterations, 1000);
    EXPECT_LE(relativeError(r.states, ref, batch), threshold<T>());

    r = solve(model->m, data, options(LDS_SOLVER_QUASI_NEWTON, 4));
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    EXPECT_EQ(r.stats.fallbacks, 1);
    EXPECT_EQ(r.stats.solver, LDS_SOLVER_SEQUENTIAL);
    EXPECT_LE(relativeError(r.states, ref, batch), threshold<T>());
  }
}

TEST(SolveFallback, OverflowFallsBackToSaferSolvers) {
  expectOverflowFallback<float>();
  expectOverflowFallback<double>();
}

// A trajectory that overflows by itself is reported, whatever the solver.
TEST(SolveFallback, NonfiniteTrajectoryIsReported) {
  auto model = buildModel<Logistic, double>();
  double saved = Logistic::x0;
  Logistic::x0 = 2.0; // outside [0, 1]: x -> -inf
  Data<Logistic, double> data(1000, 1, 1);
  Logistic::x0 = saved;
  for (lds_solver s : kSolvers) {
    SCOPED_TRACE(lds_solver_name(s));
    Result<double> r = solve(model->m, data, options(s, 4));
    EXPECT_EQ(r.status, LDS_ERR_NONFINITE);
    EXPECT_NE(r.error.find("is not finite from t = "), std::string::npos)
        << r.error;
    EXPECT_EQ(r.stats.converged, 0);
    EXPECT_TRUE(std::isnan(r.stats.max_residual));
    EXPECT_LE(r.stats.iterations, 1000);
  }
}

// A model with a compiled `sequential` loop runs its sequential passes (the
// solver, the cost guard's finish, a fallback, a non-finite trajectory)
// through it, with the same bits and stats as stepping row by row.
template <class M, class T>
void expectSequentialKernelAgrees(lds_solver s, const Data<M, T> &data) {
  SCOPED_TRACE(lds_solver_name(s));
  using K = Kernels<M, T>;
  auto perStep = buildModel<M, T>();
  auto compiled = buildModel<M, T>();
  ASSERT_EQ(perStep->m.sequential, nullptr);
  compiled->m.sequential = &K::sequential;
  int64_t calls = K::sequentialCalls;
  Result<T> a = solve(perStep->m, data, options(s, 4));
  EXPECT_EQ(K::sequentialCalls, calls);
  Result<T> b = solve(compiled->m, data, options(s, 4));
  EXPECT_GT(K::sequentialCalls, calls);
  EXPECT_EQ(a.status, b.status) << a.error << " / " << b.error;
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.stats.solver, b.stats.solver);
  EXPECT_EQ(a.stats.iterations, b.stats.iterations);
  EXPECT_EQ(a.stats.fallbacks, b.stats.fallbacks);
  EXPECT_EQ(a.stats.converged, b.stats.converged);
  ASSERT_EQ(a.states.size(), b.states.size());
  EXPECT_EQ(std::memcmp(a.states.data(), b.states.data(),
                        a.states.size() * sizeof(T)),
            0);
}

TEST(SolveSequentialKernel, MatchesThePerStepPath) {
  // The sequential solver, batch 4, both float types.
  expectSequentialKernelAgrees(LDS_SOLVER_SEQUENTIAL,
                               Data<TanhRNN, float>(1000, 4, 5));
  expectSequentialKernelAgrees(LDS_SOLVER_SEQUENTIAL,
                               Data<TanhRNN, double>(1000, 4, 5));
  expectSequentialKernelAgrees(LDS_SOLVER_SEQUENTIAL,
                               Data<Permutations, float>(2000, 4, 5));
  // The cost guard's sequential finish.
  expectSequentialKernelAgrees(LDS_SOLVER_JACOBI,
                               Data<Permutations, double>(20000, 1, 3));
  // Newton -> quasi-Newton -> sequential fallbacks.
  expectSequentialKernelAgrees(LDS_SOLVER_NEWTON,
                               Data<Overflow, float>(1000, 4, 1));
  // A trajectory that overflows: the first non-finite row is reported.
  double saved = Logistic::x0;
  Logistic::x0 = 2.0;
  Data<Logistic, double> data(1000, 1, 1);
  Logistic::x0 = saved;
  expectSequentialKernelAgrees(LDS_SOLVER_SEQUENTIAL, data);
  expectSequentialKernelAgrees(LDS_SOLVER_NEWTON, data);
}

// A model with `sequential_lanes` steps the sequences of a sequential pass
// L at a time: each thread's share of the batch in groups of up to L, or one
// by one where a share (or the rest of one) fills half the lanes or less;
// the spare lanes of a group repeat its last sequence. Each lane gets its
// own sequence's x0, inputs and rows: the states are those of the per-step
// path, bit for bit (the test kernel steps each lane with `step`).
// LDS_CPU_LANES=0 steps every sequence alone.
TEST(SolveSequentialKernel, LanesStepGroupsOfTheBatch) {
  using K = Kernels<TanhRNN, float>;
  struct Expected {
    int64_t batch;
    int threads;
    std::vector<std::vector<int64_t>> groups; // sequences, lane by lane
  } cases[] = {
      {2, 1, {}},                            // 2 of 4 lanes: each alone
      {3, 1, {{0, 1, 2, 2}}},                // 3 of 4: one call
      {6, 1, {{0, 1, 2, 3}}},                // then 2 alone
      {7, 1, {{0, 1, 2, 3}, {4, 5, 6, 6}}},  //
      {9, 1, {{0, 1, 2, 3}, {4, 5, 6, 7}}},  // then 1 alone
      {4, 2, {}},                            // shares of 2: alone
      {6, 2, {{0, 1, 2, 2}, {3, 4, 5, 5}}},  // shares of 3
      {10, 2, {{0, 1, 2, 3}, {4, 5, 6, 7}}}, // then 2 alone
      {8, 8, {}},                            // a thread per sequence
  };
  for (const Expected &e : cases) {
    SCOPED_TRACE("batch " + std::to_string(e.batch) + ", threads " +
                 std::to_string(e.threads));
    Data<TanhRNN, float> data(300, e.batch, 11);
    auto perStep = buildModel<TanhRNN, float>();
    auto lanes = buildModel<TanhRNN, float>();
    lanes->m.sequential = &K::sequential;
    lanes->m.lanes = kTestLanes;
    lanes->m.sequential_lanes = &K::sequentialLanes;
    K::lanesCalls.clear();
    lds_options o = options(LDS_SOLVER_SEQUENTIAL, e.threads);
    Result<float> a = solve(perStep->m, data, o);
    Result<float> b = solve(lanes->m, data, o);
    ASSERT_EQ(a.status, LDS_OK) << a.error;
    ASSERT_EQ(b.status, LDS_OK) << b.error;
    EXPECT_EQ(std::memcmp(a.states.data(), b.states.data(),
                          a.states.size() * sizeof(float)),
              0);
    // Which sequence's rows each lane wrote, in the order of the calls'
    // first lanes (threads may make the calls in any order).
    std::vector<std::vector<int64_t>> groups;
    for (const std::vector<void *> &call : K::lanesCalls) {
      std::vector<int64_t> seqs;
      for (void *out : call)
        seqs.push_back((static_cast<float *>(out) - b.states.data()) /
                       (data.T_ * TanhRNN::D));
      groups.push_back(seqs);
    }
    std::sort(groups.begin(), groups.end());
    EXPECT_EQ(groups, e.groups);
  }
  // LDS_CPU_LANES=0: the model's lanes go unused.
  Data<TanhRNN, float> data(300, 8, 11);
  auto lanes = buildModel<TanhRNN, float>();
  lanes->m.lanes = kTestLanes;
  lanes->m.sequential_lanes = &K::sequentialLanes;
  K::lanesCalls.clear();
  setenv("LDS_CPU_LANES", "0", 1);
  Result<float> r = solve(lanes->m, data, options(LDS_SOLVER_SEQUENTIAL, 1));
  unsetenv("LDS_CPU_LANES");
  EXPECT_EQ(r.status, LDS_OK) << r.error;
  EXPECT_TRUE(K::lanesCalls.empty());
}

// An overflow far into the run (past the finiteness scan's first blocks of
// 256 values), in a sequence stepped with the lanes or alone, is reported
// from its first row. (x' = 0.5 x + u with u = FLT_MAX at two steps in a
// row: the second overflows.)
TEST(SolveSequentialKernel, NonfiniteRowInALaterBlock) {
  using K = Kernels<DiagLinear, float>;
  const int64_t T = 30000;
  for (int64_t seq : {2, 4}) { // lanes (group 0..3), alone
    for (int64_t k : {int64_t(12000), int64_t(20000), T - 2}) {
      SCOPED_TRACE("sequence " + std::to_string(seq) + ", step " +
                   std::to_string(k));
      Data<DiagLinear, float> data(T, 5, 3);
      for (float &a : data.params[0])
        a = 0.5f;
      float *u = data.floatInputs[0].data() + seq * T * DiagLinear::D;
      for (int64_t r : {k, k + 1})
        for (int i = 0; i < DiagLinear::D; ++i)
          u[r * DiagLinear::D + i] = std::numeric_limits<float>::max();
      auto model = buildModel<DiagLinear, float>();
      model->m.sequential = &K::sequential;
      model->m.lanes = kTestLanes;
      model->m.sequential_lanes = &K::sequentialLanes;
      Result<float> r =
          solve(model->m, data, options(LDS_SOLVER_SEQUENTIAL, 1));
      EXPECT_EQ(r.status, LDS_ERR_NONFINITE);
      EXPECT_EQ(r.error,
                "lds_solve: the trajectory of sequence " + std::to_string(seq) +
                    " is not finite from t = " + std::to_string(k + 2) +
                    " (f overflowed or produced NaN; states hold the "
                    "sequential evaluation)");
    }
  }
}

/// C++ lds_reduce_fn / lds_sweep_fn over solver S's per-step kernels of
/// `model` (buildModel leaves `chunks` NULL; tests set these to check the
/// runtime's use of the compiled chunk loops).
template <class T, lds_solver S> struct ChunkLoops {
  using In = const void *const *;
  static inline const lds_model *model = nullptr;
  static inline std::atomic<int64_t> calls{0};
  static void bind(In u, const int64_t *stepBytes, int64_t t,
                   std::vector<const void *> &ut) {
    for (size_t i = 0; i < ut.size(); ++i)
      ut[i] = static_cast<const char *>(u[i]) + t * stepBytes[i];
  }
  static void reduce(const void *xFirst, const void *guessRows, In u,
                     const int64_t *stepBytes, In p, int64_t n, void *a,
                     void *b) {
    ++calls;
    const lds_solver_kernels &k = model->solvers[S];
    int64_t d = model->state_dim;
    std::vector<T> sa(std::max<int64_t>(k.a_size, 1)), sb(d);
    std::vector<const void *> ut(model->num_inputs);
    for (int64_t t = 0; t < n; ++t) {
      bind(u, stepBytes, t, ut);
      const void *guess =
          t == 0 ? xFirst : static_cast<const T *>(guessRows) + (t - 1) * d;
      if (t == 0) {
        k.element(guess, ut.data(), p, a, b);
        continue;
      }
      k.element(guess, ut.data(), p, sa.data(), sb.data());
      k.combine(sa.data(), sb.data(), a, b, a, b);
    }
  }
  static void sweep(const void *guessFirst, const void *xIn,
                    const void *guessRows, In u, const int64_t *stepBytes, In p,
                    int64_t n, void *out, const void *tol, void *excess) {
    ++calls;
    const lds_solver_kernels &k = model->solvers[S];
    int64_t d = model->state_dim;
    std::vector<T> sa(std::max<int64_t>(k.a_size, 1)), sb(d);
    std::vector<const void *> ut(model->num_inputs);
    const void *prev = xIn;
    for (int64_t t = 0; t < n; ++t) {
      bind(u, stepBytes, t, ut);
      const T *guess = static_cast<const T *>(guessRows) + t * d;
      k.element(t == 0 ? guessFirst : guess - d, ut.data(), p, sa.data(),
                sb.data());
      T *row = static_cast<T *>(out) + t * d;
      k.apply(sa.data(), sb.data(), prev, row);
      model->check(row, guess, tol, static_cast<T *>(excess) + t);
      prev = row;
    }
  }
  static void install(lds_model &m) {
    model = &m;
    m.chunks[S] = {&reduce, &sweep};
  }
};

template <class T, lds_solver S> int64_t chunkCalls() {
  return ChunkLoops<T, S>::calls;
}

// A model with compiled chunk loops runs an iteration's bulk rows through
// them, with the same bits and stats as calling the solver's kernels per
// step.
template <class M, class T>
void expectChunkKernelsAgree(lds_solver s, const Data<M, T> &data,
                             int threads) {
  SCOPED_TRACE(::testing::Message()
               << M::name << " " << lds_solver_name(s) << " T " << data.T_
               << " threads " << threads);
  auto perStep = buildModel<M, T>();
  auto compiled = buildModel<M, T>();
  for (int k = 0; k < LDS_NUM_SOLVER_SLOTS; ++k) {
    ASSERT_EQ(perStep->m.chunks[k].reduce, nullptr);
    ASSERT_EQ(perStep->m.chunks[k].sweep, nullptr);
  }
  ChunkLoops<T, LDS_SOLVER_JACOBI>::install(compiled->m);
  ChunkLoops<T, LDS_SOLVER_PICARD>::install(compiled->m);
  ChunkLoops<T, LDS_SOLVER_QUASI_NEWTON>::install(compiled->m);
  ChunkLoops<T, LDS_SOLVER_NEWTON>::install(compiled->m);
  auto total = [] {
    return chunkCalls<T, LDS_SOLVER_JACOBI>() +
           chunkCalls<T, LDS_SOLVER_PICARD>() +
           chunkCalls<T, LDS_SOLVER_QUASI_NEWTON>() +
           chunkCalls<T, LDS_SOLVER_NEWTON>();
  };
  int64_t calls = total();
  Result<T> a = solve(perStep->m, data, options(s, threads));
  EXPECT_EQ(total(), calls);
  Result<T> b = solve(compiled->m, data, options(s, threads));
  EXPECT_GT(total(), calls);
  EXPECT_EQ(a.status, b.status) << a.error << " / " << b.error;
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.stats.solver, b.stats.solver);
  EXPECT_EQ(a.stats.iterations, b.stats.iterations);
  EXPECT_EQ(a.stats.fallbacks, b.stats.fallbacks);
  EXPECT_EQ(a.stats.converged, b.stats.converged);
  EXPECT_EQ(
      std::memcmp(&a.stats.max_residual, &b.stats.max_residual, sizeof(double)),
      0)
      << a.stats.max_residual << " / " << b.stats.max_residual;
  ASSERT_EQ(a.states.size(), b.states.size());
  EXPECT_EQ(std::memcmp(a.states.data(), b.states.data(),
                        a.states.size() * sizeof(T)),
            0);
}

TEST(SolveChunkKernels, MatchPerStepPath) {
  for (lds_solver s : {LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
                       LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON}) {
    // Several chunks of more than one sweep block, and one chunk per
    // sequence of a batch.
    expectChunkKernelsAgree(s, Data<TanhRNN, float>(3000, 1, 5), 4);
    expectChunkKernelsAgree(s, Data<TanhRNN, double>(3000, 1, 5), 4);
    expectChunkKernelsAgree(s, Data<TanhRNN, double>(1000, 4, 5), 4);
    expectChunkKernelsAgree(s, Data<Permutations, float>(2000, 2, 5), 3);
    expectChunkKernelsAgree(s, Data<DiagLinear, double>(5000, 1, 5), 4);
  }
  // Newton -> quasi-Newton -> sequential fallbacks, and a trajectory that
  // overflows.
  expectChunkKernelsAgree(LDS_SOLVER_NEWTON, Data<Overflow, float>(1000, 4, 1),
                          4);
  double saved = Logistic::x0;
  Logistic::x0 = 2.0;
  Data<Logistic, double> data(1000, 1, 1);
  Logistic::x0 = saved;
  expectChunkKernelsAgree(LDS_SOLVER_NEWTON, data, 4);
}

// Chaotic maps: the trajectory cannot be compared with a reference past the
// predictability horizon, but every row must meet the tolerance (a valid
// pseudo-orbit), the early rows must agree, and the solve must stay cheap.
template <class M, class T> void expectValidPseudoOrbit(int64_t steps) {
  auto model = buildModel<M, T>();
  Data<M, T> data(steps, 2, 11);
  std::vector<double> ref = data.template sequential<double>();
  for (lds_solver s : kSolvers) {
    SCOPED_TRACE(::testing::Message()
                 << M::name << " " << lds_dtype_name(dtypeOf<T>()) << " "
                 << lds_solver_name(s) << " T " << steps);
    Result<T> r = solve(model->m, data, options(s, 4));
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    EXPECT_LE(r.stats.iterations, steps);
    double atol = sizeof(T) == 8 ? LDS_DEFAULT_ATOL_F64 : LDS_DEFAULT_ATOL_F32;
    double rtol = sizeof(T) == 8 ? LDS_DEFAULT_RTOL_F64 : LDS_DEFAULT_RTOL_F32;
    for (int64_t b = 0; b < data.batch; ++b)
      for (int64_t i = 0; i < steps; ++i) {
        const T *prev = i == 0 ? data.x0.data() + b * M::D
                               : r.states.data() + (b * steps + i - 1) * M::D;
        const T *row = r.states.data() + (b * steps + i) * M::D;
        T fx[M::D];
        std::vector<const void *> u = data.stepInputs(b, i);
        M::template f<T, T>(prev, u.data(), data.paramArg(), fx);
        for (int d = 0; d < M::D; ++d)
          ASSERT_LE(std::fabs(double(row[d]) - double(fx[d])),
                    atol + rtol * std::fabs(double(row[d])) * 1.0001)
              << "b " << b << " t " << i + 1;
      }
    // The first few steps are well inside the predictability horizon.
    for (int64_t i = 0; i < std::min<int64_t>(steps, 5) * M::D; ++i)
      EXPECT_NEAR(double(r.states[i]), ref[i], 1e-3);
  }
}

TEST(SolveChaotic, LogisticMapGivesValidPseudoOrbit) {
  expectValidPseudoOrbit<Logistic, double>(1000);
  expectValidPseudoOrbit<Logistic, float>(1000);
  expectValidPseudoOrbit<Logistic, double>(20000);
}

TEST(SolveChaotic, LargeGainRNNGivesValidPseudoOrbit) {
  double saved = TanhRNN::gain;
  TanhRNN::gain = 3.0;
  expectValidPseudoOrbit<TanhRNN, double>(1000);
  expectValidPseudoOrbit<TanhRNN, float>(20000);
  TanhRNN::gain = saved;
}

// One thread, two or eight: the same answer (the chunking differs, so to
// rounding); a given thread count gives the same bits every run.
TEST(SolveThreads, ThreadCountsAgree) {
  auto model = buildModel<TanhRNN, double>();
  Data<TanhRNN, double> data(20000, 4, 21);
  for (lds_solver s : {LDS_SOLVER_NEWTON, LDS_SOLVER_QUASI_NEWTON,
                       LDS_SOLVER_JACOBI, LDS_SOLVER_SEQUENTIAL}) {
    SCOPED_TRACE(lds_solver_name(s));
    lds_options o = options(s, 1);
    tighten<double>(o);
    Result<double> one = solve(model->m, data, o);
    ASSERT_EQ(one.status, LDS_OK) << one.error;
    std::vector<double> oneAsRef(one.states.begin(), one.states.end());
    for (int threads : {2, 8}) {
      o.num_threads = threads;
      Result<double> r = solve(model->m, data, o);
      ASSERT_EQ(r.status, LDS_OK) << r.error;
      EXPECT_LE(relativeError(r.states, oneAsRef, 4), 1e-10);
      Result<double> again = solve(model->m, data, o);
      EXPECT_EQ(again.states, r.states);
      if (s == LDS_SOLVER_SEQUENTIAL) {
        EXPECT_EQ(r.states, one.states);
      }
    }
  }
}

// Newton's combine, counting its calls: the runtime composes chunk maps
// with it (test models have no compiled chunk loops) only when it splits a
// window.
std::atomic<int64_t> combineCalls{0};
lds_combine_fn countedCombine = nullptr;
void countingCombine(const void *a2, const void *b2, const void *a1,
                     const void *b1, void *a, void *b) {
  combineCalls.fetch_add(1, std::memory_order_relaxed);
  countedCombine(a2, b2, a1, b1, a, b);
}

// A window is split over threads only where that is faster
// (SolverPolicy.h, chunkingPays): an iteration on s threads takes
// (fold + sweep) / (s + 1) a step against one sweep. TanhRNN's Newton (D =
// 3, f = 60 flops, Newton 294 by TestModels.h) has a combine of 2 D^3 +
// 2 D^2 = 72 flops and an apply of 2 D^2 = 18, so an element of 222:
// fold = 294, sweep = 240, and on 2 threads 534 / 3 < 240 splits. With f
// and the element at 1 flop, fold = 73 and sweep = 19: on 2 threads
// 92 / 3 > 19, one sweep and no combine; on 8 threads 92 / 9 < 19 splits.
/// How often `counter` is bumped in one iteration of `s` on `threads`
/// threads (max_iters = 1: the solve ends unconverged, with `s`).
int64_t callsInOneIteration(const lds_model &m, Data<TanhRNN, double> &data,
                            lds_solver s, int threads,
                            std::atomic<int64_t> &counter) {
  lds_options o = options(s, threads);
  o.max_iters = 1;
  counter = 0;
  Result<double> r = solve(m, data, o);
  EXPECT_EQ(r.status, LDS_ERR_NOT_CONVERGED) << r.error;
  EXPECT_EQ(r.stats.solver, s);
  return counter.load();
}

TEST(SolveThreads, WindowsSplitOnlyWhereFaster) {
  auto model = buildModel<TanhRNN, double>();
  countedCombine = model->m.solvers[LDS_SOLVER_NEWTON].combine;
  model->m.solvers[LDS_SOLVER_NEWTON].combine = &countingCombine;
  Data<TanhRNN, double> data(20000, 1, 23);
  auto combinesOn = [&](int threads) {
    return callsInOneIteration(model->m, data, LDS_SOLVER_NEWTON, threads,
                               combineCalls);
  };
  EXPECT_EQ(combinesOn(1), 0);
  EXPECT_GT(combinesOn(2), 0);

  model->m.flops_per_step = 1;
  model->m.solvers[LDS_SOLVER_NEWTON].flops_per_step = 1 + 72;
  EXPECT_EQ(combinesOn(2), 0);
  EXPECT_GT(combinesOn(8), 0);
}

// Elements evaluated, counted: a split window keeps its elements from
// phase 1 for phase 3 where A is at most diagonal and the element costs at
// least 64 flops per value kept, so an iteration evaluates each row's
// element once (the window's first row is f itself). TanhRNN's own costs
// (quasi-Newton 195 flops for 6 values) are too cheap for that.
std::atomic<int64_t> elementCalls{0};
lds_element_fn countedElement = nullptr;
void countingElement(const void *x, const void *const *u,
                     const void *const *params, void *a, void *b) {
  elementCalls.fetch_add(1, std::memory_order_relaxed);
  countedElement(x, u, params, a, b);
}

TEST(SolveThreads, SplitWindowsKeepTheirElements) {
  auto model = buildModel<TanhRNN, double>();
  Data<TanhRNN, double> data(20000, 1, 29);
  std::vector<double> ref = data.sequential<double>();
  for (lds_solver s : {LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_PICARD,
                       LDS_SOLVER_JACOBI, LDS_SOLVER_NEWTON}) {
    countedElement = model->m.solvers[s].element;
    model->m.solvers[s].element = &countingElement;
    countedCombine = model->m.solvers[s].combine;
    model->m.solvers[s].combine = &countingCombine;
    double cheap = model->m.solvers[s].flops_per_step;
    model->m.solvers[s].flops_per_step = 64 * 6;
    for (int threads : {1, 2, 3, 8}) {
      SCOPED_TRACE(::testing::Message()
                   << lds_solver_name(s) << " threads " << threads);
      combineCalls = 0;
      int64_t calls =
          callsInOneIteration(model->m, data, s, threads, elementCalls);
      if (s != LDS_SOLVER_NEWTON || threads == 1) {
        EXPECT_EQ(calls, 20000 - 1);
        // Split (not one pass): from 3 threads chunk 1 is folded (on 2,
        // chunk 1 is the last, whose map is not needed).
        if (threads >= 3) {
          EXPECT_GT(combineCalls.load(), 0);
        }
      } else {
        // Newton's D x D elements are not kept: split chunks but the
        // first are folded, then evaluated again.
        EXPECT_GT(calls, 20000);
      }
      // Iterated to convergence (no cost guard), the float64 sequential
      // answer.
      double guardFlops = model->m.flops_per_step;
      model->m.flops_per_step = 0;
      lds_options o = options(s, threads);
      tighten<double>(o);
      Result<double> r = solve(model->m, data, o);
      model->m.flops_per_step = guardFlops;
      ASSERT_EQ(r.status, LDS_OK) << r.error;
      // (Picard's A = I is far from TanhRNN's J: over 20000 steps its
      // iterates overflow, and the sequential pass takes over.)
      if (s != LDS_SOLVER_PICARD) {
        EXPECT_EQ(r.stats.solver, s);
      }
      EXPECT_LE(relativeError(r.states, ref, 1), 1e-9);
    }
    // Too cheap: evaluated again in phase 3.
    if (s == LDS_SOLVER_QUASI_NEWTON) {
      model->m.solvers[s].flops_per_step = cheap;
      EXPECT_GT(callsInOneIteration(model->m, data, s, 2, elementCalls), 20000);
    }
    model->m.solvers[s].element = countedElement;
    model->m.solvers[s].combine = countedCombine;
  }
}

// Sequences whose windows differ (one converges sooner, every window
// shrinks) are cut into different numbers of chunks in one call: chunk 0
// swept beside other chunks' folds, single-chunk windows beside scans. Each
// thread count gives the float64 sequential answer.
TEST(SolveThreads, UnevenWindowsMatchReference) {
  auto model = buildModel<TanhRNN, double>();
  model->m.flops_per_step = 0; // no cost guard: iterate to convergence
  for (int64_t steps : {70, 150, 1000}) {
    Data<TanhRNN, double> data(steps, 3, 5 + steps);
    std::fill(data.floatInputs[0].begin() + steps * 2,
              data.floatInputs[0].begin() + steps * 4, 0.0);
    std::vector<double> ref = data.sequential<double>();
    for (lds_solver s : {LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
                         LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON})
      for (int threads : {2, 3, 8}) {
        SCOPED_TRACE(::testing::Message() << lds_solver_name(s) << " T "
                                          << steps << " threads " << threads);
        lds_options o = options(s, threads);
        tighten<double>(o);
        Result<double> r = solve(model->m, data, o);
        ASSERT_EQ(r.status, LDS_OK) << r.error;
        EXPECT_EQ(r.stats.converged, 1);
        EXPECT_EQ(r.stats.solver, s);
        EXPECT_LE(relativeError(r.states, ref, 3), 1e-9);
      }
  }
}

// A converged sequence stops costing iterations: a batch reports the
// largest count, and (one thread: the same chunking) each sequence's states
// are those of its solve alone.
TEST(SolveBatch, SequencesConvergeIndependently) {
  auto model = buildModel<TanhRNN, double>();
  model->m.flops_per_step = 0; // no cost guard: pure iteration counts
  Data<TanhRNN, double> data(1000, 3, 8);
  // Sequence 1 gets zero inputs: it settles fast, converging sooner.
  std::fill(data.floatInputs[0].begin() + 1000 * 2,
            data.floatInputs[0].begin() + 2000 * 2, 0.0);
  lds_options o = options(LDS_SOLVER_JACOBI, 1);
  Result<double> all = solve(model->m, data, o);
  ASSERT_EQ(all.status, LDS_OK) << all.error;
  int64_t most = 0;
  for (int64_t b = 0; b < 3; ++b) {
    Data<TanhRNN, double> one(1000, 1, 8);
    one.floatInputs[0].assign(data.floatInputs[0].begin() + b * 2000,
                              data.floatInputs[0].begin() + (b + 1) * 2000);
    one.inputPtrs[0] = one.floatInputs[0].data();
    one.x0.assign(data.x0.begin() + 3 * b, data.x0.begin() + 3 * b + 3);
    Result<double> r = solve(model->m, one, o);
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    most = std::max(most, r.stats.iterations);
    EXPECT_TRUE(std::equal(r.states.begin(), r.states.end(),
                           all.states.begin() + b * 3000));
  }
  EXPECT_EQ(all.stats.iterations, most);
}

TEST(SolveLimits, MaxItersReturnsTheLastIterate) {
  auto model = buildModel<TanhRNN, double>();
  model->m.flops_per_step = 0;
  Data<TanhRNN, double> data(1000, 2, 4);
  lds_options o = options(LDS_SOLVER_JACOBI, 4);
  o.max_iters = 2;
  Result<double> r = solve(model->m, data, o);
  EXPECT_EQ(r.status, LDS_ERR_NOT_CONVERGED);
  EXPECT_NE(r.error.find("did not converge in 2 iterations"), std::string::npos)
      << r.error;
  EXPECT_EQ(r.stats.iterations, 2);
  EXPECT_EQ(r.stats.converged, 0);
  EXPECT_EQ(r.stats.solver, LDS_SOLVER_JACOBI);
  double residual = data.residual(r.states);
  EXPECT_GT(residual, 1e-3);
  EXPECT_NEAR(r.stats.max_residual, residual, 1e-12 * residual);
}

// AUTO picks the model's solver where parallel time pays (SolverPolicy.h's
// cost rule), else sequential, and skips solvers the model lacks.
TEST(SolveAuto, AdjustsTheModelsChoice) {
  struct Expect {
    int64_t steps, batch;
    int threads;
    unsigned solvers;
    lds_solver defaultSolver, expected;
  } cases[] = {
      // Newton: 168 flops a step against f's 8, exact in one iteration:
      // 2 * 1 * 168 / 64 lanes = 5.25 < 8 pays; on 4 lanes (84) it does not.
      {20000, 1, 64, kAllSolvers, LDS_SOLVER_NEWTON, LDS_SOLVER_NEWTON},
      {20000, 1, 4, kAllSolvers, LDS_SOLVER_NEWTON, LDS_SOLVER_SEQUENTIAL},
      // Batch 2 leaves 32 lanes a sequence: 2 * 168 / 32 = 10.5 > 8.
      {20000, 2, 64, kAllSolvers, LDS_SOLVER_NEWTON, LDS_SOLVER_SEQUENTIAL},
      {1, 1, 4, kAllSolvers, LDS_SOLVER_NEWTON, LDS_SOLVER_SEQUENTIAL},
      {50, 1, 4, kAllSolvers, LDS_SOLVER_NEWTON, LDS_SOLVER_SEQUENTIAL},
      {1000, 2, 4, kAllSolvers, LDS_SOLVER_NEWTON, LDS_SOLVER_SEQUENTIAL},
      {20000, 4, 4, kAllSolvers, LDS_SOLVER_NEWTON, LDS_SOLVER_SEQUENTIAL},
      {20000, 1, 1, kAllSolvers, LDS_SOLVER_NEWTON, LDS_SOLVER_SEQUENTIAL},
      {20000, 1, 64, kAllSolvers & ~bit(LDS_SOLVER_NEWTON), LDS_SOLVER_NEWTON,
       LDS_SOLVER_QUASI_NEWTON},
      {20000, 1, 4, bit(LDS_SOLVER_PICARD), LDS_SOLVER_NEWTON,
       LDS_SOLVER_SEQUENTIAL},
      // Picard: 16 flops, 8 iterations expected: 2 * 8 * 16 / 64 = 4 < 8.
      {20000, 1, 64, kAllSolvers, LDS_SOLVER_PICARD, LDS_SOLVER_PICARD},
      {20000, 1, 4, bit(LDS_SOLVER_NEWTON), LDS_SOLVER_PICARD,
       LDS_SOLVER_SEQUENTIAL},
      {20000, 1, 4, kAllSolvers, LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_SEQUENTIAL},
  };
  for (const Expect &e : cases) {
    SCOPED_TRACE(::testing::Message() << "T " << e.steps << " batch " << e.batch
                                      << " threads " << e.threads << " default "
                                      << lds_solver_name(e.defaultSolver));
    auto model = buildModel<DiagLinear, double>(e.solvers, e.defaultSolver);
    Data<DiagLinear, double> data(e.steps, e.batch, 2);
    // One iteration shows the choice before any fallback could change it.
    lds_options o = options(LDS_SOLVER_AUTO, e.threads);
    o.max_iters = 1;
    Result<double> r = solve(model->m, data, o);
    EXPECT_TRUE(r.status == LDS_OK || r.status == LDS_ERR_NOT_CONVERGED)
        << r.error;
    EXPECT_EQ(r.stats.solver, e.expected);
    EXPECT_EQ(r.stats.fallbacks, 0);
  }
}

// Solves from several threads at once share the pool (or run on their
// callers) and give the same bits as alone.
TEST(SolveThreads, ConcurrentCallersAgree) {
  auto model = buildModel<TanhRNN, double>();
  Data<TanhRNN, double> data(20000, 1, 31);
  lds_options o = options(LDS_SOLVER_NEWTON, 4);
  Result<double> alone = solve(model->m, data, o);
  ASSERT_EQ(alone.status, LDS_OK);
  std::vector<Result<double>> results(4);
  std::vector<std::thread> callers;
  for (int k = 0; k < 4; ++k)
    callers.emplace_back([&, k] { results[k] = solve(model->m, data, o); });
  for (std::thread &t : callers)
    t.join();
  for (const Result<double> &r : results) {
    EXPECT_EQ(r.status, LDS_OK);
    EXPECT_EQ(r.states, alone.states);
  }
}

TEST(SolveOptions, NullOptionsAndStatsUseDefaults) {
  auto model = buildModel<DiagLinear, float>();
  Data<DiagLinear, float> data(100, 1, 1);
  std::vector<float> states(100 * 4);
  ASSERT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                      data.inputArg(), 100, 1, states.data(), nullptr, nullptr),
            LDS_OK);
  EXPECT_LE(relativeError(states, data.sequential<double>(), 1), 1e-4);
  lds_options o = lds_default_options();
  EXPECT_EQ(o.solver, LDS_SOLVER_AUTO);
  EXPECT_EQ(o.device, LDS_DEVICE_AUTO);
  EXPECT_EQ(o.max_iters, 0);
  EXPECT_EQ(o.atol, 0.0);
  EXPECT_EQ(o.rtol, 0.0);
  EXPECT_EQ(o.num_threads, 0);
  EXPECT_EQ(o.initial_guess, nullptr);
}

} // namespace
