//===- Stack.h - enough stack for the compiled kernels ----------*- C++ -*-===//
//
// A kernel call may take lds_model::stack_bytes of stack (model_abi.h): up
// to a few MiB where lds-widen-lanes gives the lanes' vectors 2 MiB. A
// thread's stack is whatever its creator chose: 8 MiB for a Linux main
// thread, 2 MiB for a pthread when `ulimit -s` is unlimited, 1 MiB for a
// JVM thread, 128 KiB on musl. The runtime's workers are created with
// kWorkerStackBytes; a caller with too little stack left has its call run
// on a thread of its own.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_STACK_H
#define LDS_RUNTIME_STACK_H

#include "lds/runtime.h"

#include <cstdint>
#include <type_traits>

namespace lds {

/// The stack of the thread pool's workers and of a call's own thread (at
/// least; a model that needs more gets more on its own thread).
constexpr int64_t kWorkerStackBytes = 16 << 20;

/// Runs fn(context) on the calling thread if it has `bytes` of stack left
/// below the current frame, and otherwise on a new thread with at least
/// `bytes` plus kWorkerStackBytes, which it waits for; its status and
/// lds_last_error() message become the caller's. `fn` names the entry point
/// in a failure to start that thread (LDS_ERR_OUT_OF_MEMORY).
lds_status withStack(int64_t bytes, lds_status (*body)(void *), void *context,
                     const char *fn);

/// withStack over a callable `f()` returning lds_status.
template <class F> lds_status withStack(int64_t bytes, const char *fn, F &&f) {
  using Fn = std::remove_reference_t<F>;
  return withStack(
      bytes, [](void *c) -> lds_status { return (*static_cast<Fn *>(c))(); },
      const_cast<void *>(static_cast<const void *>(&f)), fn);
}

} // namespace lds

#endif // LDS_RUNTIME_STACK_H
