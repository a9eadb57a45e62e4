//===- StepTest.cpp - lds_step, lds_jacobian and introspection ------------===//
//
// One evaluation of f and J at a given (x, u), checked against the formulas
// written out here; and the model signature read back through the API.
//
//===----------------------------------------------------------------------===//

#include "TestModels.h"

#include <gtest/gtest.h>

using namespace lds_test;

namespace {

TEST(Step, EvaluatesTheRNN) {
  auto model = buildModel<TanhRNN, double>();
  Data<TanhRNN, double> data(1, 1, 3);
  const double *W = data.params[0].data(), *U = data.params[1].data(),
               *c = data.params[2].data();
  double x[3] = {0.3, -0.2, 0.7}, u[2] = {0.5, -1.5};
  const void *uPtr[1] = {u};
  double next[3], J[9];
  ASSERT_EQ(lds_step(&model->m, data.paramArg(), x, uPtr, next), LDS_OK);
  ASSERT_EQ(lds_jacobian(&model->m, data.paramArg(), x, uPtr, J), LDS_OK);
  for (int i = 0; i < 3; ++i) {
    double z = c[i] + W[i * 3] * x[0] + W[i * 3 + 1] * x[1] +
               W[i * 3 + 2] * x[2] + U[i * 2] * u[0] + U[i * 2 + 1] * u[1];
    EXPECT_NEAR(next[i], std::tanh(z), 1e-15);
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(J[i * 3 + j],
                  (1 - std::tanh(z) * std::tanh(z)) * W[i * 3 + j], 1e-15);
  }
  // In place: x_next may be x.
  ASSERT_EQ(lds_step(&model->m, data.paramArg(), x, uPtr, x), LDS_OK);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(x[i], next[i]);
}

TEST(Step, GathersByIndexInput) {
  auto model = buildModel<Permutations, float>();
  Data<Permutations, float> data(1, 1, 3);
  float x[5] = {1, 2, 3, 4, 5}, next[5], J[25];
  int32_t w = 4;
  const void *u[1] = {&w};
  ASSERT_EQ(lds_step(&model->m, data.paramArg(), x, u, next), LDS_OK);
  ASSERT_EQ(lds_jacobian(&model->m, data.paramArg(), x, u, J), LDS_OK);
  const float *P = data.params[0].data() + 4 * 25;
  for (int i = 0; i < 5; ++i) {
    float expect = 0;
    for (int j = 0; j < 5; ++j) {
      expect += P[i * 5 + j] * x[j];
      EXPECT_EQ(J[i * 5 + j], P[i * 5 + j]);
    }
    EXPECT_EQ(next[i], expect);
  }
  w = 6;
  EXPECT_EQ(lds_step(&model->m, data.paramArg(), x, u, next),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_step: u[0] ('w') = 6 at batch 0, step 1 "
                                 "is outside [0, 6)");
}

TEST(Step, BadArguments) {
  auto model = buildModel<TanhRNN, double>();
  Data<TanhRNN, double> data(1, 1, 3);
  double x[3] = {0, 0, 0}, u[2] = {0, 0}, out[9];
  const void *uPtr[1] = {u};
  EXPECT_EQ(lds_step(nullptr, data.paramArg(), x, uPtr, out),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_step: model is NULL");
  EXPECT_EQ(lds_step(&model->m, data.paramArg(), nullptr, uPtr, out),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_step: x is NULL");
  EXPECT_EQ(lds_step(&model->m, data.paramArg(), x, uPtr, nullptr),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_step: x_next is NULL");
  EXPECT_EQ(lds_step(&model->m, data.paramArg(), x, nullptr, out),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(),
               "lds_step: u is NULL but model 'tanh_rnn' has 1 inputs");
  EXPECT_EQ(lds_step(&model->m, nullptr, x, uPtr, out),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(),
               "lds_step: params is NULL but model 'tanh_rnn' has 3 params");
  EXPECT_EQ(lds_jacobian(&model->m, data.paramArg(), x, uPtr, nullptr),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(), "lds_jacobian: J is NULL");
  model->m.jacobian = nullptr;
  EXPECT_EQ(lds_jacobian(&model->m, data.paramArg(), x, uPtr, out),
            LDS_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(lds_last_error(),
               "lds_jacobian: model 'tanh_rnn' has no Jacobian kernel");
}

TEST(Introspection, ReadsTheSignature) {
  auto model = buildModel<TanhRNN, float>(bit(LDS_SOLVER_NEWTON) |
                                          bit(LDS_SOLVER_PICARD));
  const lds_model *m = &model->m;
  EXPECT_STREQ(lds_model_name(m), "tanh_rnn");
  EXPECT_EQ(lds_model_dtype(m), LDS_DTYPE_F32);
  EXPECT_EQ(lds_model_state_dim(m), 3);
  EXPECT_EQ(lds_model_num_states(m), 1);
  EXPECT_EQ(lds_model_num_inputs(m), 1);
  EXPECT_EQ(lds_model_num_params(m), 3);
  EXPECT_STREQ(lds_model_state(m, 0)->name, "h");
  const lds_tensor_info *W = lds_model_param(m, 0);
  ASSERT_NE(W, nullptr);
  EXPECT_STREQ(W->name, "W");
  EXPECT_EQ(W->dtype, LDS_DTYPE_F32);
  EXPECT_EQ(W->rank, 2);
  EXPECT_EQ(W->shape[0], 3);
  EXPECT_EQ(W->shape[1], 3);
  EXPECT_EQ(W->size, 9);
  EXPECT_EQ(lds_model_input(m, 0)->size, 2);
  EXPECT_EQ(lds_model_param(m, 3), nullptr);
  EXPECT_STREQ(lds_last_error(), "lds_model_param: index 3 is outside [0, 3)");
  EXPECT_EQ(lds_model_input(m, -1), nullptr);
  EXPECT_EQ(lds_model_default_solver(m), LDS_SOLVER_NEWTON);
  EXPECT_EQ(lds_model_has_solver(m, LDS_SOLVER_NEWTON), 1);
  EXPECT_EQ(lds_model_has_solver(m, LDS_SOLVER_PICARD), 1);
  EXPECT_EQ(lds_model_has_solver(m, LDS_SOLVER_JACOBI), 0);
  EXPECT_EQ(lds_model_has_solver(m, LDS_SOLVER_QUASI_NEWTON), 0);
  EXPECT_EQ(lds_model_has_solver(m, LDS_SOLVER_SEQUENTIAL), 1);

  auto perms = buildModel<Permutations, double>();
  const lds_tensor_info *w = lds_model_input(&perms->m, 0);
  EXPECT_EQ(w->dtype, LDS_DTYPE_I32);
  EXPECT_EQ(w->rank, 0);
  EXPECT_EQ(w->size, 1);
  EXPECT_EQ(w->index_range, 6);
  EXPECT_EQ(lds_model_param(&perms->m, 0)->rank, 3);
}

TEST(Introspection, NullModel) {
  EXPECT_EQ(lds_model_name(nullptr), nullptr);
  EXPECT_STREQ(lds_last_error(), "lds_model_name: model is NULL");
  EXPECT_EQ(lds_model_dtype(nullptr), LDS_DTYPE_INVALID);
  EXPECT_EQ(lds_model_state_dim(nullptr), 0);
  EXPECT_EQ(lds_model_num_params(nullptr), 0);
  EXPECT_EQ(lds_model_state(nullptr, 0), nullptr);
  EXPECT_EQ(lds_model_has_solver(nullptr, LDS_SOLVER_NEWTON), 0);
}

TEST(Introspection, Names) {
  EXPECT_STREQ(lds_solver_name(LDS_SOLVER_QUASI_NEWTON), "quasi-newton");
  EXPECT_STREQ(lds_device_name(LDS_DEVICE_CUDA), "cuda");
  EXPECT_STREQ(lds_dtype_name(LDS_DTYPE_F64), "f64");
  EXPECT_STREQ(lds_solver_name(static_cast<lds_solver>(9)), "unknown");
  lds_solver s = LDS_SOLVER_AUTO;
  EXPECT_EQ(lds_solver_from_name("newton", &s), 1);
  EXPECT_EQ(s, LDS_SOLVER_NEWTON);
  EXPECT_EQ(lds_solver_from_name("quasi_newton", &s), 1);
  EXPECT_EQ(s, LDS_SOLVER_QUASI_NEWTON);
  EXPECT_EQ(lds_solver_from_name("gauss", &s), 0);
  EXPECT_EQ(lds_solver_from_name(nullptr, &s), 0);
}

} // namespace
