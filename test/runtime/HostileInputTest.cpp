//===- HostileInputTest.cpp - the C API under hostile arguments -----------===//
//
// What a careless or hostile caller can pass: NULL to every entry point,
// outputs that alias inputs, sizes whose products overflow int64, sizes
// that cannot be allocated, NaN and Inf in every kind of data, pointers to
// things that are not model descriptors, and many threads at once. Each
// gets a status and an exact message, never a crash; and what is accepted
// gives the answer a sequential evaluation gives.
//
//===----------------------------------------------------------------------===//

#include "TestModels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

using namespace lds_test;

namespace {

/// "version N" as validateModel writes it for this runtime.
std::string abiMismatch(const char *fn, long long found) {
  return std::string(fn) + ": model was compiled for ABI version " +
         std::to_string(found) + ", this runtime reads version " +
         std::to_string(LDS_ABI_VERSION) +
         " (rebuild it with a matching lds-compile)";
}

//===----------------------------------------------------------------------===//
// NULL
//===----------------------------------------------------------------------===//

TEST(HostileNull, IntrospectionOfNullModel) {
  EXPECT_EQ(lds_model_name(nullptr), nullptr);
  EXPECT_STREQ(lds_last_error(), "lds_model_name: model is NULL");
  EXPECT_EQ(lds_model_dtype(nullptr), LDS_DTYPE_INVALID);
  EXPECT_STREQ(lds_last_error(), "lds_model_dtype: model is NULL");
  EXPECT_EQ(lds_model_state_dim(nullptr), 0);
  EXPECT_EQ(lds_model_num_states(nullptr), 0);
  EXPECT_EQ(lds_model_num_inputs(nullptr), 0);
  EXPECT_EQ(lds_model_num_params(nullptr), 0);
  EXPECT_EQ(lds_model_state(nullptr, 0), nullptr);
  EXPECT_EQ(lds_model_input(nullptr, 0), nullptr);
  EXPECT_EQ(lds_model_param(nullptr, 0), nullptr);
  EXPECT_STREQ(lds_last_error(), "lds_model_param: model is NULL");
  EXPECT_EQ(lds_model_default_solver(nullptr), LDS_SOLVER_AUTO);
  EXPECT_EQ(lds_model_has_solver(nullptr, LDS_SOLVER_SEQUENTIAL), 0);
  EXPECT_STREQ(lds_last_error(), "lds_model_has_solver: model is NULL");
}

TEST(HostileNull, NamesAndParsing) {
  lds_solver s = LDS_SOLVER_PICARD;
  EXPECT_EQ(lds_solver_from_name(nullptr, &s), 0);
  EXPECT_EQ(lds_solver_from_name("newton", nullptr), 0);
  EXPECT_EQ(lds_solver_from_name("", &s), 0);
  EXPECT_EQ(s, LDS_SOLVER_PICARD);
  // Values of the enum types that name no enumerator (C callers can pass
  // any int; these stay within the C++ types' ranges, so the test itself
  // has no undefined behaviour).
  EXPECT_STREQ(lds_solver_name(static_cast<lds_solver>(7)), "unknown");
  EXPECT_STREQ(lds_device_name(static_cast<lds_device>(3)), "unknown");
  EXPECT_STREQ(lds_dtype_name(static_cast<lds_dtype>(-3)), "unknown");
  EXPECT_EQ(lds_model_has_solver(nullptr, static_cast<lds_solver>(6)), 0);
}

TEST(HostileNull, StepAndJacobianOfNullModel) {
  double x[3] = {0, 0, 0}, out[9];
  EXPECT_EQ(lds_jacobian(nullptr, nullptr, x, nullptr, out),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_jacobian: model is NULL");
  auto model = buildModel<TanhRNN, double>();
  Data<TanhRNN, double> data(1, 1, 3);
  const void *u[1] = {data.floatInputs[0].data()};
  EXPECT_EQ(lds_jacobian(&model->m, data.paramArg(), nullptr, u, out),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_jacobian: x is NULL");
  const void *noInput[1] = {nullptr};
  EXPECT_EQ(lds_step(&model->m, data.paramArg(), x, noInput, out),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_step: u[0] ('u') is NULL");
}

TEST(HostileNull, SolveWithEverythingNull) {
  lds_stats st;
  std::memset(&st, 0x5a, sizeof(st));
  EXPECT_EQ(lds_solve(nullptr, nullptr, nullptr, nullptr, 0, 0, nullptr,
                      nullptr, &st),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_solve: model is NULL");
  EXPECT_EQ(st.iterations, 0);
  EXPECT_EQ(st.fallbacks, 0);
  EXPECT_EQ(st.converged, 0);
}

//===----------------------------------------------------------------------===//
// Aliasing
//===----------------------------------------------------------------------===//

/// DiagLinear (f64, D = 4, one input `u`, one param `a`), T = 50, batch 2,
/// with every buffer carved out of one arena so that the tests can place
/// them anywhere.
struct ArenaCall {
  static constexpr int64_t T = 50, batch = 2, D = 4;
  static constexpr int64_t kStates = batch * T * D;
  std::unique_ptr<BuiltModel> model = buildModel<DiagLinear, double>();
  Data<DiagLinear, double> data{T, batch, 5};
  std::vector<double> arena = std::vector<double>(4 * kStates, 0.0);
  double *x0 = arena.data();                   // batch * D
  double *input = arena.data() + kStates;      // batch * T * D
  double *param = arena.data() + 2 * kStates;  // D
  double *states = arena.data() + 3 * kStates; // batch * T * D
  const void *params[1];
  const void *inputs[1];
  lds_options opts = lds_default_options();

  ArenaCall() {
    std::copy(data.x0.begin(), data.x0.end(), x0);
    std::copy(data.floatInputs[0].begin(), data.floatInputs[0].end(), input);
    std::copy(data.params[0].begin(), data.params[0].end(), param);
    params[0] = param;
    inputs[0] = input;
    opts.solver = LDS_SOLVER_NEWTON;
    opts.num_threads = 2;
  }
  lds_status run(void *out) {
    return lds_solve(&model->m, params, x0, inputs, T, batch, out, &opts,
                     nullptr);
  }
};

TEST(HostileAliasing, StatesMustNotOverlapAnArgument) {
  {
    ArenaCall c;
    EXPECT_EQ(c.run(c.x0), LDS_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(lds_last_error(), "lds_solve: states overlaps x0");
  }
  {
    ArenaCall c; // states' last value is x0's first
    EXPECT_EQ(c.run(c.x0 - (ArenaCall::kStates - 1)), LDS_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(lds_last_error(), "lds_solve: states overlaps x0");
  }
  {
    ArenaCall c;
    EXPECT_EQ(c.run(c.input + 7), LDS_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(lds_last_error(),
                 "lds_solve: states overlaps inputs[0] ('u')");
  }
  {
    ArenaCall c;
    EXPECT_EQ(c.run(c.param + 3), LDS_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(lds_last_error(),
                 "lds_solve: states overlaps params[0] ('a')");
  }
}

TEST(HostileAliasing, InitialGuessIsStatesOrDisjoint) {
  ArenaCall c;
  c.opts.initial_guess = c.states + 1;
  EXPECT_EQ(c.run(c.states), LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_solve: opts->initial_guess overlaps "
                                 "states without being states");
  // The guess may be the states buffer itself (a warm start in place).
  std::fill(c.states, c.states + ArenaCall::kStates, 0.25);
  c.opts.initial_guess = c.states;
  ASSERT_EQ(c.run(c.states), LDS_OK) << lds_last_error();
  std::vector<double> ref = c.data.sequential<double>();
  std::vector<double> got(c.states, c.states + ArenaCall::kStates);
  EXPECT_LE(relativeError(got, ref, ArenaCall::batch), 1e-9);
}

// Buffers that touch but do not overlap are accepted, and give the same
// bits as separate allocations.
TEST(HostileAliasing, AdjacentBuffersAreFine) {
  ArenaCall c;
  std::vector<double> separate(ArenaCall::kStates);
  ASSERT_EQ(c.run(separate.data()), LDS_OK) << lds_last_error();
  ASSERT_EQ(c.run(c.states), LDS_OK) << lds_last_error(); // after the param
  EXPECT_TRUE(std::equal(separate.begin(), separate.end(), c.states));
  // Right before x0.
  std::vector<double> arena(ArenaCall::kStates + ArenaCall::batch * 4);
  double *states = arena.data(), *x0 = arena.data() + ArenaCall::kStates;
  std::copy(c.data.x0.begin(), c.data.x0.end(), x0);
  c.x0 = x0;
  ASSERT_EQ(c.run(states), LDS_OK) << lds_last_error();
  EXPECT_TRUE(std::equal(separate.begin(), separate.end(), states));
}

TEST(HostileAliasing, StepMayWriteOverXOnly) {
  auto model = buildModel<TanhRNN, double>();
  Data<TanhRNN, double> data(1, 1, 3);
  const void *u[1] = {data.floatInputs[0].data()};
  double x[3] = {0.1, -0.2, 0.3}, fx[3];
  ASSERT_EQ(lds_step(&model->m, data.paramArg(), x, u, fx), LDS_OK);
  ASSERT_EQ(lds_step(&model->m, data.paramArg(), x, u, x), LDS_OK);
  EXPECT_EQ(std::memcmp(x, fx, sizeof(x)), 0);

  double buf[4] = {0.1, -0.2, 0.3, 0};
  EXPECT_EQ(lds_step(&model->m, data.paramArg(), buf, u, buf + 1),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_step: x_next overlaps x without being x");
  std::vector<double> p0 = data.params[0];
  const void *params[3] = {p0.data(), data.params[1].data(),
                           data.params[2].data()};
  EXPECT_EQ(lds_step(&model->m, params, x, u, p0.data() + 1),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_step: x_next overlaps params[0] ('W')");
  std::vector<double> uBuf = data.floatInputs[0];
  const void *uAlias[1] = {uBuf.data()};
  EXPECT_EQ(lds_step(&model->m, data.paramArg(), x, uAlias, uBuf.data()),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_step: x_next overlaps u[0] ('u')");
}

TEST(HostileAliasing, JacobianMustNotOverlapX) {
  auto model = buildModel<TanhRNN, double>();
  Data<TanhRNN, double> data(1, 1, 3);
  const void *u[1] = {data.floatInputs[0].data()};
  double buf[9] = {0.1, -0.2, 0.3};
  EXPECT_EQ(lds_jacobian(&model->m, data.paramArg(), buf, u, buf),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_jacobian: J overlaps x");
  double big[12] = {0};
  EXPECT_EQ(lds_jacobian(&model->m, data.paramArg(), big + 8, u, big),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_jacobian: J overlaps x");
  EXPECT_EQ(lds_jacobian(&model->m, data.paramArg(), big + 9, u, big), LDS_OK)
      << lds_last_error();
}

//===----------------------------------------------------------------------===//
// Sizes
//===----------------------------------------------------------------------===//

TEST(HostileSizes, ProductsOverflowingInt64) {
  auto model = buildModel<Overflow, double>();
  double x0[2] = {0.1, 0.2}, states[4] = {7, 7, 7, 7};
  struct Case {
    int64_t T, batch;
    const char *message;
  } cases[] = {
      // T * D overflows by itself.
      {int64_t(1) << 62, 1,
       "lds_solve: batch 1 x T 4611686018427387904 is too large to address"},
      {INT64_MAX, 1,
       "lds_solve: batch 1 x T 9223372036854775807 is too large to address"},
      {1, INT64_MAX,
       "lds_solve: batch 9223372036854775807 x T 1 is too large to address"},
      {int64_t(1) << 32, int64_t(1) << 32,
       "lds_solve: batch 4294967296 x T 4294967296 is too large to address"},
  };
  for (lds_solver s : {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_NEWTON}) {
    for (const Case &c : cases) {
      lds_options o = lds_default_options();
      o.solver = s;
      EXPECT_EQ(lds_solve(&model->m, nullptr, x0, nullptr, c.T, c.batch, states,
                          &o, nullptr),
                LDS_ERR_INVALID_ARGUMENT);
      EXPECT_STREQ(lds_last_error(), c.message);
    }
  }
  EXPECT_EQ(states[0], 7.0);
}

// 2^16 sequences of 2^25 steps: x0 is real (1 MiB), the 32 TiB second
// iterate cannot be had. Every iterative solver says so, before writing.
TEST(HostileSizes, HugeBatchIsOutOfMemory) {
  auto model = buildModel<Overflow, double>();
  const int64_t batch = int64_t(1) << 16, T = int64_t(1) << 25;
  std::vector<double> x0(batch * 2, 0.05);
  double states[4] = {7, 7, 7, 7};
  for (lds_solver s : {LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
                       LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON}) {
    lds_options o = lds_default_options();
    o.solver = s;
    o.num_threads = 2;
    lds_stats st;
    EXPECT_EQ(lds_solve(&model->m, nullptr, x0.data(), nullptr, T, batch,
                        states, &o, &st),
              LDS_ERR_OUT_OF_MEMORY)
        << lds_solver_name(s);
    EXPECT_STREQ(lds_last_error(),
                 "lds_solve: out of memory for the iterates (a second copy of "
                 "the states takes 35184372088832 bytes)");
    EXPECT_EQ(st.iterations, 0);
    EXPECT_EQ(states[0], 7.0);
  }
}

//===----------------------------------------------------------------------===//
// Non-finite data
//===----------------------------------------------------------------------===//

TEST(HostileNonfinite, X0AndInputs) {
  auto model = buildModel<DiagLinear, float>();
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    Data<DiagLinear, float> data(100, 3, 2);
    data.x0[2 * 4 + 3] = bad;
    std::vector<float> states(3 * 100 * 4);
    EXPECT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                        data.inputArg(), 100, 3, states.data(), nullptr,
                        nullptr),
              LDS_ERR_NONFINITE);
    EXPECT_STREQ(lds_last_error(), "lds_solve: x0[2][3] is not finite");
    Data<DiagLinear, float> last(100, 3, 2);
    last.floatInputs[0].back() = bad;
    EXPECT_EQ(lds_solve(&model->m, last.paramArg(), last.x0.data(),
                        last.inputArg(), 100, 3, states.data(), nullptr,
                        nullptr),
              LDS_ERR_NONFINITE);
    EXPECT_STREQ(lds_last_error(), "lds_solve: inputs[0] ('u') is not finite "
                                   "at batch 2, step 100, element 3");
  }
}

// The finiteness scan tests blocks of 256 values at once and searches only
// a block that holds a non-finite one: the first is reported wherever it
// falls against the blocks, however many follow it, in f32 and f64;
// the largest finite values and subnormals are finite.
template <class T> void expectFirstNonfiniteReported() {
  auto model = buildModel<DiagLinear, T>();
  const T inf = std::numeric_limits<T>::infinity();
  const T nan = std::numeric_limits<T>::quiet_NaN();
  // Positions in sequence 1's 200 x 4 input values, first one first.
  const std::vector<std::vector<int64_t>> cases = {
      {255, 256, 700}, {256, 257}, {511, 799}, {0, 1, 2}, {799}};
  for (const std::vector<int64_t> &bad : cases) {
    Data<DiagLinear, T> data(200, 2, 4);
    std::vector<T> &u = data.floatInputs[0];
    u[7] = std::numeric_limits<T>::max();
    u[8] = -std::numeric_limits<T>::max();
    u[9] = std::numeric_limits<T>::denorm_min();
    for (size_t k = 0; k < bad.size(); ++k)
      u[800 + bad[k]] = k % 2 ? nan : -inf;
    std::vector<T> states(2 * 200 * 4);
    EXPECT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                        data.inputArg(), 200, 2, states.data(), nullptr,
                        nullptr),
              LDS_ERR_NONFINITE);
    std::string expected = "lds_solve: inputs[0] ('u') is not finite at "
                           "batch 1, step " +
                           std::to_string(bad[0] / 4 + 1) + ", element " +
                           std::to_string(bad[0] % 4);
    EXPECT_EQ(lds_last_error(), expected);
  }
}

TEST(HostileNonfinite, FirstOfSeveralAcrossBlocks) {
  expectFirstNonfiniteReported<float>();
  expectFirstNonfiniteReported<double>();
}

/// Solves `data` with every solver and expects LDS_ERR_NONFINITE from step
/// `fromT`, with states equal to the float64 sequential evaluation where it
/// is finite and non-finite exactly where it is not.
template <class M>
void expectNonfiniteLikeSequential(const Data<M, double> &data, int64_t fromT,
                                   const char *what) {
  auto model = buildModel<M, double>();
  std::vector<double> ref = data.template sequential<double>();
  for (lds_solver s :
       {LDS_SOLVER_SEQUENTIAL, LDS_SOLVER_JACOBI, LDS_SOLVER_PICARD,
        LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_NEWTON, LDS_SOLVER_AUTO}) {
    SCOPED_TRACE(std::string(what) + ", " + lds_solver_name(s));
    lds_options o = lds_default_options();
    o.solver = s;
    o.num_threads = 2;
    std::vector<double> states(ref.size());
    lds_stats st;
    ASSERT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                        data.inputArg(), data.T_, data.batch, states.data(), &o,
                        &st),
              LDS_ERR_NONFINITE);
    EXPECT_EQ(std::string(lds_last_error()),
              "lds_solve: the trajectory of sequence 0 is not finite from "
              "t = " +
                  std::to_string(fromT) +
                  " (f overflowed or produced NaN; states hold the "
                  "sequential evaluation)");
    EXPECT_EQ(st.solver, LDS_SOLVER_SEQUENTIAL);
    EXPECT_EQ(st.converged, 0);
    EXPECT_LE(st.iterations, data.T_);
    EXPECT_TRUE(std::isnan(st.max_residual));
    if (s != LDS_SOLVER_SEQUENTIAL && s != LDS_SOLVER_AUTO) {
      EXPECT_GE(st.fallbacks, 1);
    }
    for (size_t i = 0; i < ref.size(); ++i) {
      if (std::isfinite(ref[i])) {
        ASSERT_NEAR(states[i], ref[i], 1e-9 * std::max(1.0, std::fabs(ref[i])))
            << "at " << i;
      } else {
        ASSERT_FALSE(std::isfinite(states[i])) << "at " << i;
        ASSERT_EQ(std::isnan(states[i]), std::isnan(ref[i])) << "at " << i;
      }
    }
  }
}

// Params are not checked up front (a -inf entry can be meaningful); a NaN
// or Inf one makes the trajectory non-finite, which the solve reports.
TEST(HostileNonfinite, NaNOrInfParam) {
  for (double bad : {NAN, INFINITY}) {
    Data<DiagLinear, double> data(500, 1, 9);
    data.params[0][2] = bad;
    expectNonfiniteLikeSequential(data, 1, std::isnan(bad) ? "nan" : "inf");
  }
}

// a = 10 on every coordinate: the trajectory overflows double near t = 308;
// rows before are exact, the rest is what sequential evaluation gives.
TEST(HostileNonfinite, ExplodingTrajectory) {
  Data<DiagLinear, double> data(1000, 1, 4);
  for (double &a : data.params[0])
    a = 10;
  std::vector<double> ref = data.sequential<double>();
  int64_t first = -1;
  for (size_t i = 0; i < ref.size() && first < 0; ++i)
    if (!std::isfinite(ref[i]))
      first = int64_t(i) / DiagLinear::D + 1;
  ASSERT_GT(first, 250);
  ASSERT_LT(first, 400);
  expectNonfiniteLikeSequential(data, first, "exploding");
}

//===----------------------------------------------------------------------===//
// Things that are not model descriptors
//===----------------------------------------------------------------------===//

TEST(HostileModel, GarbageDescriptor) {
  alignas(lds_model) unsigned char garbage[sizeof(lds_model)];
  std::memset(garbage, 0xa5, sizeof(garbage));
  const lds_model *m = reinterpret_cast<const lds_model *>(garbage);
  int32_t version;
  std::memcpy(&version, garbage, sizeof(version));
  double x0[4] = {0}, states[16], J[16];
  EXPECT_EQ(lds_solve(m, nullptr, x0, nullptr, 4, 1, states, nullptr, nullptr),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lds_last_error(), abiMismatch("lds_solve", version));
  EXPECT_EQ(lds_step(m, nullptr, x0, nullptr, states),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lds_last_error(), abiMismatch("lds_step", version));
  EXPECT_EQ(lds_jacobian(m, nullptr, x0, nullptr, J), LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lds_last_error(), abiMismatch("lds_jacobian", version));
  EXPECT_EQ(lds_model_name(m), nullptr);
  EXPECT_EQ(lds_last_error(), abiMismatch("lds_model_name", version));
  EXPECT_EQ(lds_model_state_dim(m), 0);
  EXPECT_EQ(lds_model_state(m, 0), nullptr);
  EXPECT_EQ(lds_model_has_solver(m, LDS_SOLVER_NEWTON), 0);
  EXPECT_EQ(lds_last_error(), abiMismatch("lds_model_has_solver", version));
}

// A pointer to some other object: zeros (version 0), or a string.
TEST(HostileModel, WrongObject) {
  alignas(lds_model) unsigned char zeros[sizeof(lds_model)] = {};
  double x0[4] = {0}, states[16];
  EXPECT_EQ(lds_solve(reinterpret_cast<const lds_model *>(zeros), nullptr, x0,
                      nullptr, 4, 1, states, nullptr, nullptr),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lds_last_error(), abiMismatch("lds_solve", 0));
  alignas(lds_model) char text[sizeof(lds_model)] = "model gru { state h";
  int32_t version;
  std::memcpy(&version, text, sizeof(version));
  EXPECT_EQ(lds_solve(reinterpret_cast<const lds_model *>(text), nullptr, x0,
                      nullptr, 4, 1, states, nullptr, nullptr),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(lds_last_error(), abiMismatch("lds_solve", version));
}

// The right version but nonsense in the fields the runtime can check.
TEST(HostileModel, RightVersionNonsenseFields) {
  struct Breaker {
    void (*breakIt)(lds_model &);
    const char *message;
  } cases[] = {
      {[](lds_model &m) { m.state_dim = -4; },
       "lds_solve: model 'tanh_rnn' has state dimension -4"},
      {[](lds_model &m) { m.num_states = -1; },
       "lds_solve: model 'tanh_rnn' declares -1 states"},
      {[](lds_model &m) { m.params = nullptr; },
       "lds_solve: model 'tanh_rnn' declares 3 params but no table of them"},
      {[](lds_model &m) {
         const_cast<lds_tensor_info *>(m.params)[1].size = 0;
       },
       "lds_solve: model 'tanh_rnn': params 1 has size 0"},
      {[](lds_model &m) {
         setEnum(const_cast<lds_tensor_info *>(m.inputs)[0].dtype, 42);
       },
       "lds_solve: model 'tanh_rnn': input 0 has dtype 42; expected the "
       "model's dtype or i32"},
      // D * D overflows: no dense A size can match.
      {[](lds_model &m) { m.state_dim = int64_t(1) << 40; },
       "lds_solve: model 'tanh_rnn': solver quasi-newton has A kind 2 with 3 "
       "values (D = 1099511627776)"},
      {[](lds_model &m) { m.solvers[LDS_SOLVER_PICARD].a_kind = 77; },
       "lds_solve: model 'tanh_rnn': solver picard has A kind 77 with 0 "
       "values (D = 3)"},
  };
  for (const Breaker &b : cases) {
    auto model = buildModel<TanhRNN, double>();
    Data<TanhRNN, double> data(10, 1, 1);
    std::vector<double> states(30);
    b.breakIt(model->m);
    EXPECT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                        data.inputArg(), 10, 1, states.data(), nullptr,
                        nullptr),
              LDS_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(lds_last_error(), b.message);
  }
}

//===----------------------------------------------------------------------===//
// Many callers
//===----------------------------------------------------------------------===//

struct Outcome {
  lds_status status;
  std::vector<double> states;
  lds_stats stats;
};

Outcome solveRNN(const lds_model &m, const Data<TanhRNN, double> &data,
                 lds_solver s) {
  Outcome r;
  r.states.assign(data.batch * data.T_ * TanhRNN::D, 0.0);
  lds_options o = lds_default_options();
  o.solver = s;
  o.num_threads = 2;
  r.status = lds_solve(&m, data.paramArg(), data.x0.data(), data.inputArg(),
                       data.T_, data.batch, r.states.data(), &o, &r.stats);
  return r;
}

// 8 threads solve on one model at once, each its own data and solver; every
// result has the bits and stats of the same call made alone.
TEST(HostileThreads, EightConcurrentCallersMatchSerialCalls) {
  auto model = buildModel<TanhRNN, double>();
  const lds_solver solvers[8] = {
      LDS_SOLVER_NEWTON, LDS_SOLVER_QUASI_NEWTON, LDS_SOLVER_PICARD,
      LDS_SOLVER_JACOBI, LDS_SOLVER_SEQUENTIAL,   LDS_SOLVER_AUTO,
      LDS_SOLVER_NEWTON, LDS_SOLVER_QUASI_NEWTON};
  std::vector<Data<TanhRNN, double>> data;
  for (int k = 0; k < 8; ++k)
    data.emplace_back(3000 + 500 * k, 1 + k % 3, 100 + k);
  std::vector<Outcome> serial, concurrent(8);
  for (int k = 0; k < 8; ++k)
    serial.push_back(solveRNN(model->m, data[k], solvers[k]));
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> callers;
    for (int k = 0; k < 8; ++k)
      callers.emplace_back(
          [&, k] { concurrent[k] = solveRNN(model->m, data[k], solvers[k]); });
    for (std::thread &t : callers)
      t.join();
    for (int k = 0; k < 8; ++k) {
      SCOPED_TRACE("caller " + std::to_string(k) + " round " +
                   std::to_string(round));
      ASSERT_EQ(serial[k].status, LDS_OK);
      EXPECT_EQ(concurrent[k].status, LDS_OK);
      EXPECT_EQ(std::memcmp(concurrent[k].states.data(),
                            serial[k].states.data(),
                            serial[k].states.size() * sizeof(double)),
                0);
      EXPECT_EQ(concurrent[k].stats.solver, serial[k].stats.solver);
      EXPECT_EQ(concurrent[k].stats.iterations, serial[k].stats.iterations);
      EXPECT_EQ(concurrent[k].stats.fallbacks, serial[k].stats.fallbacks);
      EXPECT_EQ(concurrent[k].stats.converged, serial[k].stats.converged);
    }
  }
}

// Failing calls from many threads keep their own last error.
TEST(HostileThreads, ConcurrentFailuresKeepTheirMessages) {
  auto model = buildModel<TanhRNN, double>();
  std::vector<std::string> messages(8);
  std::vector<std::thread> callers;
  for (int k = 0; k < 8; ++k)
    callers.emplace_back([&, k] {
      Data<TanhRNN, double> data(100, 1, k);
      std::vector<double> states(300);
      for (int i = 0; i < 50; ++i)
        lds_solve(&model->m, data.paramArg(), data.x0.data(), data.inputArg(),
                  -k - 1, 1, states.data(), nullptr, nullptr);
      messages[k] = lds_last_error();
    });
  for (std::thread &t : callers)
    t.join();
  for (int k = 0; k < 8; ++k)
    EXPECT_EQ(messages[k],
              "lds_solve: T must be positive, got " + std::to_string(-k - 1));
}

} // namespace
