//===- Error.h - failing with a status and a message ------------*- C++ -*-===//
//
// Every C entry point reports a failure by returning a status; the message
// goes to a thread-local buffer read by lds_last_error(). The buffer is
// fixed-size so that even an out-of-memory failure can be described.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_ERROR_H
#define LDS_RUNTIME_ERROR_H

#include "lds/runtime.h"

namespace lds {

/// Records the printf-style message as this thread's last error and returns
/// `status`, so call sites read `return fail(LDS_ERR_..., "...", ...);`.
lds_status fail(lds_status status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

} // namespace lds

#endif // LDS_RUNTIME_ERROR_H
