//===- GpuSolveTest.cpp - the CUDA executor on the GPU emulator -----------===//
//
// lds_solve with LDS_DEVICE_CUDA on the emulator (LDS_GPU_EMULATE=1), over
// the runtime's hand-written test models with the hand-written GPU kernels
// of ReferenceGpuKernels.h: every solver x T {1, 2, 37, 300} x batch
// {1, 3} against a double-precision sequential reference, as
// test/runtime/SolveTest.cpp checks the CPU; and the driver's promises on
// this executor (one-iteration affine solves, warm starts, fallbacks,
// max_iters, non-finite trajectories, AUTO's choice of device).
//
//===----------------------------------------------------------------------===//

#include "GpuTestUtil.h"
#include "ReferenceGpuKernels.h"

#include <gtest/gtest.h>

using namespace lds_test;

namespace {

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
const int64_t kLengths[] = {1, 2, 37, 300};
const int64_t kBatches[] = {1, 3};

template <class M, class T> struct Case {
  using Model = M;
  using Float = T;
};

template <class C> class GpuSweep : public ::testing::Test {};
using SweepCases =
    ::testing::Types<Case<DiagLinear, float>, Case<DiagLinear, double>,
                     Case<TanhRNN, float>, Case<TanhRNN, double>,
                     Case<Permutations, float>, Case<Permutations, double>>;
TYPED_TEST_SUITE(GpuSweep, SweepCases);

template <class M, class T>
void sweep(const char *chunkRows, std::vector<int64_t> lengths) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  ScopedEnv rows("LDS_GPU_CHUNK_ROWS", chunkRows);
  auto model = buildModel<M, T>();
  auto gpu = attachGpu<M, T>(*model);
  for (int64_t steps : lengths)
    for (int64_t batch : kBatches) {
      Data<M, T> data(steps, batch, 1000 * steps + batch);
      std::vector<double> ref = data.template sequential<double>();
      for (lds_solver s : kSolvers) {
        SCOPED_TRACE(::testing::Message()
                     << M::name << " " << lds_dtype_name(dtypeOf<T>())
                     << " solver " << lds_solver_name(s) << " batch " << batch
                     << " T " << steps << " chunk rows "
                     << (chunkRows ? chunkRows : "auto"));
        lds_options o = gpuOptions(s);
        tighten<T>(o);
        GpuResult<T> r = solveWith(model->m, data, o);
        ASSERT_EQ(r.status, LDS_OK) << r.error;
        EXPECT_EQ(r.stats.device, LDS_DEVICE_CUDA);
        EXPECT_LE(relativeError(r.states, ref, batch), threshold<T>());
        EXPECT_GE(r.stats.iterations, 1);
        EXPECT_LE(r.stats.iterations, steps);
        EXPECT_EQ(r.stats.converged, 1);
        double residual = data.residual(r.states);
        EXPECT_NEAR(r.stats.max_residual, residual,
                    1e-6 * std::max(1.0, residual));
        if (s != LDS_SOLVER_AUTO && r.stats.fallbacks == 0) {
          EXPECT_EQ(r.stats.solver, s);
        }
        if (s == LDS_SOLVER_SEQUENTIAL) {
          EXPECT_EQ(r.states, data.template sequential<T>());
          EXPECT_EQ(r.stats.iterations, 1);
          EXPECT_EQ(r.stats.max_residual, 0.0);
        }
      }
    }
}

TYPED_TEST(GpuSweep, MatchesSequentialReference) {
  sweep<typename TypeParam::Model, typename TypeParam::Float>(
      nullptr, {std::begin(kLengths), std::end(kLengths)});
}

// One row per chunk: 300 chunks, scan blocks of 256 threads that each
// compose two chunks, eight warps.
TYPED_TEST(GpuSweep, OneRowChunks) {
  sweep<typename TypeParam::Model, typename TypeParam::Float>("1", {300});
}

TEST(GpuSolve, AffineNewtonInOneIteration) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  auto model = buildModel<Permutations, float>();
  auto gpu = attachGpu<Permutations, float>(*model);
  Data<Permutations, float> data(300, 3, 5);
  GpuResult<float> r = solveWith(model->m, data, gpuOptions(LDS_SOLVER_NEWTON));
  ASSERT_EQ(r.status, LDS_OK) << r.error;
  EXPECT_EQ(r.stats.iterations, 1);
  EXPECT_EQ(r.stats.solver, LDS_SOLVER_NEWTON);
  EXPECT_EQ(r.states, data.sequential<float>()); // permutations: exact
}

TEST(GpuSolve, WarmStartFromTheSolution) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  auto model = buildModel<TanhRNN, double>();
  auto gpu = attachGpu<TanhRNN, double>(*model);
  Data<TanhRNN, double> data(300, 3, 11);
  std::vector<double> solution = data.sequential<double>();
  for (lds_solver s : {LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
                       LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON}) {
    SCOPED_TRACE(lds_solver_name(s));
    lds_options o = gpuOptions(s);
    o.initial_guess = solution.data();
    GpuResult<double> r = solveWith(model->m, data, o);
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    EXPECT_EQ(r.stats.iterations, 1);
    EXPECT_LE(relativeError(r.states, solution, 3), 1e-12);
  }
}

TEST(GpuSolve, MaxItersReturnsTheLastIterate) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  auto model = buildModel<TanhRNN, double>();
  auto gpu = attachGpu<TanhRNN, double>(*model);
  Data<TanhRNN, double> data(300, 3, 12);
  lds_options o = gpuOptions(LDS_SOLVER_JACOBI);
  o.max_iters = 2;
  GpuResult<double> r = solveWith(model->m, data, o);
  ASSERT_EQ(r.status, LDS_ERR_NOT_CONVERGED);
  EXPECT_EQ(r.stats.iterations, 2);
  EXPECT_EQ(r.stats.converged, 0);
  // The residual reported is that of the returned states.
  EXPECT_NEAR(r.stats.max_residual, data.residual(r.states), 1e-12);
  EXPECT_GT(r.stats.max_residual, 1e-6);
  char expected[256];
  std::snprintf(expected, sizeof(expected),
                "lds_solve: 3 of 3 sequences did not converge in 2 iterations "
                "(max_iters); largest residual %g; states hold the last "
                "iterate",
                r.stats.max_residual);
  EXPECT_EQ(r.error, expected);
  // Two Jacobi iterations finalise the first two rows exactly.
  std::vector<double> ref = data.sequential<double>();
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t i = 0; i < 2 * TanhRNN::D; ++i)
      EXPECT_NEAR(r.states[b * 300 * TanhRNN::D + i],
                  ref[b * 300 * TanhRNN::D + i], 1e-14);
}

TEST(GpuSolve, OverflowFallsBack) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  auto model = buildModel<Overflow, float>();
  auto gpu = attachGpu<Overflow, float>(*model);
  Data<Overflow, float> data(300, 1, 3);
  GpuResult<float> r = solveWith(model->m, data, gpuOptions(LDS_SOLVER_NEWTON));
  ASSERT_EQ(r.status, LDS_OK) << r.error;
  EXPECT_GE(r.stats.fallbacks, 1);
  EXPECT_NE(r.stats.solver, LDS_SOLVER_NEWTON);
  EXPECT_LE(relativeError(r.states, data.sequential<double>(), 1), 1e-4);
}

TEST(GpuSolve, NonfiniteTrajectory) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  double saved = Logistic::x0;
  Logistic::x0 = 5.0; // |x| squares every step: -inf by t = 5 in f32
  auto model = buildModel<Logistic, float>();
  auto gpu = attachGpu<Logistic, float>(*model);
  Data<Logistic, float> data(100, 2, 1);
  Logistic::x0 = saved;
  for (lds_solver s :
       {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_NEWTON, LDS_SOLVER_PICARD}) {
    SCOPED_TRACE(lds_solver_name(s));
    GpuResult<float> r = solveWith(model->m, data, gpuOptions(s));
    EXPECT_EQ(r.status, LDS_ERR_NONFINITE);
    EXPECT_EQ(r.error, "lds_solve: the trajectory of sequence 0 is not finite "
                       "from t = 5 (f overflowed or produced NaN; states hold "
                       "the sequential evaluation)");
    EXPECT_EQ(r.stats.solver, LDS_SOLVER_SEQUENTIAL);
    EXPECT_EQ(r.states, data.sequential<float>());
  }
}

TEST(GpuSolve, AutoDevice) {
  auto model = buildModel<TanhRNN, float>();
  Data<TanhRNN, float> data(300, 3, 4);
  lds_options o = lds_default_options();
  {
    // No GPU kernels: the CPU, silently.
    ScopedEnv emulate("LDS_GPU_EMULATE", "1");
    GpuResult<float> r = solveWith(model->m, data, o);
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    EXPECT_EQ(r.stats.device, LDS_DEVICE_CPU);
  }
  auto gpu = attachGpu<TanhRNN, float>(*model);
  {
    ScopedEnv emulate("LDS_GPU_EMULATE", "1");
    GpuResult<float> r = solveWith(model->m, data, o);
    ASSERT_EQ(r.status, LDS_OK) << r.error;
    EXPECT_EQ(r.stats.device, LDS_DEVICE_CUDA);
  }
  {
    // GPU kernels but no usable GPU: the CPU, and the failed attempt
    // leaves lds_last_error() alone.
    ScopedEnv emulate("LDS_GPU_EMULATE", nullptr);
    ScopedEnv driver("LDS_CUDA_DRIVER", "/nonexistent/libcuda.so.1");
    lds_stats stats;
    std::vector<float> states(data.batch * data.T_ * TanhRNN::D);
    lds_solve(nullptr, nullptr, nullptr, nullptr, 0, 0, nullptr, nullptr,
              nullptr);
    std::string before = lds_last_error();
    ASSERT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                        data.inputArg(), data.T_, data.batch, states.data(), &o,
                        &stats),
              LDS_OK);
    EXPECT_EQ(stats.device, LDS_DEVICE_CPU);
    EXPECT_EQ(before, lds_last_error());
  }
}

TEST(GpuSolve, SolverMissingOnTheGpu) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  auto model = buildModel<TanhRNN, float>();
  // The GPU has Picard only; the CPU has every solver.
  auto gpu = attachGpu<TanhRNN, float>(*model, bit(LDS_SOLVER_PICARD));
  Data<TanhRNN, float> data(300, 1, 4);
  GpuResult<float> r = solveWith(model->m, data, gpuOptions(LDS_SOLVER_NEWTON));
  EXPECT_EQ(r.status, LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r.error, "lds_solve: model 'tanh_rnn' has no GPU kernels for "
                     "solver newton or a solver it falls back to (on the GPU "
                     "it has: sequential, picard)");
  // AUTO solver on the GPU: the default (Newton) is not there, nor is
  // quasi-Newton; the chain ends at the sequential kernel.
  r = solveWith(model->m, data, gpuOptions(LDS_SOLVER_AUTO));
  ASSERT_EQ(r.status, LDS_OK) << r.error;
  EXPECT_EQ(r.stats.solver, LDS_SOLVER_SEQUENTIAL);
  EXPECT_EQ(r.stats.device, LDS_DEVICE_CUDA);
  // AUTO device with an explicit solver the GPU lacks: the CPU runs it.
  lds_options o = gpuOptions(LDS_SOLVER_NEWTON);
  o.device = LDS_DEVICE_AUTO;
  r = solveWith(model->m, data, o);
  ASSERT_EQ(r.status, LDS_OK) << r.error;
  EXPECT_EQ(r.stats.device, LDS_DEVICE_CPU);
  EXPECT_TRUE(r.stats.solver == LDS_SOLVER_NEWTON || r.stats.fallbacks > 0);
  // Picard runs on the GPU.
  r = solveWith(model->m, data, gpuOptions(LDS_SOLVER_PICARD));
  ASSERT_EQ(r.status, LDS_OK) << r.error;
  EXPECT_EQ(r.stats.device, LDS_DEVICE_CUDA);
}

TEST(GpuSolve, BadDataIsCheckedAsOnTheCpu) {
  ScopedEnv emulate("LDS_GPU_EMULATE", "1");
  auto model = buildModel<Permutations, float>();
  auto gpu = attachGpu<Permutations, float>(*model);
  Data<Permutations, float> data(50, 2, 4);
  data.indexInputs[0][1 * 50 + 41] = 6; // u_42
  GpuResult<float> r = solveWith(model->m, data, gpuOptions(LDS_SOLVER_AUTO));
  EXPECT_EQ(r.status, LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(r.error, "lds_solve: inputs[0] ('w') = 6 at batch 1, step 42 is "
                     "outside [0, 6)");
  data.indexInputs[0][1 * 50 + 41] = 0;
  data.x0[3] = NAN;
  r = solveWith(model->m, data, gpuOptions(LDS_SOLVER_AUTO));
  EXPECT_EQ(r.status, LDS_ERR_NONFINITE);
  data.x0[3] = 1;
  std::vector<float> guess(2 * 50 * 5, 0.f);
  guess[1 * 250 + 7 * 5 + 2] = INFINITY;
  lds_options o = gpuOptions(LDS_SOLVER_NEWTON);
  o.initial_guess = guess.data();
  r = solveWith(model->m, data, o);
  EXPECT_EQ(r.status, LDS_ERR_NONFINITE);
  EXPECT_EQ(r.error, "lds_solve: opts->initial_guess[1][7][2] is not finite");
}

} // namespace
