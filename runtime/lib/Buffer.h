//===- Buffer.h - nothrow, cache-aligned scratch memory ---------*- C++ -*-===//
//
// The runtime may be built with -fno-exceptions and must never abort its
// caller, so every allocation sized by user arguments goes through this
// owner, which reports failure instead of throwing.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_BUFFER_H
#define LDS_RUNTIME_BUFFER_H

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace lds {

/// An owned, 64-byte aligned byte buffer.
class Buffer {
public:
  Buffer() = default;
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;
  ~Buffer() { std::free(bytes); }

  /// Replaces the contents by `size` bytes, zeroed unless `zero` is false
  /// (large buffers the caller overwrites anyway); false if out of memory.
  bool allocate(int64_t size, bool zero = true) {
    std::free(bytes);
    bytes = nullptr;
    this->size = 0;
    if (size <= 0)
      return true;
    // Round up: aligned_alloc wants a multiple of the alignment, and an
    // overflow here means the request could never be met anyway.
    if (size > INT64_MAX - 63)
      return false;
    size_t rounded =
        (static_cast<size_t>(size) + 63) & ~static_cast<size_t>(63);
    bytes = static_cast<char *>(std::aligned_alloc(64, rounded));
    if (!bytes)
      return false;
    if (zero)
      std::memset(bytes, 0, rounded);
    this->size = size;
    return true;
  }

  /// allocate() of `count` elements of `elementBytes`; false on overflow.
  bool allocateArray(int64_t count, int64_t elementBytes, bool zero = true) {
    int64_t size;
    if (__builtin_mul_overflow(count, elementBytes, &size))
      return false;
    return allocate(size, zero);
  }

  char *data() const { return bytes; }
  int64_t bytesAllocated() const { return size; }

  template <class T> T *as() const { return reinterpret_cast<T *>(bytes); }

private:
  char *bytes = nullptr;
  int64_t size = 0;
};

} // namespace lds

#endif // LDS_RUNTIME_BUFFER_H
