//===- StackTest.cpp - kernels get the stack they say they take -----------===//
//
// A compiled kernel may take lds_model::stack_bytes of stack (model_abi.h;
// up to a few MiB for lds-widen-lanes' lanes). The runtime must run kernels
// only where that much is left: on a caller with a small stack (a JVM or
// musl thread, `ulimit -s`) it solves on a thread of its own, and its
// workers have kWorkerStackBytes (16 MiB) whatever glibc's default. These
// kernels touch the stack they declare, so a thread with less faults.
//
//===----------------------------------------------------------------------===//

#include "TestModels.h"

#include <gtest/gtest.h>

#include <alloca.h>
#include <pthread.h>

#include <cstring>
#include <functional>
#include <string>

using namespace lds_test;

namespace {

using Model = DiagLinear;
using Step = Kernels<Model, double>;

/// Touches `bytes` of stack below this frame, page by page, then steps.
template <int64_t Bytes>
void hungryStep(const void *x, const void *const *u, const void *const *p,
                void *out) {
  auto *buf = static_cast<volatile char *>(alloca(Bytes));
  for (int64_t i = 0; i < Bytes; i += 4096)
    buf[i] = 1;
  buf[Bytes - 1] = 1;
  Step::step(x, u, p, out);
}

template <int64_t Bytes> std::unique_ptr<BuiltModel> hungryModel() {
  auto b = buildModel<Model, double>();
  b->m.step = hungryStep<Bytes>;
  b->m.stack_bytes = Bytes + (64 << 10);
  return b;
}

/// Runs `f` on a new thread with a `bytes` stack and waits for it.
void onThreadWithStack(size_t bytes, std::function<void()> f) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, bytes), 0);
  pthread_t thread;
  auto run = [](void *arg) -> void * {
    (*static_cast<std::function<void()> *>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, &f), 0);
  pthread_attr_destroy(&attr);
  pthread_join(thread, nullptr);
}

/// A sequential solve of `m` on `threads` threads, compared with the
/// reference loop.
void expectSolves(const lds_model *m, int threads) {
  constexpr int64_t T = 12, batch = 4;
  Data<Model, double> data(T, batch, 7);
  std::vector<double> states(batch * T * Model::D, -1.0);
  lds_options o = lds_default_options();
  o.solver = LDS_SOLVER_SEQUENTIAL;
  o.num_threads = threads;
  ASSERT_EQ(lds_solve(m, data.paramArg(), data.x0.data(), data.inputArg(), T,
                      batch, states.data(), &o, nullptr),
            LDS_OK)
      << lds_last_error();
  EXPECT_EQ(states, data.sequential<double>());
}

// A 1 MiB kernel called from a thread of 256 KiB: lds_solve on one and on
// two threads, lds_step and lds_jacobian.
TEST(Stack, SmallCallerStack) {
  auto model = hungryModel<1 << 20>();
  model->m.jacobian = hungryStep<1 << 20>; // D values suffice for the check
  onThreadWithStack(256 << 10, [&] {
    expectSolves(&model->m, 1);
    expectSolves(&model->m, 2);
    Data<Model, double> data(1, 1, 3);
    std::vector<const void *> u = data.stepInputs(0, 0);
    double out[Model::D], expected[Model::D];
    Step::step(data.x0.data(), u.data(), data.paramArg(), expected);
    EXPECT_EQ(
        lds_step(&model->m, data.paramArg(), data.x0.data(), u.data(), out),
        LDS_OK)
        << lds_last_error();
    EXPECT_EQ(std::memcmp(out, expected, sizeof(out)), 0);
  });
}

// A failure on the call's own thread is the caller's: status and message.
TEST(Stack, ErrorsReachTheCaller) {
  auto model = hungryModel<1 << 20>();
  static void (*hook)(int64_t) = nullptr;
  model->m.alloc_failure_hook = &hook;
  model->m.step = [](const void *, const void *const *, const void *const *,
                     void *) {
    auto *buf = static_cast<volatile char *>(alloca(1 << 20));
    for (int64_t i = 0; i < (1 << 20); i += 4096)
      buf[i] = 1;
    hook(4096);
  };
  onThreadWithStack(256 << 10, [&] {
    Data<Model, double> data(5, 1, 3);
    std::vector<double> states(5 * Model::D);
    lds_options o = lds_default_options();
    o.solver = LDS_SOLVER_SEQUENTIAL;
    EXPECT_EQ(lds_solve(&model->m, data.paramArg(), data.x0.data(),
                        data.inputArg(), 5, 1, states.data(), &o, nullptr),
              LDS_ERR_OUT_OF_MEMORY);
    EXPECT_STREQ(lds_last_error(),
                 "lds_solve: out of memory: a kernel of model 'diag_linear' "
                 "could not allocate 4096 bytes (0.0 MiB) for its buffers");
  });
}

// 10 MiB: more than a Linux main thread's 8 MiB and glibc's default for a
// pthread, within the workers' 16 MiB: the pool's workers step too.
TEST(Stack, WorkersHaveRoom) {
  auto model = hungryModel<10 << 20>();
  expectSolves(&model->m, 2);
}

// 17 MiB: more than the workers have; the solve runs on its own thread alone.
TEST(Stack, BeyondTheWorkers) {
  auto model = hungryModel<17 << 20>();
  expectSolves(&model->m, 2);
}

} // namespace
