//===- ErrorTest.cpp - every bad argument gets its status and message -----===//
//
// The C API never aborts: each bad pointer, size, enum, option, model or
// datum returns its status, and lds_last_error() names the argument.
//
//===----------------------------------------------------------------------===//

#include "TestModels.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

using namespace lds_test;

namespace {

/// A valid solve of the permutation model (it has params, an i32 input and
/// a float dtype), which each test breaks in one place.
struct Call {
  std::unique_ptr<BuiltModel> model = buildModel<Permutations, double>();
  Data<Permutations, double> data{100, 2, 1};
  const lds_model *m = &model->m;
  const void *const *params = data.paramArg();
  const void *x0 = data.x0.data();
  const void *const *inputs = data.inputArg();
  int64_t T = 100, batch = 2;
  std::vector<double> out = std::vector<double>(2 * 100 * 5);
  void *states = out.data();
  lds_options opts = lds_default_options();
  lds_stats stats{};

  lds_status run() {
    stats.iterations = -7; // must be overwritten, even on failure
    return lds_solve(m, params, x0, inputs, T, batch, states, &opts, &stats);
  }
};

#define EXPECT_FAILS(call, status, message)                                    \
  do {                                                                         \
    EXPECT_EQ((call).run(), status);                                           \
    EXPECT_STREQ(lds_last_error(), message);                                   \
    EXPECT_EQ((call).stats.iterations, 0);                                     \
    EXPECT_GE((call).stats.seconds, 0.0);                                      \
  } while (0)

TEST(SolveErrors, ValidCallSucceeds) {
  Call c;
  EXPECT_EQ(c.run(), LDS_OK) << lds_last_error();
}

TEST(SolveErrors, NullPointers) {
  {
    Call c;
    c.m = nullptr;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT, "lds_solve: model is NULL");
  }
  {
    Call c;
    c.x0 = nullptr;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT, "lds_solve: x0 is NULL");
  }
  {
    Call c;
    c.states = nullptr;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT, "lds_solve: states is NULL");
  }
  {
    Call c;
    c.params = nullptr;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: params is NULL but model 'permutations' has 1 "
                 "params");
  }
  {
    Call c;
    const void *none[1] = {nullptr};
    c.params = none;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: params[0] ('P') is NULL");
  }
  {
    Call c;
    c.inputs = nullptr;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: inputs is NULL but model 'permutations' has 1 "
                 "inputs");
  }
  {
    Call c;
    const void *none[1] = {nullptr};
    c.inputs = none;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: inputs[0] ('w') is NULL");
  }
}

TEST(SolveErrors, NoParamsOrInputsNeedNoTables) {
  auto model = buildModel<Overflow, double>();
  double x0[2] = {0.1, 0.2}, states[2 * 10];
  EXPECT_EQ(lds_solve(&model->m, nullptr, x0, nullptr, 10, 1, states, nullptr,
                      nullptr),
            LDS_OK)
      << lds_last_error();
}

TEST(SolveErrors, Sizes) {
  {
    Call c;
    c.T = 0;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: T must be positive, got 0");
  }
  {
    Call c;
    c.T = -3;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: T must be positive, got -3");
  }
  {
    Call c;
    c.batch = 0;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: batch must be positive, got 0");
  }
  {
    Call c;
    c.T = int64_t(1) << 40;
    c.batch = int64_t(1) << 30;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: batch 1073741824 x T 1099511627776 is too large "
                 "to address");
  }
}

// A second iterate of 16 TB cannot be allocated: the call says so before it
// writes anything.
TEST(SolveErrors, OutOfMemory) {
  auto model = buildModel<Overflow, double>();
  double x0[2] = {0.1, 0.2}, states[4] = {7, 7, 7, 7};
  lds_options o = lds_default_options();
  o.solver = LDS_SOLVER_NEWTON;
  o.num_threads = 2;
  lds_stats st;
  EXPECT_EQ(lds_solve(&model->m, nullptr, x0, nullptr, int64_t(1) << 40, 1,
                      states, &o, &st),
            LDS_ERR_OUT_OF_MEMORY);
  EXPECT_STREQ(lds_last_error(),
               "lds_solve: out of memory for the iterates (a second copy of "
               "the states takes 17592186044416 bytes)");
  EXPECT_EQ(states[0], 7.0);
}

// A compiled kernel whose heap block cannot be allocated calls the model's
// alloc-failure hook with the block's size and returns without computing
// (model_abi.h): the call then fails with LDS_ERR_OUT_OF_MEMORY, whichever
// thread ran the kernel. These kernels fail each call, as a real one would.
void (*hook)(int64_t) = nullptr;
constexpr int64_t kBlockBytes = 400 << 20;
void failingStep(const void *, const void *const *, const void *const *,
                 void *) {
  if (hook)
    hook(kBlockBytes);
}
void failingElement(const void *, const void *const *, const void *const *,
                    void *, void *) {
  if (hook)
    hook(kBlockBytes);
}
constexpr const char *kAllocMessage =
    "out of memory: a kernel of model 'permutations' could not allocate "
    "419430400 bytes (400.0 MiB) for its buffers";

TEST(SolveErrors, KernelAllocationFails) {
  for (lds_solver solver : {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_JACOBI,
                            LDS_SOLVER_PICARD, LDS_SOLVER_NEWTON}) {
    SCOPED_TRACE(solver);
    Call c;
    c.opts.solver = solver;
    c.opts.num_threads = 2;
    hook = nullptr;
    c.model->m.alloc_failure_hook = &hook;
    if (solver == LDS_SOLVER_SEQUENTIAL)
      c.model->m.step = failingStep;
    else
      c.model->m.solvers[solver].element = failingElement;
    EXPECT_FAILS(c, LDS_ERR_OUT_OF_MEMORY,
                 (std::string("lds_solve: ") + kAllocMessage).c_str());
    EXPECT_NE(hook, nullptr);
  }
}

TEST(StepErrors, KernelAllocationFails) {
  Call c;
  hook = nullptr;
  c.model->m.alloc_failure_hook = &hook;
  c.model->m.step = failingStep;
  c.model->m.jacobian = failingStep;
  std::vector<double> out(25);
  std::vector<const void *> u = c.data.stepInputs(0, 0);
  EXPECT_EQ(lds_step(c.m, c.params, c.x0, u.data(), out.data()),
            LDS_ERR_OUT_OF_MEMORY);
  EXPECT_STREQ(lds_last_error(),
               (std::string("lds_step: ") + kAllocMessage).c_str());
  EXPECT_EQ(lds_jacobian(c.m, c.params, c.x0, u.data(), out.data()),
            LDS_ERR_OUT_OF_MEMORY);
  EXPECT_STREQ(lds_last_error(),
               (std::string("lds_jacobian: ") + kAllocMessage).c_str());
}

TEST(SolveErrors, Options) {
  {
    Call c;
    setEnum(c.opts.solver, 17);
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: opts->solver = 17 is not an lds_solver");
  }
  {
    Call c;
    setEnum(c.opts.device, -1);
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: opts->device = -1 is not an lds_device");
  }
  {
    Call c;
    c.opts.max_iters = -1;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: opts->max_iters must be >= 0 (0: T), got -1");
  }
  {
    Call c;
    c.opts.atol = -1;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: opts->atol must be finite and >= 0 (0: default), "
                 "got -1");
  }
  {
    Call c;
    c.opts.rtol = NAN;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: opts->rtol must be finite and >= 0 (0: default), "
                 "got nan");
  }
  {
    Call c;
    c.opts.num_threads = -2;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: opts->num_threads must be in [0, 1024] (0: all), "
                 "got -2");
  }
  {
    Call c;
    c.opts.device = LDS_DEVICE_CUDA;
    // A model without GPU kernels (test/gpu/ covers the GPU's own errors).
    EXPECT_FAILS(c, LDS_ERR_NO_DEVICE,
                 "lds_solve: no GPU kernels in model 'permutations' (compile "
                 "it with --target=cuda or --target=all)");
  }
  {
    Call c;
    c.opts.device = LDS_DEVICE_CPU;
    EXPECT_EQ(c.run(), LDS_OK);
    c.opts.device = LDS_DEVICE_AUTO;
    EXPECT_EQ(c.run(), LDS_OK);
    EXPECT_EQ(c.stats.device, LDS_DEVICE_CPU);
  }
}

TEST(SolveErrors, SolverNotCompiled) {
  Call c;
  c.model = buildModel<Permutations, double>(bit(LDS_SOLVER_JACOBI));
  c.m = &c.model->m;
  c.opts.solver = LDS_SOLVER_NEWTON;
  EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
               "lds_solve: model 'permutations' has no kernels for solver "
               "newton (it has: sequential, jacobi)");
}

TEST(SolveErrors, NonfiniteData) {
  {
    Call c;
    c.data.x0[7] = NAN;
    EXPECT_FAILS(c, LDS_ERR_NONFINITE, "lds_solve: x0[1][2] is not finite");
  }
  {
    auto model = buildModel<DiagLinear, float>();
    Data<DiagLinear, float> data(10, 2, 1);
    data.floatInputs[0][(1 * 10 + 3) * 4 + 2] = INFINITY;
    std::vector<float> states(2 * 10 * 4);
    EXPECT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                        data.inputArg(), 10, 2, states.data(), nullptr,
                        nullptr),
              LDS_ERR_NONFINITE);
    EXPECT_STREQ(lds_last_error(), "lds_solve: inputs[0] ('u') is not finite "
                                   "at batch 1, step 4, element 2");
  }
  {
    Call c;
    std::vector<double> guess(c.out.size(), 1.0);
    guess[1 * 500 + 3 * 5 + 4] = -INFINITY;
    c.opts.initial_guess = guess.data();
    c.opts.solver = LDS_SOLVER_NEWTON;
    EXPECT_FAILS(c, LDS_ERR_NONFINITE,
                 "lds_solve: opts->initial_guess[1][3][4] is not finite");
  }
}

TEST(SolveErrors, IndexOutOfRange) {
  {
    Call c;
    c.data.indexInputs[0][100 + 41] = 6;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: inputs[0] ('w') = 6 at batch 1, step 42 is "
                 "outside [0, 6)");
  }
  {
    Call c;
    c.data.indexInputs[0][0] = -1;
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT,
                 "lds_solve: inputs[0] ('w') = -1 at batch 0, step 1 is "
                 "outside [0, 6)");
  }
}

void noLanes(const void *const *, const void *const *, const int64_t *,
             const void *const *, int64_t, void *const *) {}

TEST(SolveErrors, BadModels) {
  struct Breaker {
    void (*breakIt)(lds_model &);
    const char *message;
  } cases[] = {
      {[](lds_model &m) { m.abi_version = 99; },
       "lds_solve: model was compiled for ABI version 99, this runtime reads "
       "version 4 (rebuild it with a matching lds-compile)"},
      {[](lds_model &m) { setEnum(m.dtype, 7); },
       "lds_solve: model 'permutations' has dtype 7; expected f32 or f64"},
      {[](lds_model &m) { m.state_dim = 0; },
       "lds_solve: model 'permutations' has state dimension 0"},
      {[](lds_model &m) { m.inputs = nullptr; },
       "lds_solve: model 'permutations' declares 1 inputs but no table of "
       "them"},
      {[](lds_model &m) { m.num_params = -1; },
       "lds_solve: model 'permutations' declares -1 params"},
      {[](lds_model &m) { m.step = nullptr; },
       "lds_solve: model 'permutations' has no step kernel"},
      {[](lds_model &m) { m.lanes = 8; },
       "lds_solve: model 'permutations' has 8 lanes and no sequential_lanes "
       "kernel (expected 2 to 64 with one, 0 without)"},
      {[](lds_model &m) {
         m.lanes = 1;
         m.sequential_lanes = &noLanes;
       },
       "lds_solve: model 'permutations' has 1 lanes and a sequential_lanes "
       "kernel (expected 2 to 64 with one, 0 without)"},
      {[](lds_model &m) {
         m.lanes = 65;
         m.sequential_lanes = &noLanes;
       },
       "lds_solve: model 'permutations' has 65 lanes and a sequential_lanes "
       "kernel (expected 2 to 64 with one, 0 without)"},
      {[](lds_model &m) { m.stack_bytes = -4096; },
       "lds_solve: model 'permutations' says its kernels take -4096 bytes of "
       "stack"},
      {[](lds_model &m) { m.solvers[LDS_SOLVER_NEWTON].a_size = 5; },
       "lds_solve: model 'permutations': solver newton has A kind 3 with 5 "
       "values (D = 5)"},
  };
  for (const Breaker &b : cases) {
    Call c;
    b.breakIt(c.model->m);
    EXPECT_FAILS(c, LDS_ERR_INVALID_ARGUMENT, b.message);
  }
}

TEST(SolveErrors, LastErrorIsPerThreadAndKeptOnSuccess) {
  Call c;
  c.T = 0;
  c.run();
  std::string here = lds_last_error();
  EXPECT_EQ(here, "lds_solve: T must be positive, got 0");
  std::string there = "unset";
  std::thread([&] { there = lds_last_error(); }).join();
  EXPECT_EQ(there, "");
  Call ok;
  EXPECT_EQ(ok.run(), LDS_OK);
  EXPECT_EQ(std::string(lds_last_error()), here);
}

TEST(SolveErrors, StatusStrings) {
  EXPECT_STREQ(lds_status_string(LDS_OK), "ok");
  EXPECT_STREQ(lds_status_string(LDS_ERR_INVALID_ARGUMENT), "invalid argument");
  EXPECT_STREQ(lds_status_string(LDS_ERR_NONFINITE), "non-finite value");
  EXPECT_STREQ(lds_status_string(LDS_ERR_NOT_CONVERGED), "not converged");
  EXPECT_STREQ(lds_status_string(LDS_ERR_NO_DEVICE), "no device");
  EXPECT_STREQ(lds_status_string(LDS_ERR_OUT_OF_MEMORY), "out of memory");
  EXPECT_STREQ(lds_status_string(LDS_ERR_DEVICE), "device error");
  EXPECT_STREQ(lds_status_string(LDS_ERR_INTERNAL), "internal error");
  EXPECT_STREQ(lds_status_string(static_cast<lds_status>(42)),
               "unknown status");
}

} // namespace
