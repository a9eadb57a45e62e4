//===- Status.cpp - status names and the last error message ---------------===//
//
// lds_status_string, lds_last_error and the fail() helper behind them.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "Values.h"

#include <cstdarg>
#include <cstdio>

namespace {
// One message per thread, so concurrent solves never read each other's.
thread_local char lastError[1024];
} // namespace

lds_status lds::fail(lds_status status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(lastError, sizeof(lastError), format, args);
  va_end(args);
  return status;
}

extern "C" const char *lds_last_error(void) { return lastError; }

extern "C" const char *lds_status_string(lds_status s) {
  switch (lds::enumValue(s)) {
  case LDS_OK:
    return "ok";
  case LDS_ERR_INVALID_ARGUMENT:
    return "invalid argument";
  case LDS_ERR_NONFINITE:
    return "non-finite value";
  case LDS_ERR_NOT_CONVERGED:
    return "not converged";
  case LDS_ERR_NO_DEVICE:
    return "no device";
  case LDS_ERR_OUT_OF_MEMORY:
    return "out of memory";
  case LDS_ERR_DEVICE:
    return "device error";
  case LDS_ERR_INTERNAL:
    return "internal error";
  }
  return "unknown status";
}
