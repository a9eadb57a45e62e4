//===- ThreadPool.h - persistent worker threads -----------------*- C++ -*-===//
//
// One process-wide pool of worker threads, started on first use and kept
// for later solves (creating threads per iteration would cost more than a
// small iteration). The calling thread works too.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_THREADPOOL_H
#define LDS_RUNTIME_THREADPOOL_H

#include <cstdint>
#include <type_traits>

namespace lds {

class ThreadPool {
public:
  /// body(context, item, worker) for one work item.
  using Body = void (*)(void *context, int64_t item, int worker);

  /// The pool; created on first use, never destroyed (its threads sleep).
  static ThreadPool &global();

  /// Largest thread count a job may ask for.
  static constexpr int kMaxThreads = 1024;

  /// Runs body(context, i, w) for every i in [0, n) on up to `threads`
  /// threads, the caller included, and returns when all have run. `w` in
  /// [0, threads) names the thread's scratch. Items must not depend on which
  /// thread runs them: when the pool is busy with another caller's job, or
  /// threads cannot be started, fewer threads (down to the caller alone) run
  /// them.
  void run(int64_t n, int threads, Body body, void *context);

  /// run() over a callable `f(int64_t item, int worker)`.
  template <class F> void parallelFor(int64_t n, int threads, F &&f) {
    using Fn = std::remove_reference_t<F>;
    run(
        n, threads,
        [](void *c, int64_t i, int w) { (*static_cast<Fn *>(c))(i, w); },
        const_cast<void *>(static_cast<const void *>(&f)));
  }

private:
  ThreadPool() = default;
  struct Impl;
  Impl *impl = nullptr;
};

} // namespace lds

#endif // LDS_RUNTIME_THREADPOOL_H
