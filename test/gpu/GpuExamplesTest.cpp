//===- GpuExamplesTest.cpp - the examples' GPU kernels against references -===//
//
// The examples compiled by lds-compile --target=all (f32 and an f64 copy),
// solved with LDS_DEVICE_CUDA by every solver the model has GPU kernels for
// and compared with the hand-written float64 references of
// test/e2e/References.h (f64: 1e-9, f32: 1e-4, relative to max(1, |ref|)).
//
// One binary, two uses:
//   - ctest runs it with LDS_GPU_EMULATE=1: the compiler's host-emulation
//     kernels on the runtime's GPU emulator, T in {1, 2, 37, 300}, batch
//     {1, 3}: the kernels' logic is tested on any machine;
//   - gpu-bundle/run.sh runs it on a machine with a GPU and no
//     LDS_GPU_EMULATE: the cubin/PTX kernels on the device, with
//     LDS_GPU_TEST_LENGTHS / LDS_GPU_TEST_BATCHES (comma-separated) for
//     longer runs. Without a usable GPU every case is skipped, saying why.
//
//===----------------------------------------------------------------------===//

#include "ExampleProblems.h"
#include "References.h"
#include "ScopedEnv.h"

#include "lds/model_abi.h"
#include "lds/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>

extern "C" {
#define LDS_DECLARE(name)                                                      \
  const lds_model *lds_model_##name(void);                                     \
  const lds_model *lds_model_##name##_f64(void);
LDS_DECLARE(gru)
LDS_DECLARE(lstm)
LDS_DECLARE(s5)
LDS_DECLARE(langevin)
LDS_DECLARE(elementwise)
LDS_DECLARE(ssm)
#undef LDS_DECLARE
const lds_model *lds_model_gru_coop(void);
const lds_model *lds_model_lstm_coop(void);
const lds_model *lds_model_s5_coop(void);
const lds_model *lds_model_langevin_coop(void);
}

using namespace lds_test;

namespace {

struct Example {
  const char *name;
  const lds_model *(*f32)(void);
  const lds_model *(*f64)(void);
  StepFn step;
};

const std::vector<Example> &examples() {
  static const std::vector<Example> list = {
      {"gru", lds_model_gru, lds_model_gru_f64, gruStep},
      {"lstm", lds_model_lstm, lds_model_lstm_f64, lstmStep},
      {"s5", lds_model_s5, lds_model_s5_f64, s5Step},
      {"langevin", lds_model_langevin, lds_model_langevin_f64,
       [](const Vec &x, const StepArgs &a) { return langevinStep(x, a, 32); }},
      {"elementwise", lds_model_elementwise, lds_model_elementwise_f64,
       elementwiseStep},
      {"ssm", lds_model_ssm, lds_model_ssm_f64, ssmStep},
  };
  return list;
}

std::vector<int64_t> listFromEnv(const char *name, std::vector<int64_t> dflt) {
  const char *v = std::getenv(name);
  if (!v || !*v)
    return dflt;
  std::vector<int64_t> out;
  std::stringstream ss(v);
  std::string item;
  while (std::getline(ss, item, ','))
    out.push_back(std::atoll(item.c_str()));
  return out;
}

double readAt(const std::vector<char> &v, size_t i, bool f32) {
  return f32 ? double(reinterpret_cast<const float *>(v.data())[i])
             : reinterpret_cast<const double *>(v.data())[i];
}

const lds_solver kSolvers[] = {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_JACOBI,
                               LDS_SOLVER_PICARD,     LDS_SOLVER_QUASI_NEWTON,
                               LDS_SOLVER_NEWTON,     LDS_SOLVER_AUTO};

/// One example problem packed for lds_solve, with its float64 reference.
struct PackedProblem {
  Vec ref;
  std::vector<std::vector<char>> params, inputs;
  std::vector<const void *> paramPtrs, inputPtrs;
  std::vector<char> x0;
};

PackedProblem packProblem(const Example &ex, const lds_model *m, int64_t T,
                          int64_t batch, bool f32) {
  PackedProblem pp;
  Problem p = makeProblem(m, T, batch, f32, /*seed=*/7);
  pp.ref = reference(ex.step, m, p, T, batch);
  for (const Vec &v : p.params)
    pp.params.push_back(f32 ? pack<float>(v) : pack<double>(v));
  for (int i = 0; i < m->num_inputs; ++i)
    pp.inputs.push_back(m->inputs[i].dtype == LDS_DTYPE_I32
                            ? pack<int32_t>(p.inputs[i])
                        : f32 ? pack<float>(p.inputs[i])
                              : pack<double>(p.inputs[i]));
  for (auto &v : pp.params)
    pp.paramPtrs.push_back(v.data());
  for (auto &v : pp.inputs)
    pp.inputPtrs.push_back(v.data());
  pp.x0 = f32 ? pack<float>(p.x0) : pack<double>(p.x0);
  return pp;
}

/// Solves `pp` with solver `s` on the GPU; false (and a skip) without one.
/// `*relErr`: the largest error against the reference, relative to
/// max(1, |ref|).
bool solveOnGpu(const lds_model *m, const PackedProblem &pp, int64_t T,
                int64_t batch, bool f32, lds_solver s, lds_stats *stats,
                double *relErr) {
  std::vector<char> states(pp.ref.size() * (f32 ? 4 : 8), 0);
  lds_options o = lds_default_options();
  o.solver = s;
  o.device = LDS_DEVICE_CUDA;
  lds_status st =
      lds_solve(m, pp.paramPtrs.data(), pp.x0.data(), pp.inputPtrs.data(), T,
                batch, states.data(), &o, stats);
  if (st == LDS_ERR_NO_DEVICE) {
    [] { GTEST_SKIP() << "no GPU: " << lds_last_error(); }();
    return false;
  }
  EXPECT_EQ(st, LDS_OK) << lds_status_string(st) << ": " << lds_last_error();
  EXPECT_EQ(stats->device, LDS_DEVICE_CUDA);
  EXPECT_TRUE(stats->converged);
  EXPECT_LE(stats->iterations, T);
  double err = 0, scale = 1;
  for (size_t i = 0; i < pp.ref.size(); ++i) {
    double v = readAt(states, i, f32);
    err = std::isfinite(v) ? std::max(err, std::fabs(v - pp.ref[i])) : INFINITY;
    scale = std::max(scale, std::fabs(pp.ref[i]));
  }
  *relErr = err / scale;
  return true;
}

void checkExample(const Example &ex, bool f32) {
  const lds_model *m = f32 ? ex.f32() : ex.f64();
  ASSERT_NE(m->gpu, nullptr) << ex.name << " was compiled without GPU kernels";
  for (int64_t T : listFromEnv("LDS_GPU_TEST_LENGTHS", {1, 2, 37, 300}))
    for (int64_t batch : listFromEnv("LDS_GPU_TEST_BATCHES", {1, 3})) {
      PackedProblem pp = packProblem(ex, m, T, batch, f32);
      for (lds_solver s : kSolvers) {
        if (s >= LDS_SOLVER_JACOBI && !m->gpu->has_solver[s])
          continue; // lds-compile left it out of the GPU kernels
        SCOPED_TRACE(::testing::Message()
                     << ex.name << (f32 ? " f32 " : " f64 ")
                     << lds_solver_name(s) << " T " << T << " batch " << batch);
        lds_stats stats;
        double err;
        if (!solveOnGpu(m, pp, T, batch, f32, s, &stats, &err))
          return;
        EXPECT_LE(err, f32 ? 1e-4 : 1e-9)
            << "solver ran: " << lds_solver_name(stats.solver)
            << ", iterations " << stats.iterations << ", fallbacks "
            << stats.fallbacks;
      }
    }
}

/// Many blocks per item (one row per chunk), so the iterate kernels look
/// back across blocks that run at once (on the emulator: several threads).
/// Newton on s5 (affine) is exact: its one iteration is the answer, so a
/// wrong carry across blocks is a wrong result. On the other examples the
/// single pass must take no more iterations than the three launches
/// (LDS_GPU_ITERATE=0), which compute the same maps, give or take one: a
/// wrong carry costs iterations there, not accuracy.
TEST(GpuLookBack, ManyBlocksPerItem) {
  ScopedEnv rows("LDS_GPU_CHUNK_ROWS", "1");
  // The iterate kernels are the row kernels' (elementwise has channel
  // kernels too: GpuChannels below).
  ScopedEnv rowKernels("LDS_GPU_CHANNELS", "0");
  // Iterations are counted to convergence, with no sequential takeover.
  ScopedEnv guard("LDS_COST_GUARD", "0");
  const int64_t T = 400, batch = 1;
  {
    const Example &ex = examples()[2];
    const lds_model *m = ex.f64();
    ASSERT_EQ(std::string(ex.name), "s5");
    ASSERT_GT(m->gpu->iterate_block[LDS_SOLVER_NEWTON], 0);
    PackedProblem pp = packProblem(ex, m, T, batch, false);
    lds_stats stats;
    double err;
    if (!solveOnGpu(m, pp, T, batch, false, LDS_SOLVER_NEWTON, &stats, &err))
      return;
    EXPECT_EQ(stats.iterations, 1);
    EXPECT_EQ(stats.fallbacks, 0);
    EXPECT_LE(err, 1e-9);
  }
  for (auto [index, solver] :
       {std::pair{0, LDS_SOLVER_NEWTON}, std::pair{3, LDS_SOLVER_PICARD},
        std::pair{4, LDS_SOLVER_QUASI_NEWTON}}) {
    const Example &ex = examples()[index];
    const lds_model *m = ex.f64();
    SCOPED_TRACE(::testing::Message()
                 << ex.name << " " << lds_solver_name(solver));
    ASSERT_GT(m->gpu->iterate_block[solver], 0);
    PackedProblem pp = packProblem(ex, m, T, batch, false);
    lds_stats single, three;
    double errSingle, errThree;
    if (!solveOnGpu(m, pp, T, batch, false, solver, &single, &errSingle))
      return;
    {
      ScopedEnv off("LDS_GPU_ITERATE", "0");
      solveOnGpu(m, pp, T, batch, false, solver, &three, &errThree);
    }
    EXPECT_LE(errSingle, 1e-9);
    EXPECT_LE(errThree, 1e-9);
    // +1: the look-back's rounding differs from run to run, which may move
    // one stopping test across the tolerance; a wrong carry costs more
    // (a mutant that skips the aggregates: 26 vs 6, 7 vs 5, 13 vs 7).
    EXPECT_LE(single.iterations, three.iterations + 1);
    EXPECT_EQ(single.fallbacks, 0);
    std::printf("[          ] %s %s: %lld iterations (three launches: "
                "%lld)\n",
                ex.name, lds_solver_name(solver),
                static_cast<long long>(single.iterations),
                static_cast<long long>(three.iterations));
  }
}

/// Newton's block-cooperative kernels (f64 copies compiled with
/// --gpu-cooperative-newton-from=1): every thread of a block steps through
/// one chunk and takes a share of each step's D x D work, through block
/// scratch and barriers. On the emulator a block's threads run in a
/// different order in odd and even blocks, so a missing barrier reads stale
/// scratch. s5 is affine, so Newton's one iteration must be exact; 1-row
/// chunks make the scan apply hundreds of chunk maps one after the other.
TEST(GpuCooperative, NewtonMatchesFloat64References) {
  ScopedEnv guard("LDS_COST_GUARD", "0");
  struct Case {
    int example;
    const lds_model *(*model)(void);
  } cases[] = {{0, lds_model_gru_coop},
               {1, lds_model_lstm_coop},
               {2, lds_model_s5_coop},
               {3, lds_model_langevin_coop}};
  for (const Case &c : cases) {
    const Example &ex = examples()[c.example];
    const lds_model *m = c.model();
    ASSERT_NE(m->gpu, nullptr);
    ASSERT_EQ(m->gpu->has_solver[LDS_SOLVER_NEWTON], 1) << ex.name;
    ASSERT_GE(m->gpu->coop_block[LDS_SOLVER_NEWTON], 32) << ex.name;
    ASSERT_GT(m->gpu->coop_scratch[LDS_SOLVER_NEWTON], 0) << ex.name;
    ASSERT_EQ(m->gpu->iterate_block[LDS_SOLVER_NEWTON], 0) << ex.name;
    for (const char *rows : {"", "1"})
      for (int64_t T : {1, 37, 300})
        for (int64_t batch : {1, 3}) {
          ScopedEnv chunkRows("LDS_GPU_CHUNK_ROWS", rows);
          SCOPED_TRACE(::testing::Message()
                       << ex.name << "_coop T " << T << " batch " << batch
                       << " chunk rows '" << rows << "'");
          PackedProblem pp = packProblem(ex, m, T, batch, false);
          lds_stats stats;
          double err;
          if (!solveOnGpu(m, pp, T, batch, false, LDS_SOLVER_NEWTON, &stats,
                          &err))
            return;
          EXPECT_EQ(stats.solver, LDS_SOLVER_NEWTON);
          EXPECT_EQ(stats.fallbacks, 0);
          EXPECT_LE(err, 1e-9);
          if (c.example == 2 && T > 1) {
            EXPECT_EQ(stats.iterations, 1); // s5 is affine
          }
        }
  }
}

/// The channel kernels (a thread per state channel) of the channel-wise
/// examples (elementwise; ssm, whose channels read their rows of Wa and B
/// and the whole input), in one launch an iteration (iterate_ch, look-back
/// lane by lane) and in three (LDS_GPU_ITERATE=0), against float64 and
/// against its row kernels (LDS_GPU_CHANNELS=0), which compute the same
/// maps: as many iterations, give or take one (a rounding that moves one
/// stopping test), with chunks of the default length, of one row and of
/// seven.
TEST(GpuChannels, MatchRowKernelsAndFloat64References) {
  ScopedEnv guard("LDS_COST_GUARD", "0");
  ASSERT_EQ(std::string(examples()[4].name), "elementwise");
  ASSERT_EQ(std::string(examples()[5].name), "ssm");
  const lds_solver solvers[] = {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_JACOBI,
                                LDS_SOLVER_PICARD, LDS_SOLVER_QUASI_NEWTON};
  for (int example : {4, 5})
    for (bool f32 : {true, false}) {
      const Example &ex = examples()[example];
      const lds_model *m = f32 ? ex.f32() : ex.f64();
      ASSERT_NE(m->gpu, nullptr);
      for (lds_solver s : solvers)
        ASSERT_EQ(m->gpu->channels[s], 1) << lds_solver_name(s);
      ASSERT_EQ(m->gpu->channels[LDS_SOLVER_NEWTON], 0);
      for (const char *rows : {"", "1", "7"})
        for (int64_t T : {1, 37, 300})
          for (int64_t batch : {3}) {
            ScopedEnv chunkRows("LDS_GPU_CHUNK_ROWS", rows);
            PackedProblem pp = packProblem(ex, m, T, batch, f32);
            for (lds_solver s : solvers) {
              SCOPED_TRACE(::testing::Message()
                           << ex.name << (f32 ? " f32 " : " f64 ")
                           << lds_solver_name(s) << " T " << T << " batch "
                           << batch << " chunk rows '" << rows << "'");
              lds_stats channels, three, rowKernels;
              double errChannels, errThree, errRows;
              if (!solveOnGpu(m, pp, T, batch, f32, s, &channels, &errChannels))
                return;
              {
                ScopedEnv off("LDS_GPU_ITERATE", "0");
                solveOnGpu(m, pp, T, batch, f32, s, &three, &errThree);
              }
              {
                ScopedEnv off("LDS_GPU_CHANNELS", "0");
                solveOnGpu(m, pp, T, batch, f32, s, &rowKernels, &errRows);
              }
              // Jacobi run to convergence (no cost guard) stops one stopping
              // tolerance from the fixed point at every row: its error grows
              // along the window (f32: 1.2e-4 and 2.7e-4 at T = 300).
              bool jacobi = s == LDS_SOLVER_JACOBI;
              double tol =
                  f32 ? (jacobi ? 1e-3 : 1e-4) : (jacobi ? 1e-7 : 1e-9);
              EXPECT_LE(errChannels, tol);
              EXPECT_LE(errThree, tol);
              EXPECT_LE(errRows, tol);
              // The same maps, composed in another order (tiles of 4 chunks
              // and a look-back, a serial scan, warps of 32 chunks): the same
              // states up to rounding.
              EXPECT_LE(std::fabs(errChannels - errRows), 0.05 * tol);
              EXPECT_LE(std::fabs(errThree - errRows), 0.05 * tol);
              for (const lds_stats *other : {&three, &rowKernels}) {
                EXPECT_EQ(channels.solver, other->solver);
                EXPECT_LE(std::llabs(channels.iterations - other->iterations),
                          1);
                EXPECT_EQ(channels.fallbacks, other->fallbacks);
              }
            }
          }
    }
}

class GpuExamples : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(GpuExamples, MatchFloat64References) {
  checkExample(examples()[std::get<0>(GetParam())], std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(
    All, GpuExamples,
    ::testing::Combine(::testing::Range(0, 6), ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<int, bool>> &info) {
      return std::string(examples()[std::get<0>(info.param)].name) +
             (std::get<1>(info.param) ? "_f32" : "_f64");
    });

} // namespace
