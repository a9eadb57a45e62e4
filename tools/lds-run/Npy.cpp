//===- Npy.cpp - a small reader and writer of .npy and .npz files ---------===//
//
// The .npy format, as numpy.lib.format documents it:
//   https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
// The ZIP format (the subset numpy.savez writes): PKWARE's APPNOTE.TXT,
// sections 4.3 (local headers, central directory, end records) and 4.5.3
// (the ZIP64 extended information extra field).
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <sys/stat.h>

using namespace lds::npy;

static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE floats");

namespace {

bool isLittleEndianHost() {
  uint16_t one = 1;
  char first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

std::string quote(const std::string &s) { return "'" + s + "'"; }

/// What a file that is not a regular file (a pipe, a device) may give:
/// /dev/zero would otherwise be read until memory runs out.
constexpr size_t kMaxStreamBytes = size_t(1) << 30;

bool readFile(const std::string &path, std::string &bytes, std::string &error) {
  struct stat st;
  bool known = stat(path.c_str(), &st) == 0;
  bool regular = known && S_ISREG(st.st_mode);
  if (known && S_ISDIR(st.st_mode)) {
    error = quote(path) + " is a directory";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + quote(path) + ": " + std::strerror(errno);
    return false;
  }
  bytes.clear();
  std::vector<char> chunk(size_t(1) << 20);
  while (in.read(chunk.data(), std::streamsize(chunk.size())) ||
         in.gcount() > 0) {
    bytes.append(chunk.data(), size_t(in.gcount()));
    if (!regular && bytes.size() > kMaxStreamBytes) {
      error = quote(path) + " is not a regular file and gives more than " +
              std::to_string(kMaxStreamBytes >> 20) + " MiB";
      return false;
    }
  }
  if (in.bad()) {
    error = "cannot read " + quote(path) + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool writeFile(const std::string &path, const std::string &bytes,
               std::string &error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = "cannot write " + quote(path) + ": " + std::strerror(errno);
    return false;
  }
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    error = "cannot write " + quote(path) + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// The .npy header: a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
//===----------------------------------------------------------------------===//

class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : text(text) {}

  bool parse(std::string &descr, bool &fortranOrder,
             std::vector<int64_t> &shape, std::string &error) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return fail("the header is not a dict", error);
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail("expected a quoted key in the header", error);
      skipSpace();
      if (!consume(':'))
        return fail("expected ':' after '" + key + "' in the header", error);
      skipSpace();
      if (key == "descr") {
        if (!parseString(descr))
          return fail("'descr' is not a string (structured dtypes are not "
                      "supported)",
                      error);
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("True"))
          fortranOrder = true;
        else if (consumeWord("False"))
          fortranOrder = false;
        else
          return fail("'fortran_order' is not True or False", error);
        haveOrder = true;
      } else if (key == "shape") {
        if (!parseShape(shape))
          return fail("'shape' is not a tuple of non-negative integers", error);
        haveShape = true;
      } else {
        return fail("unexpected key '" + key + "' in the header", error);
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return fail("expected ',' or '}' in the header", error);
    }
    if (!haveDescr || !haveOrder || !haveShape)
      return fail("the header lacks '" +
                      std::string(!haveDescr   ? "descr"
                                  : !haveOrder ? "fortran_order"
                                               : "shape") +
                      "'",
                  error);
    return true;
  }

private:
  bool fail(const std::string &msg, std::string &error) {
    error = "bad .npy header: " + msg;
    return false;
  }
  void skipSpace() {
    while (pos < text.size() &&
           std::isspace(static_cast<unsigned char>(text[pos])))
      ++pos;
  }
  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool consumeWord(const char *word) {
    size_t n = std::strlen(word);
    if (text.compare(pos, n, word) != 0)
      return false;
    pos += n;
    return true;
  }
  bool parseString(std::string &out) {
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return false;
    char q = text[pos++];
    size_t end = text.find(q, pos);
    if (end == std::string::npos)
      return false;
    out = text.substr(pos, end - pos);
    pos = end + 1;
    return true;
  }
  bool parseShape(std::vector<int64_t> &shape) {
    shape.clear();
    if (!consume('('))
      return false;
    while (true) {
      skipSpace();
      if (consume(')'))
        return true;
      if (pos >= text.size() ||
          !std::isdigit(static_cast<unsigned char>(text[pos])))
        return false;
      int64_t v = 0;
      while (pos < text.size() &&
             std::isdigit(static_cast<unsigned char>(text[pos]))) {
        int digit = text[pos++] - '0';
        if (v > (std::numeric_limits<int64_t>::max() - digit) / 10)
          return false;
        v = v * 10 + digit;
      }
      // Python 2 longs: 3L.
      consume('L');
      shape.push_back(v);
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume(')'))
        return true;
      return false;
    }
  }

  const std::string &text;
  size_t pos = 0;
};

bool parseDescr(const std::string &descr, DType &dtype, std::string &error) {
  std::string d = descr;
  // One-byte and native-order spellings that mean little-endian here.
  if (!d.empty() && (d[0] == '=' || d[0] == '|'))
    d[0] = '<';
  if (d == "<f4")
    dtype = DType::F32;
  else if (d == "<f8")
    dtype = DType::F64;
  else if (d == "<i4")
    dtype = DType::I32;
  else if (d == "<i8")
    dtype = DType::I64;
  else if (!d.empty() && d[0] == '>')
    error = "big-endian dtype '" + descr +
            "' is not supported (use a little-endian array: "
            "a.astype(a.dtype.newbyteorder('<')))";
  else
    error = "unsupported dtype '" + descr +
            "' (supported: float32 '<f4', float64 '<f8', int32 '<i4', "
            "int64 '<i8')";
  return error.empty();
}

uint16_t get16(const char *p) {
  const unsigned char *u = reinterpret_cast<const unsigned char *>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}
uint32_t get32(const char *p) {
  const unsigned char *u = reinterpret_cast<const unsigned char *>(p);
  return uint32_t(u[0]) | (uint32_t(u[1]) << 8) | (uint32_t(u[2]) << 16) |
         (uint32_t(u[3]) << 24);
}
uint64_t get64(const char *p) {
  return uint64_t(get32(p)) | (uint64_t(get32(p + 4)) << 32);
}
void put16(std::string &s, uint16_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>(v >> 8));
}
void put32(std::string &s, uint32_t v) {
  put16(s, static_cast<uint16_t>(v & 0xffff));
  put16(s, static_cast<uint16_t>(v >> 16));
}
void put64(std::string &s, uint64_t v) {
  put32(s, static_cast<uint32_t>(v & 0xffffffffu));
  put32(s, static_cast<uint32_t>(v >> 32));
}

uint32_t crc32(const char *data, size_t size) {
  static uint32_t table[256];
  static bool init = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return true;
  }();
  (void)init;
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i)
    c = table[(c ^ static_cast<unsigned char>(data[i])) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

} // namespace

//===----------------------------------------------------------------------===//
// Arrays
//===----------------------------------------------------------------------===//

const char *lds::npy::getDTypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "float32";
  case DType::F64:
    return "float64";
  case DType::I32:
    return "int32";
  case DType::I64:
    return "int64";
  }
  return "?";
}

size_t lds::npy::getItemSize(DType dtype) {
  return dtype == DType::F32 || dtype == DType::I32 ? 4 : 8;
}

static const char *getDescr(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  }
  return "?";
}

std::string lds::npy::formatShape(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

int64_t Array::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double Array::getDouble(int64_t i) const {
  const char *p = data.data() + i * getItemSize(dtype);
  switch (dtype) {
  case DType::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case DType::F64: {
    double d;
    std::memcpy(&d, p, 8);
    return d;
  }
  default:
    return static_cast<double>(getInt(i));
  }
}

int64_t Array::getInt(int64_t i) const {
  const char *p = data.data() + i * getItemSize(dtype);
  if (dtype == DType::I32) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  if (dtype == DType::I64) {
    int64_t v;
    std::memcpy(&v, p, 8);
    return v;
  }
  return static_cast<int64_t>(getDouble(i));
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

bool lds::npy::parseNpy(const char *bytes, size_t size, Array &out,
                        std::string &error) {
  if (!isLittleEndianHost()) {
    error = "this reader needs a little-endian host";
    return false;
  }
  if (size == 0) {
    error = "the file is empty";
    return false;
  }
  if (size < kMagicSize + 2 || std::memcmp(bytes, kMagic, kMagicSize) != 0) {
    error = "not a .npy file (no \\x93NUMPY magic)";
    return false;
  }
  unsigned major = static_cast<unsigned char>(bytes[6]);
  unsigned minor = static_cast<unsigned char>(bytes[7]);
  size_t headerLen, pos;
  if (major == 1) {
    if (size < 10) {
      error = "truncated .npy header";
      return false;
    }
    headerLen = get16(bytes + 8);
    pos = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerLen = get32(bytes + 8);
    pos = 12;
  } else {
    error = "unsupported .npy format version " + std::to_string(major) + "." +
            std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)";
    return false;
  }
  if (headerLen > size - pos) {
    error = "truncated .npy header";
    return false;
  }
  std::string header(bytes + pos, headerLen);
  pos += headerLen;

  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  if (!HeaderParser(header).parse(descr, fortranOrder, shape, error))
    return false;
  DType dtype = DType::F64;
  if (!parseDescr(descr, dtype, error))
    return false;
  if (fortranOrder) {
    error = "Fortran-order arrays are not supported: save a C-order array "
            "(numpy.ascontiguousarray)";
    return false;
  }
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d != 0 && count > (uint64_t(1) << 60) / uint64_t(d)) {
      error = "shape " + formatShape(shape) + " is too large";
      return false;
    }
    count *= uint64_t(d);
  }
  uint64_t dataBytes = count * getItemSize(dtype);
  if (dataBytes > size - pos) {
    error = "truncated data: shape " + formatShape(shape) + " of " +
            getDTypeName(dtype) + " needs " + std::to_string(dataBytes) +
            " bytes, the file has " + std::to_string(size - pos);
    return false;
  }
  if (dataBytes < size - pos) {
    error = std::to_string(size - pos - dataBytes) +
            " unexpected bytes after the data of shape " + formatShape(shape) +
            " (an object array or a corrupt file?)";
    return false;
  }
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.data.assign(bytes + pos, bytes + pos + dataBytes);
  return true;
}

bool lds::npy::readNpy(const std::string &path, Array &out,
                       std::string &error) {
  std::string bytes;
  if (!readFile(path, bytes, error))
    return false;
  if (!parseNpy(bytes.data(), bytes.size(), out, error)) {
    error = quote(path) + ": " + error;
    return false;
  }
  return true;
}

std::string lds::npy::serializeNpy(const Array &array) {
  std::string header =
      std::string("{'descr': '") + getDescr(array.dtype) +
      "', 'fortran_order': False, 'shape': " + formatShape(array.shape) + ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary; the
  // header ends in a newline.
  bool v2 = header.size() + 1 + 10 > 65535;
  size_t prefix = v2 ? 12 : 10;
  size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic, kMagicSize);
  out.push_back(static_cast<char>(v2 ? 2 : 1));
  out.push_back(0);
  if (v2)
    put32(out, static_cast<uint32_t>(header.size()));
  else
    put16(out, static_cast<uint16_t>(header.size()));
  out += header;
  out.append(array.data.data(), array.data.size());
  return out;
}

bool lds::npy::writeNpy(const std::string &path, const Array &array,
                        std::string &error) {
  return writeFile(path, serializeNpy(array), error);
}

//===----------------------------------------------------------------------===//
// .npz
//===----------------------------------------------------------------------===//

namespace {
constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22;
constexpr uint32_t k32Max = 0xFFFFFFFFu;
} // namespace

bool lds::npy::readNpz(const std::string &path, std::vector<NamedArray> &out,
                       std::string &error) {
  std::string bytes;
  if (!readFile(path, bytes, error))
    return false;
  return parseNpz(bytes.data(), bytes.size(), path, out, error);
}

bool lds::npy::parseNpz(const char *base, size_t size, const std::string &path,
                        std::vector<NamedArray> &out, std::string &error) {
  auto fail = [&](const std::string &msg) {
    error = quote(path) + ": " + msg;
    return false;
  };
  if (size == 0)
    return fail("the file is empty");
  if (size >= kMagicSize && std::memcmp(base, kMagic, kMagicSize) == 0)
    return fail("this is a .npy file, not an .npz archive");
  // An archive starts with its first entry, or is only an end record.
  if (size < 4 || (get32(base) != kLocalSig && get32(base) != kEndSig))
    return fail("not an .npz file (not a ZIP archive)");

  // The end of central directory record, at most 64 KiB of comment from the
  // end.
  size_t end = std::string::npos;
  if (size >= kEndSize) {
    size_t lowest = size - kEndSize >= 65535 ? size - kEndSize - 65535 : 0;
    for (size_t p = size - kEndSize + 1; p-- > lowest;)
      if (get32(base + p) == kEndSig) {
        end = p;
        break;
      }
  }
  if (end == std::string::npos)
    return fail("not an .npz file (no ZIP end record; truncated?)");
  uint64_t entries = get16(base + end + 10);
  uint64_t cdSize = get32(base + end + 12);
  uint64_t cdOffset = get32(base + end + 16);
  if (entries == 0xFFFF || cdSize == k32Max || cdOffset == k32Max) {
    // ZIP64: a locator right before the end record points at the ZIP64 end
    // record.
    if (end < 20 || get32(base + end - 20) != kEnd64LocatorSig)
      return fail("corrupt ZIP archive (no ZIP64 end record locator)");
    uint64_t end64 = get64(base + end - 20 + 8);
    if (end64 > size || size - end64 < 56 || get32(base + end64) != kEnd64Sig)
      return fail("corrupt ZIP archive (bad ZIP64 end record)");
    entries = get64(base + end64 + 32);
    cdSize = get64(base + end64 + 40);
    cdOffset = get64(base + end64 + 48);
  }
  if (cdOffset > size || cdSize > size - cdOffset)
    return fail("corrupt ZIP archive (central directory out of bounds)");

  out.clear();
  uint64_t p = cdOffset;
  for (uint64_t e = 0; e < entries; ++e) {
    if (size - p < kCentralSize || get32(base + p) != kCentralSig)
      return fail("corrupt ZIP archive (bad central directory entry)");
    const char *c = base + p;
    uint16_t flags = get16(c + 8);
    uint16_t method = get16(c + 10);
    uint32_t crc = get32(c + 16);
    uint64_t compSize = get32(c + 20);
    uint64_t rawSize = get32(c + 24);
    uint16_t nameLen = get16(c + 28), extraLen = get16(c + 30),
             commentLen = get16(c + 32);
    uint64_t localOffset = get32(c + 42);
    if (size - p < kCentralSize + nameLen + extraLen + commentLen)
      return fail("corrupt ZIP archive (bad central directory entry)");
    std::string name(c + kCentralSize, nameLen);
    // ZIP64 extra field: the 8-byte values of the fields that are 0xFFFFFFFF.
    const char *x = c + kCentralSize + nameLen;
    for (size_t q = 0; q + 4 <= extraLen;) {
      uint16_t id = get16(x + q), len = get16(x + q + 2);
      if (q + 4 + len > extraLen)
        break;
      if (id == 0x0001) {
        const char *v = x + q + 4;
        size_t left = len;
        auto take = [&](uint64_t &field) {
          if (field != k32Max)
            return;
          if (left >= 8) {
            field = get64(v);
            v += 8;
            left -= 8;
          }
        };
        take(rawSize);
        take(compSize);
        take(localOffset);
      }
      q += 4 + len;
    }
    p += kCentralSize + nameLen + extraLen + commentLen;

    // Errors name an array by its name in numpy.load's result.
    bool isArray =
        name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0;
    std::string entry =
        quote(path) + (isArray
                           ? ": array " + quote(name.substr(0, name.size() - 4))
                           : ": entry " + quote(name));
    if (flags & 1) {
      error = entry + ": encrypted entries are not supported";
      return false;
    }
    if (method == 8 || method == 12 || method == 14 || method == 9) {
      error = entry + ": compressed .npz entries are not supported; save with "
                      "numpy.savez";
      return false;
    }
    if (method != 0) {
      error = entry + ": unsupported ZIP compression method " +
              std::to_string(method);
      return false;
    }
    if (localOffset > size || size - localOffset < kLocalSize ||
        get32(base + localOffset) != kLocalSig) {
      error = entry + ": corrupt ZIP archive (bad local header)";
      return false;
    }
    uint64_t dataOffset = localOffset + kLocalSize +
                          get16(base + localOffset + 26) +
                          get16(base + localOffset + 28);
    if (dataOffset > size || compSize > size - dataOffset ||
        compSize != rawSize) {
      error = entry + ": corrupt ZIP archive (entry out of bounds)";
      return false;
    }
    const char *data = base + dataOffset;
    if (crc32(data, compSize) != crc) {
      error = entry + ": corrupt ZIP archive (CRC mismatch)";
      return false;
    }
    if (!isArray) {
      error = entry + ": not a .npy array";
      return false;
    }
    NamedArray named;
    named.name = name.substr(0, name.size() - 4);
    if (!parseNpy(data, compSize, named.array, error)) {
      error = entry + ": " + error;
      return false;
    }
    for (const NamedArray &other : out)
      if (other.name == named.name) {
        error = quote(path) + ": array " + quote(named.name) + " appears twice";
        return false;
      }
    out.push_back(std::move(named));
  }
  return true;
}

bool lds::npy::writeNpz(const std::string &path,
                        const std::vector<NamedArray> &arrays,
                        std::string &error) {
  std::string zip, central;
  // DOS date 1980-01-01, time 00:00 (as zipfile writes for a zero
  // timestamp).
  const uint16_t kTime = 0, kDate = (0 << 9) | (1 << 5) | 1;
  for (const NamedArray &named : arrays) {
    std::string name = named.name + ".npy";
    std::string data = serializeNpy(named.array);
    uint32_t crc = crc32(data.data(), data.size());
    uint64_t offset = zip.size();
    bool big = data.size() >= k32Max || offset >= k32Max;
    std::string extra;
    if (big) {
      put16(extra, 0x0001);
      put16(extra, 16);
      put64(extra, data.size());
      put64(extra, data.size());
    }
    put32(zip, kLocalSig);
    put16(zip, big ? 45 : 20);
    put16(zip, 0); // flags
    put16(zip, 0); // stored
    put16(zip, kTime);
    put16(zip, kDate);
    put32(zip, crc);
    put32(zip, big ? k32Max : static_cast<uint32_t>(data.size()));
    put32(zip, big ? k32Max : static_cast<uint32_t>(data.size()));
    put16(zip, static_cast<uint16_t>(name.size()));
    put16(zip, static_cast<uint16_t>(extra.size()));
    zip += name;
    zip += extra;
    zip += data;

    std::string cextra;
    if (big) {
      put16(cextra, 0x0001);
      put16(cextra, 24);
      put64(cextra, data.size());
      put64(cextra, data.size());
      put64(cextra, offset);
    }
    put32(central, kCentralSig);
    put16(central, big ? 45 : 20); // made by
    put16(central, big ? 45 : 20); // needed
    put16(central, 0);
    put16(central, 0);
    put16(central, kTime);
    put16(central, kDate);
    put32(central, crc);
    put32(central, big ? k32Max : static_cast<uint32_t>(data.size()));
    put32(central, big ? k32Max : static_cast<uint32_t>(data.size()));
    put16(central, static_cast<uint16_t>(name.size()));
    put16(central, static_cast<uint16_t>(cextra.size()));
    put16(central, 0); // comment
    put16(central, 0); // disk
    put16(central, 0); // internal attributes
    put32(central, 0); // external attributes
    put32(central, big ? k32Max : static_cast<uint32_t>(offset));
    central += name;
    central += cextra;
  }
  uint64_t cdOffset = zip.size();
  zip += central;
  bool big =
      cdOffset >= k32Max || central.size() >= k32Max || arrays.size() >= 0xFFFF;
  if (big) {
    uint64_t end64 = zip.size();
    put32(zip, kEnd64Sig);
    put64(zip, 44);
    put16(zip, 45);
    put16(zip, 45);
    put32(zip, 0);
    put32(zip, 0);
    put64(zip, arrays.size());
    put64(zip, arrays.size());
    put64(zip, central.size());
    put64(zip, cdOffset);
    put32(zip, kEnd64LocatorSig);
    put32(zip, 0);
    put64(zip, end64);
    put32(zip, 1);
  }
  put32(zip, kEndSig);
  put16(zip, 0);
  put16(zip, 0);
  uint16_t count = big ? 0xFFFF : static_cast<uint16_t>(arrays.size());
  put16(zip, count);
  put16(zip, count);
  put32(zip, big ? k32Max : static_cast<uint32_t>(central.size()));
  put32(zip, big ? k32Max : static_cast<uint32_t>(cdOffset));
  put16(zip, 0);
  return writeFile(path, zip, error);
}
