//===- NpyFuzzer.cpp - libFuzzer target: lds-run's .npy/.npz reader -------===//
//
// Feeds arbitrary bytes to parseNpy and parseNpz. Every array they accept
// is read element by element and must survive a round trip through
// serializeNpy unchanged; anything else must be an error message.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

using namespace lds::npy;

/// Reads every element of an accepted array, and checks that writing it
/// and reading it back gives the same array.
static void exercise(const Array &array) {
  int64_t n = array.getNumElements();
  if (static_cast<uint64_t>(n) * getItemSize(array.dtype) != array.data.size())
    __builtin_trap();
  volatile double sink = 0;
  for (int64_t i = 0; i < n; ++i) {
    sink = sink + array.getDouble(i);
    if (array.dtype == DType::I32 || array.dtype == DType::I64)
      sink = sink + static_cast<double>(array.getInt(i));
  }
  (void)formatShape(array.shape);
  std::string bytes = serializeNpy(array);
  Array again;
  std::string error;
  if (!parseNpy(bytes.data(), bytes.size(), again, error) ||
      again.dtype != array.dtype || again.shape != array.shape ||
      again.data != array.data)
    __builtin_trap();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *bytes = reinterpret_cast<const char *>(data);
  std::string error;
  Array array;
  if (parseNpy(bytes, size, array, error))
    exercise(array);
  else if (error.empty())
    __builtin_trap(); // a failure must say why
  std::vector<NamedArray> arrays;
  error.clear();
  if (parseNpz(bytes, size, "fuzz.npz", arrays, error)) {
    for (const NamedArray &named : arrays)
      exercise(named.array);
  } else if (error.empty()) {
    __builtin_trap();
  }
  return 0;
}
