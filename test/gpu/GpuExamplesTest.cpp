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

#include "lds/model_abi.h"
#include "lds/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
#undef LDS_DECLARE
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

void checkExample(const Example &ex, bool f32) {
  const lds_model *m = f32 ? ex.f32() : ex.f64();
  ASSERT_NE(m->gpu, nullptr) << ex.name << " was compiled without GPU kernels";
  for (int64_t T : listFromEnv("LDS_GPU_TEST_LENGTHS", {1, 2, 37, 300}))
    for (int64_t batch : listFromEnv("LDS_GPU_TEST_BATCHES", {1, 3})) {
      Problem p = makeProblem(m, T, batch, f32, /*seed=*/7);
      Vec ref = reference(ex.step, m, p, T, batch);
      std::vector<std::vector<char>> params, inputs;
      std::vector<const void *> paramPtrs, inputPtrs;
      for (const Vec &v : p.params)
        params.push_back(f32 ? pack<float>(v) : pack<double>(v));
      for (int i = 0; i < m->num_inputs; ++i)
        inputs.push_back(m->inputs[i].dtype == LDS_DTYPE_I32
                             ? pack<int32_t>(p.inputs[i])
                         : f32 ? pack<float>(p.inputs[i])
                               : pack<double>(p.inputs[i]));
      for (auto &v : params)
        paramPtrs.push_back(v.data());
      for (auto &v : inputs)
        inputPtrs.push_back(v.data());
      std::vector<char> x0 = f32 ? pack<float>(p.x0) : pack<double>(p.x0);
      for (lds_solver s : kSolvers) {
        if (s >= LDS_SOLVER_JACOBI && !m->gpu->has_solver[s])
          continue; // lds-compile left it out of the GPU kernels
        SCOPED_TRACE(::testing::Message()
                     << ex.name << (f32 ? " f32 " : " f64 ")
                     << lds_solver_name(s) << " T " << T << " batch " << batch);
        std::vector<char> states(ref.size() * (f32 ? 4 : 8), 0);
        lds_options o = lds_default_options();
        o.solver = s;
        o.device = LDS_DEVICE_CUDA;
        lds_stats stats;
        lds_status st =
            lds_solve(m, paramPtrs.data(), x0.data(), inputPtrs.data(), T,
                      batch, states.data(), &o, &stats);
        if (st == LDS_ERR_NO_DEVICE)
          GTEST_SKIP() << "no GPU: " << lds_last_error();
        ASSERT_EQ(st, LDS_OK)
            << lds_status_string(st) << ": " << lds_last_error();
        EXPECT_EQ(stats.device, LDS_DEVICE_CUDA);
        EXPECT_TRUE(stats.converged);
        EXPECT_LE(stats.iterations, T);
        double err = 0, scale = 1;
        for (size_t i = 0; i < ref.size(); ++i) {
          double v = readAt(states, i, f32);
          err = std::isfinite(v) ? std::max(err, std::fabs(v - ref[i]))
                                 : INFINITY;
          scale = std::max(scale, std::fabs(ref[i]));
        }
        EXPECT_LE(err / scale, f32 ? 1e-4 : 1e-9)
            << "solver ran: " << lds_solver_name(stats.solver)
            << ", iterations " << stats.iterations << ", fallbacks "
            << stats.fallbacks;
      }
    }
}

class GpuExamples : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(GpuExamples, MatchFloat64References) {
  checkExample(examples()[std::get<0>(GetParam())], std::get<1>(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(
    All, GpuExamples,
    ::testing::Combine(::testing::Range(0, 5), ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<int, bool>> &info) {
      return std::string(examples()[std::get<0>(info.param)].name) +
             (std::get<1>(info.param) ? "_f32" : "_f64");
    });

} // namespace
