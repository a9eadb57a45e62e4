//===- Stack.cpp - enough stack for the compiled kernels ------------------===//

#include "Stack.h"

#include "Error.h"

#include <pthread.h>

#include <cstring>

using namespace lds;

namespace {

/// Stack kept free below what a call asks for: the guard page and the
/// frames between here and the kernels.
constexpr int64_t kMargin = 32 << 10;

/// The lowest address of the calling thread's stack, or nullptr if
/// unknown. Looked up once per thread: for the main thread glibc reads
/// /proc/self/maps, too slow for every lds_step.
const char *stackBottom() {
  static thread_local const char *bottom = nullptr;
  static thread_local bool known = false;
  if (known)
    return bottom;
  known = true;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0)
    return nullptr;
  void *base = nullptr;
  size_t size = 0;
  if (pthread_attr_getstack(&attr, &base, &size) == 0)
    bottom = static_cast<const char *>(base);
  pthread_attr_destroy(&attr);
  return bottom;
}

struct Call {
  lds_status (*body)(void *);
  void *context;
  lds_status status = LDS_OK;
  char message[1024] = {};
};

void *runCall(void *arg) {
  auto *call = static_cast<Call *>(arg);
  call->status = call->body(call->context);
  if (call->status != LDS_OK)
    std::strncpy(call->message, lds_last_error(), sizeof(call->message) - 1);
  return nullptr;
}

} // namespace

lds_status lds::withStack(int64_t bytes, lds_status (*body)(void *),
                          void *context, const char *fn) {
  char here;
  const char *bottom = stackBottom();
  // Without the bounds (not expected on Linux) the call stays here.
  if (!bottom || &here - bottom >= bytes + kMargin)
    return body(context);
  Call call{body, context};
  pthread_attr_t attr;
  pthread_t thread;
  int rc = pthread_attr_init(&attr);
  if (rc == 0) {
    pthread_attr_setstacksize(&attr, size_t(bytes + kWorkerStackBytes));
    rc = pthread_create(&thread, &attr, &runCall, &call);
    pthread_attr_destroy(&attr);
  }
  if (rc != 0)
    return fail(LDS_ERR_OUT_OF_MEMORY,
                "%s: cannot start a thread with %lld bytes of stack for the "
                "kernels (the calling thread has %lld bytes left, the model "
                "needs %lld)",
                fn, static_cast<long long>(bytes + kWorkerStackBytes),
                static_cast<long long>(&here - bottom),
                static_cast<long long>(bytes));
  pthread_join(thread, nullptr);
  if (call.status != LDS_OK)
    return fail(call.status, "%s", call.message);
  return LDS_OK;
}
