//===- Values.h - sizes, finiteness, residuals of values --------*- C++ -*-===//
//
// The runtime moves model values as bytes; these helpers are the few places
// that look at them as numbers: argument checks (finite? in range?) and the
// reported residual. The stopping test itself is the model's `check` kernel.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_RUNTIME_VALUES_H
#define LDS_RUNTIME_VALUES_H

#include "lds/model_abi.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace lds {

/// Bytes per element of `dtype` (all are 4 or 8).
inline int64_t elementSize(lds_dtype dtype) {
  return dtype == LDS_DTYPE_F64 ? 8 : 4;
}

/// Index of the first of `n` values (IEEE bits `Bits`) whose exponent bits
/// are all set (Inf or NaN), or -1. Blocks of values are tested without a
/// branch, which the compiler vectorises, and only a block holding one is
/// searched: every solve tests its inputs and its trajectory, and the
/// early-exit loop this replaces cost a quarter to a half of the elementwise
/// model's sequential solve.
template <class Bits, Bits ExponentMask>
int64_t firstNonfiniteBits(const void *values, int64_t n) {
  constexpr int64_t kBlock = 256;
  const unsigned char *bytes = static_cast<const unsigned char *>(values);
  auto bitsAt = [&](int64_t i) {
    Bits b;
    std::memcpy(&b, bytes + i * sizeof(Bits), sizeof(Bits));
    return b;
  };
  for (int64_t start = 0; start < n; start += kBlock) {
    int64_t end = start + kBlock < n ? start + kBlock : n;
    Bits any = 0;
    for (int64_t i = start; i < end; ++i)
      any |= (bitsAt(i) & ExponentMask) == ExponentMask;
    if (!any)
      continue;
    for (int64_t i = start; i < end; ++i)
      if ((bitsAt(i) & ExponentMask) == ExponentMask)
        return i;
  }
  return -1;
}

/// Index of the first non-finite of `n` float values, or -1.
inline int64_t firstNonfinite(const void *values, int64_t n, lds_dtype dtype) {
  if (dtype == LDS_DTYPE_F64)
    return firstNonfiniteBits<uint64_t, 0x7ff0000000000000ull>(values, n);
  return firstNonfiniteBits<uint32_t, 0x7f800000u>(values, n);
}

/// max_i |a[i] - b[i]| of `n` float values; NaN if any is not finite.
inline double maxAbsDiff(const void *a, const void *b, int64_t n,
                         lds_dtype dtype) {
  double m = 0;
  for (int64_t i = 0; i < n; ++i) {
    double x, y;
    if (dtype == LDS_DTYPE_F64) {
      x = static_cast<const double *>(a)[i];
      y = static_cast<const double *>(b)[i];
    } else {
      x = static_cast<const float *>(a)[i];
      y = static_cast<const float *>(b)[i];
    }
    if (!std::isfinite(x) || !std::isfinite(y))
      return NAN;
    double d = std::fabs(x - y);
    m = d > m ? d : m;
  }
  return m;
}

/// Reads one value of the model's float type as a double.
inline double readScalar(const void *value, lds_dtype dtype) {
  if (dtype == LDS_DTYPE_F64)
    return *static_cast<const double *>(value);
  return *static_cast<const float *>(value);
}

/// Writes `v` as one value of the model's float type.
inline void writeScalar(void *out, double v, lds_dtype dtype) {
  if (dtype == LDS_DTYPE_F64)
    *static_cast<double *>(out) = v;
  else
    *static_cast<float *>(out) = static_cast<float>(v);
}

/// The int value of a C enum a caller passed in. C allows any int there,
/// while in C++ loading a value outside the enumerators' range is undefined,
/// so the bits are read as an int.
template <class E> int enumValue(const E &e) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
  int v;
  std::memcpy(&v, &e, sizeof(v));
  return v;
}

/// a * b into *out, false on overflow (sizes come from user arguments).
inline bool mulChecked(int64_t a, int64_t b, int64_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

} // namespace lds

#endif // LDS_RUNTIME_VALUES_H
