//===- Npy.h - a small reader and writer of .npy and .npz files -*- C++ -*-===//
//
// NumPy's array files, for lds-run's --params, --inputs, --x0 and --out:
//   .npy  format versions 1.0, 2.0 and 3.0; little-endian float32 ('<f4'),
//         float64 ('<f8'), int32 ('<i4') and int64 ('<i8'); C order only.
//   .npz  a ZIP archive of .npy entries as numpy.savez writes them (stored,
//         ZIP64 extras understood); compressed entries (numpy.savez_compressed)
//         are rejected with a clear error.
// Plain C++17, independent of LLVM and of the compiler. Errors are returned
// as messages that name the file (and the entry of an .npz).
//
//===----------------------------------------------------------------------===//

#ifndef LDS_TOOLS_LDSRUN_NPY_H
#define LDS_TOOLS_LDSRUN_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace lds {
namespace npy {

enum class DType { F32, F64, I32, I64 };

/// "float32", "float64", "int32", "int64".
const char *getDTypeName(DType dtype);
/// 4 or 8.
size_t getItemSize(DType dtype);
/// A shape as NumPy prints it: "()", "(3,)", "(2, 3)".
std::string formatShape(const std::vector<int64_t> &shape);

struct Array {
  DType dtype = DType::F64;
  std::vector<int64_t> shape;
  /// The elements, C order, in the host's (little-endian) byte order.
  std::vector<char> data;

  int64_t getNumElements() const;
  /// Element `i` converted to double (int64 values beyond 2^53 round).
  double getDouble(int64_t i) const;
  /// Element `i` of an integer array.
  int64_t getInt(int64_t i) const;
};

/// An array of an .npz archive; `name` is the entry's name without ".npy".
struct NamedArray {
  std::string name;
  Array array;
};

/// Parses the bytes of a .npy file. Errors (without a file name) go to
/// `error`.
bool parseNpy(const char *bytes, size_t size, Array &out, std::string &error);

/// Reads a .npy file; errors name `path`.
bool readNpy(const std::string &path, Array &out, std::string &error);

/// Reads an .npz archive, entries in archive order; errors name `path` and
/// the entry.
bool readNpz(const std::string &path, std::vector<NamedArray> &out,
             std::string &error);

/// Parses the bytes of an .npz archive; errors name `path` and the entry.
bool parseNpz(const char *bytes, size_t size, const std::string &path,
              std::vector<NamedArray> &out, std::string &error);

/// The bytes of a .npy file (format 1.0, or 2.0 for a huge header).
std::string serializeNpy(const Array &array);

/// Writes a .npy file.
bool writeNpy(const std::string &path, const Array &array, std::string &error);

/// Writes an .npz archive of stored entries `<name>.npy`, readable by
/// numpy.load.
bool writeNpz(const std::string &path, const std::vector<NamedArray> &arrays,
              std::string &error);

} // namespace npy
} // namespace lds

#endif // LDS_TOOLS_LDSRUN_NPY_H
