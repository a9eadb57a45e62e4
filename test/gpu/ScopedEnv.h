//===- ScopedEnv.h - an environment variable for a scope --------*- C++ -*-===//
//
// The GPU tests switch the emulator (LDS_GPU_EMULATE), the chunk size
// (LDS_GPU_CHUNK_ROWS), the iterate kernels (LDS_GPU_ITERATE) and the
// driver's library (LDS_CUDA_DRIVER) through the environment.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TEST_GPU_SCOPEDENV_H
#define LDS_TEST_GPU_SCOPEDENV_H

#include <cstdlib>
#include <string>

namespace lds_test {

/// Sets (or, with nullptr, unsets) an environment variable for a scope.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name(name) {
    const char *old = std::getenv(name);
    had = old != nullptr;
    if (had)
      previous = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (had)
      setenv(name.c_str(), previous.c_str(), 1);
    else
      unsetenv(name.c_str());
  }

private:
  std::string name, previous;
  bool had = false;
};

} // namespace lds_test

#endif // LDS_TEST_GPU_SCOPEDENV_H
