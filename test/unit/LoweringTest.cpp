//===- LoweringTest.cpp - lowered lds functions, JIT-compiled and run -----===//
//
// Each test writes func.funcs of lds ops by hand, lowers them with the CPU
// pipeline (lds::lowerToLLVMDialect), JIT-compiles them and compares what
// they compute with straightforward C++ reference code (plain loops, <cmath>),
// so that a lowering bug shows up as a wrong number, whatever IR it produced.
// Every test runs for f32 and f64.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/JIT.h"
#include "lds/Conversion/LowerToLLVM.h"
#include "lds/Dialect/LDSDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Parser/Parser.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T> struct Precision;
template <> struct Precision<float> {
  static constexpr const char *name = "f32";
  // The references compute in double; f32 results differ by rounding only.
  static constexpr double rtol = 1e-5, atol = 1e-6;
};
template <> struct Precision<double> {
  static constexpr const char *name = "f64";
  // Tight enough to catch an approximated transcendental (e.g. log1p(x)
  // computed as log(1 + x) is off by ~1e-8 relative at x = 1e-8).
  static constexpr double rtol = 1e-13, atol = 1e-14;
};

struct TypeNames {
  template <typename T> static std::string GetName(int) {
    return Precision<T>::name;
  }
};

template <typename T> class LoweringTest : public ::testing::Test {
protected:
  LoweringTest() {
    context.loadDialect<lds::LDSDialect, mlir::func::FuncDialect>();
  }

  /// Parses `source` with every `$T` replaced by the float type under test,
  /// lowers it to the LLVM dialect and JIT-compiles it. Null, with a test
  /// failure recorded, on any error.
  std::unique_ptr<lds::JIT>
  compile(std::string source, const lds::LowerToLLVMOptions &options = {}) {
    const std::string type = Precision<T>::name;
    for (size_t pos = source.find("$T"); pos != std::string::npos;
         pos = source.find("$T", pos + type.size()))
      source.replace(pos, 2, type);
    module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
    if (!module) {
      ADD_FAILURE() << "failed to parse:\n" << source;
      return nullptr;
    }
    if (mlir::failed(lds::lowerToLLVMDialect(*module, options))) {
      ADD_FAILURE() << "failed to lower:\n" << source;
      return nullptr;
    }
    auto jit = lds::JIT::create(*module);
    if (!jit) {
      ADD_FAILURE() << "failed to JIT: " << llvm::toString(jit.takeError());
      return nullptr;
    }
    return std::move(*jit);
  }

  /// Calls `name` with one buffer per argument: inputs, then outputs.
  template <typename... Buffers>
  static void call(lds::JIT &jit, const std::string &name,
                   Buffers &...buffers) {
    llvm::Error error =
        jit.invoke(name, {static_cast<void *>(buffers.data())...});
    if (error)
      ADD_FAILURE() << "calling @" << name << ": "
                    << llvm::toString(std::move(error));
  }

  static std::vector<T> values(std::initializer_list<double> list) {
    return std::vector<T>(list.begin(), list.end());
  }

  /// |got - want| <= atol + rtol |want|, with the precision's rtol; NaN and
  /// infinities must match exactly.
  static void expectClose(T got, double want, const std::string &what,
                          double atol = Precision<T>::atol) {
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << what << ": got " << got << ", want NaN";
      return;
    }
    if (std::isinf(want)) {
      EXPECT_EQ(static_cast<double>(got), want) << what;
      return;
    }
    double tolerance = atol + Precision<T>::rtol * std::abs(want);
    EXPECT_NEAR(static_cast<double>(got), want, tolerance) << what;
  }

  static void expectClose(const std::vector<T> &got,
                          const std::vector<double> &want,
                          const std::string &what,
                          double atol = Precision<T>::atol) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i)
      expectClose(got[i], want[i], what + "[" + std::to_string(i) + "]", atol);
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(LoweringTest, FloatTypes, TypeNames);

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

double sigmoidRef(double x) { return 1.0 / (1.0 + std::exp(-x)); }
// The naive formula is exact enough in double for |x| <= 100.
double softplusRef(double x) { return std::log1p(std::exp(x)); }
double reluRef(double x) { return x > 0 ? x : 0.0; }
double negRef(double x) { return -x; }
double absRef(double x) { return std::abs(x); }

struct UnaryCase {
  const char *op;
  double (*ref)(double);
  std::vector<double> inputs; // 8 values within the op's domain
};

const std::vector<double> kAnyReal = {-3.5, -1.25, -0.5, 0.0,
                                      0.3,  1.7,   4.2,  9.0};
const std::vector<double> kPositive = {1e-3, 0.01, 0.5,   1.0,
                                       2.5,  10.0, 123.4, 1e6};

const UnaryCase kUnaryCases[] = {
    {"neg", negRef, kAnyReal},
    {"tanh", [](double x) { return std::tanh(x); }, kAnyReal},
    {"sigmoid", sigmoidRef, {-100, -30, -3.5, -0.5, 0.0, 0.5, 30, 100}},
    {"exp", [](double x) { return std::exp(x); }, kAnyReal},
    {"log", [](double x) { return std::log(x); }, kPositive},
    {"log1p",
     [](double x) { return std::log1p(x); },
     {-0.9, -0.5, -1e-8, 0.0, 1e-10, 1e-8, 0.7, 5.0}},
    {"softplus", softplusRef, {-100, -30, -3.5, -0.5, 0.0, 0.5, 30, 100}},
    {"relu", reluRef, kAnyReal},
    {"sqrt", [](double x) { return std::sqrt(x); }, kPositive},
    {"abs", absRef, kAnyReal},
    {"sin", [](double x) { return std::sin(x); }, kAnyReal},
    {"cos", [](double x) { return std::cos(x); }, kAnyReal},
};

TYPED_TEST(LoweringTest, EveryUnaryOp) {
  using T = TypeParam;
  std::string source;
  for (const UnaryCase &c : kUnaryCases)
    source += std::string("func.func @op_") + c.op +
              "(%x: tensor<8x$T>) -> tensor<8x$T> {\n"
              "  %0 = lds." +
              c.op +
              " %x : tensor<8x$T>\n"
              "  return %0 : tensor<8x$T>\n"
              "}\n";
  // The functions are named op_<op>: a function named like a libm function
  // (@tanh) would be taken for it by math-to-libm.
  auto jit = this->compile(source);
  ASSERT_TRUE(jit);
  for (const UnaryCase &c : kUnaryCases) {
    std::vector<T> x(c.inputs.begin(), c.inputs.end()), out(8);
    this->call(*jit, std::string("op_") + c.op, x, out);
    std::vector<double> want;
    for (T v : x)
      want.push_back(c.ref(static_cast<double>(v)));
    // In f64 the results come straight from libm-accurate code: check them
    // relative to their size only, so that tiny results (log1p(1e-10)) are
    // checked as strictly as large ones.
    double atol = std::is_same_v<T, double> ? 0.0 : Precision<T>::atol;
    this->expectClose(out, want, c.op, atol);
  }
}

struct BinaryCase {
  const char *op;
  double (*ref)(double, double);
};

const BinaryCase kBinaryCases[] = {
    {"add", [](double a, double b) { return a + b; }},
    {"sub", [](double a, double b) { return a - b; }},
    {"mul", [](double a, double b) { return a * b; }},
    {"div", [](double a, double b) { return a / b; }},
    {"max", [](double a, double b) { return a > b ? a : b; }},
    {"min", [](double a, double b) { return a < b ? a : b; }},
    {"pow", [](double a, double b) { return std::pow(a, b); }},
};

TYPED_TEST(LoweringTest, EveryBinaryOpOnMatrices) {
  using T = TypeParam;
  std::string source;
  for (const BinaryCase &c : kBinaryCases)
    source += std::string("func.func @op_") + c.op +
              "(%a: tensor<2x3x$T>, %b: tensor<2x3x$T>) -> tensor<2x3x$T> {\n"
              "  %0 = lds." +
              c.op +
              " %a, %b : tensor<2x3x$T>\n"
              "  return %0 : tensor<2x3x$T>\n"
              "}\n";
  auto jit = this->compile(source);
  ASSERT_TRUE(jit);
  // pow gets positive bases; the others mixed signs and one equal pair.
  std::vector<T> a = this->values({-2.5, -0.75, 0.0, 1.5, 3.25, 7.0});
  std::vector<T> positive = this->values({0.5, 1.25, 2.0, 3.5, 0.1, 10.0});
  std::vector<T> b = this->values({1.5, -0.75, 2.0, -4.0, 0.5, 7.5});
  for (const BinaryCase &c : kBinaryCases) {
    std::vector<T> lhs = std::string(c.op) == "pow" ? positive : a, out(6);
    this->call(*jit, std::string("op_") + c.op, lhs, b, out);
    std::vector<double> want;
    for (size_t i = 0; i < 6; ++i)
      want.push_back(c.ref(lhs[i], b[i]));
    this->expectClose(out, want, c.op);
  }
}

TYPED_TEST(LoweringTest, RankZeroChain) {
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @scalar(%a: tensor<$T>, %b: tensor<$T>)
        -> (tensor<$T>, tensor<$T>) {
      %0 = lds.mul %a, %b : tensor<$T>
      %1 = lds.sin %0 : tensor<$T>
      %2 = lds.add %1, %a : tensor<$T>
      %3 = lds.sqrt %b : tensor<$T>
      return %2, %3 : tensor<$T>, tensor<$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> a = {T(0.75)}, b = {T(2.5)}, r0(1), r1(1);
  this->call(*jit, "scalar", a, b, r0, r1);
  this->expectClose(r0[0], std::sin(0.75 * 2.5) + 0.75, "sin(a*b)+a");
  this->expectClose(r1[0], std::sqrt(2.5), "sqrt(b)");
}

TYPED_TEST(LoweringTest, CompareAndSelect) {
  using T = TypeParam;
  const char *predicates[] = {"lt", "le", "gt", "ge", "eq", "ne"};
  std::string source;
  for (const char *p : predicates)
    source += std::string("func.func @") + p +
              "(%a: tensor<6x$T>, %b: tensor<6x$T>) -> tensor<6x$T> {\n"
              "  %c = lds.cmp " +
              p +
              ", %a, %b : tensor<6x$T> -> tensor<6xi1>\n"
              "  %r = lds.select %c, %a, %b : tensor<6xi1>, tensor<6x$T>\n"
              "  return %r : tensor<6x$T>\n"
              "}\n";
  // A scalar condition broadcast to a vector (i1 buffers of rank 0 and 1).
  source += R"(
    func.func @scalar_cond(%s: tensor<$T>, %t: tensor<$T>, %a: tensor<3x$T>,
                           %b: tensor<3x$T>) -> tensor<3x$T> {
      %c = lds.cmp gt, %s, %t : tensor<$T> -> tensor<i1>
      %cb = lds.broadcast %c : tensor<i1> -> tensor<3xi1>
      %r = lds.select %cb, %a, %b : tensor<3xi1>, tensor<3x$T>
      return %r : tensor<3x$T>
    })";
  auto jit = this->compile(source);
  ASSERT_TRUE(jit);
  std::vector<T> a = this->values({1.0, 2.0, 3.0, -1.0, 0.0, 5.5});
  std::vector<T> b = this->values({2.0, 2.0, 1.0, -1.0, -0.5, 6.0});
  auto holds = [](const std::string &p, double x, double y) {
    if (p == "lt")
      return x < y;
    if (p == "le")
      return x <= y;
    if (p == "gt")
      return x > y;
    if (p == "ge")
      return x >= y;
    if (p == "eq")
      return x == y;
    return x != y;
  };
  for (const char *p : predicates) {
    std::vector<T> out(6);
    this->call(*jit, p, a, b, out);
    std::vector<double> want;
    for (size_t i = 0; i < 6; ++i)
      want.push_back(holds(p, a[i], b[i]) ? a[i] : b[i]);
    this->expectClose(out, want, p);
  }
  std::vector<T> x = this->values({1, 2, 3}), y = this->values({4, 5, 6});
  for (double s : {1.0, -1.0}) {
    std::vector<T> sv = {T(s)}, tv = {T(0)}, out(3);
    this->call(*jit, "scalar_cond", sv, tv, x, y, out);
    std::vector<double> want(x.begin(), x.end());
    if (s <= 0)
      want.assign(y.begin(), y.end());
    this->expectClose(out, want, "scalar_cond");
  }
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

TYPED_TEST(LoweringTest, Broadcasts) {
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @bcast(%s: tensor<$T>, %v: tensor<3x$T>, %m: tensor<2x3x$T>)
        -> (tensor<2x3x$T>, tensor<3x4x$T>, tensor<2x3x2x$T>) {
      %0 = lds.broadcast %s : tensor<$T> -> tensor<2x3x$T>
      %1 = lds.add %0, %m : tensor<2x3x$T>
      %2 = lds.broadcast %v : tensor<3x$T> -> tensor<3x4x$T>
      %3 = lds.broadcast %m : tensor<2x3x$T> -> tensor<2x3x2x$T>
      return %1, %2, %3 : tensor<2x3x$T>, tensor<3x4x$T>, tensor<2x3x2x$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> s = {T(0.5)}, v = this->values({1, -2, 3});
  std::vector<T> m = this->values({1, 2, 3, 4, 5, 6});
  std::vector<T> r0(6), r1(12), r2(12);
  this->call(*jit, "bcast", s, v, m, r0, r1, r2);
  std::vector<double> w0, w1, w2;
  for (int i = 0; i < 6; ++i)
    w0.push_back(0.5 + m[i]);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      w1.push_back(v[i]);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k)
        w2.push_back(m[i * 3 + j]);
  this->expectClose(r0, w0, "scalar to 2-D");
  this->expectClose(r1, w1, "vector to 2-D");
  this->expectClose(r2, w2, "matrix to 3-D");
}

TYPED_TEST(LoweringTest, SliceExtractTransposeConcat) {
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @move(%m: tensor<3x4x$T>, %v: tensor<6x$T>, %u: tensor<1x$T>)
        -> (tensor<3x$T>, tensor<4x$T>, tensor<$T>, tensor<4x3x$T>,
            tensor<2x4x$T>, tensor<8x$T>) {
      %0 = lds.slice %v [2 : 5] : tensor<6x$T> -> tensor<3x$T>
      %1 = lds.extract %m [1] : tensor<3x4x$T> -> tensor<4x$T>
      %2 = lds.extract %v [5] : tensor<6x$T> -> tensor<$T>
      %3 = lds.transpose %m : tensor<3x4x$T> -> tensor<4x3x$T>
      %4 = lds.slice %m [1 : 3] : tensor<3x4x$T> -> tensor<2x4x$T>
      %5 = lds.concat %1, %u, %0
          : tensor<4x$T>, tensor<1x$T>, tensor<3x$T> -> tensor<8x$T>
      return %0, %1, %2, %3, %4, %5 : tensor<3x$T>, tensor<4x$T>, tensor<$T>,
          tensor<4x3x$T>, tensor<2x4x$T>, tensor<8x$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> m(12), v = this->values({10, 11, 12, 13, 14, 15});
  for (int i = 0; i < 12; ++i)
    m[i] = T(i) * T(0.5) - T(2);
  std::vector<T> u = {T(-7)};
  std::vector<T> slice(3), row(4), element(1), transposed(12), rows(8),
      joined(8);
  this->call(*jit, "move", m, v, u, slice, row, element, transposed, rows,
             joined);
  std::vector<double> wSlice, wRow, wTransposed, wRows, wJoined;
  for (int i = 2; i < 5; ++i)
    wSlice.push_back(v[i]);
  for (int j = 0; j < 4; ++j)
    wRow.push_back(m[1 * 4 + j]);
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 3; ++i)
      wTransposed.push_back(m[i * 4 + j]);
  for (int i = 4; i < 12; ++i)
    wRows.push_back(m[i]);
  wJoined = wRow;
  wJoined.push_back(u[0]);
  wJoined.insert(wJoined.end(), wSlice.begin(), wSlice.end());
  this->expectClose(slice, wSlice, "slice");
  this->expectClose(row, wRow, "extract row");
  this->expectClose(element[0], v[5], "extract element");
  this->expectClose(transposed, wTransposed, "transpose");
  this->expectClose(rows, wRows, "slice of rows");
  this->expectClose(joined, wJoined, "concat");
}

TYPED_TEST(LoweringTest, DiagDiagPartAndMatrixConcat) {
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @diags(%v: tensor<3x$T>, %m: tensor<3x4x$T>, %r: tensor<1x4x$T>)
        -> (tensor<3x3x$T>, tensor<3x$T>, tensor<3x$T>, tensor<3x$T>,
            tensor<4x4x$T>) {
      %0 = lds.diag %v : tensor<3x$T> -> tensor<3x3x$T>
      %1 = lds.diag_part %m [0] : tensor<3x4x$T> -> tensor<3x$T>
      %2 = lds.diag_part %m [2] : tensor<3x4x$T> -> tensor<3x$T>
      %3 = lds.diag_part %m [-2] : tensor<3x4x$T> -> tensor<3x$T>
      %4 = lds.concat %r, %m : tensor<1x4x$T>, tensor<3x4x$T> -> tensor<4x4x$T>
      return %0, %1, %2, %3, %4 : tensor<3x3x$T>, tensor<3x$T>, tensor<3x$T>,
          tensor<3x$T>, tensor<4x4x$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> v = this->values({2, -3, 0.5}), m(12),
                 r = this->values({9, 8, 7, 6});
  for (int i = 0; i < 12; ++i)
    m[i] = T(i + 1);
  std::vector<T> d(9), p0(3), p2(3), pm2(3), joined(16);
  this->call(*jit, "diags", v, m, r, d, p0, p2, pm2, joined);
  std::vector<double> wD, wP0, wP2, wPm2, wJoined(r.begin(), r.end());
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      wD.push_back(i == j ? double(v[i]) : 0.0);
  // result[i] = m[i, i - offset], 0 outside the 4 columns.
  auto part = [&](int i, int offset) {
    int j = i - offset;
    return j >= 0 && j < 4 ? double(m[i * 4 + j]) : 0.0;
  };
  for (int i = 0; i < 3; ++i) {
    wP0.push_back(part(i, 0));
    wP2.push_back(part(i, 2));
    wPm2.push_back(part(i, -2));
  }
  wJoined.insert(wJoined.end(), m.begin(), m.end());
  this->expectClose(d, wD, "diag");
  this->expectClose(p0, wP0, "diag_part [0]");
  this->expectClose(p2, wP2, "diag_part [2]");
  this->expectClose(pm2, wPm2, "diag_part [-2]");
  this->expectClose(joined, wJoined, "concat of matrices");
}

TYPED_TEST(LoweringTest, GatherRank3ClampsIndex) {
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @pick(%P: tensor<4x2x3x$T>, %w: tensor<i32>) -> tensor<2x3x$T> {
      %0 = lds.gather %P [%w] : tensor<4x2x3x$T>, tensor<i32> -> tensor<2x3x$T>
      return %0 : tensor<2x3x$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> table(24);
  for (int i = 0; i < 24; ++i)
    table[i] = T(100 * (i / 6) + i % 6);
  for (int32_t index : {0, 2, 3, -5, 99}) {
    std::vector<int32_t> w = {index};
    std::vector<T> out(6);
    this->call(*jit, "pick", table, w, out);
    int32_t row = std::clamp(index, 0, 3);
    std::vector<double> want(table.begin() + row * 6,
                             table.begin() + row * 6 + 6);
    this->expectClose(out, want, "gather " + std::to_string(index));
  }
}

TYPED_TEST(LoweringTest, Constants) {
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @consts(%x: tensor<2x3x$T>) -> tensor<2x3x$T> {
      %k = lds.constant dense<[[1.0, -2.0, 3.0], [0.5, 0.25, -8.0]]>
          : tensor<2x3x$T>
      %h = lds.constant dense<0.5> : tensor<2x3x$T>
      %0 = lds.mul %x, %k : tensor<2x3x$T>
      %1 = lds.add %0, %h : tensor<2x3x$T>
      return %1 : tensor<2x3x$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> x = this->values({1, 2, 3, 4, 5, 6}), out(6);
  this->call(*jit, "consts", x, out);
  const double k[] = {1.0, -2.0, 3.0, 0.5, 0.25, -8.0};
  std::vector<double> want;
  for (int i = 0; i < 6; ++i)
    want.push_back(x[i] * k[i] + 0.5);
  this->expectClose(out, want, "x * k + 0.5");
}

//===----------------------------------------------------------------------===//
// Contractions and reductions
//===----------------------------------------------------------------------===//

TYPED_TEST(LoweringTest, MatmulAndDot) {
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @products(%a: tensor<2x3x$T>, %b: tensor<3x4x$T>,
                        %v: tensor<3x$T>)
        -> (tensor<2x4x$T>, tensor<2x$T>, tensor<$T>) {
      %0 = lds.matmul %a, %b : tensor<2x3x$T>, tensor<3x4x$T> -> tensor<2x4x$T>
      %1 = lds.matmul %a, %v : tensor<2x3x$T>, tensor<3x$T> -> tensor<2x$T>
      %2 = lds.dot %v, %v : tensor<3x$T> -> tensor<$T>
      return %0, %1, %2 : tensor<2x4x$T>, tensor<2x$T>, tensor<$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> a = this->values({1, -2, 0.5, 3, 0.25, -1});
  std::vector<T> b(12), v = this->values({0.5, -1.5, 2});
  for (int i = 0; i < 12; ++i)
    b[i] = T(i % 5) - T(1.75);
  std::vector<T> mm(8), mv(2), dot(1);
  this->call(*jit, "products", a, b, v, mm, mv, dot);
  std::vector<double> wMM(8, 0.0), wMV(2, 0.0);
  double wDot = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k)
        wMM[i * 4 + j] += double(a[i * 3 + k]) * b[k * 4 + j];
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k)
      wMV[i] += double(a[i * 3 + k]) * v[k];
  for (int k = 0; k < 3; ++k)
    wDot += double(v[k]) * v[k];
  this->expectClose(mm, wMM, "matrix-matrix");
  this->expectClose(mv, wMV, "matrix-vector");
  this->expectClose(dot[0], wDot, "dot");
}

TYPED_TEST(LoweringTest, Reductions) {
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @reduce(%m: tensor<2x3x$T>)
        -> (tensor<$T>, tensor<$T>, tensor<$T>, tensor<$T>) {
      %0 = lds.sum %m : tensor<2x3x$T> -> tensor<$T>
      %1 = lds.reduce_max %m : tensor<2x3x$T> -> tensor<$T>
      %2 = lds.reduce_min %m : tensor<2x3x$T> -> tensor<$T>
      %3 = lds.logsumexp %m : tensor<2x3x$T> -> tensor<$T>
      return %0, %1, %2, %3 : tensor<$T>, tensor<$T>, tensor<$T>, tensor<$T>
    }
    func.func @lse(%v: tensor<3x$T>) -> tensor<$T> {
      %0 = lds.logsumexp %v : tensor<3x$T> -> tensor<$T>
      return %0 : tensor<$T>
    }
    func.func @sum0(%s: tensor<$T>) -> tensor<$T> {
      %0 = lds.sum %s : tensor<$T> -> tensor<$T>
      return %0 : tensor<$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> m = this->values({0.5, -3, 2.25, 7, -0.125, 1});
  std::vector<T> sum(1), max(1), min(1), lse(1);
  this->call(*jit, "reduce", m, sum, max, min, lse);
  double wSum = 0, wMax = -kInf, wMin = kInf, wExp = 0;
  for (T x : m) {
    wSum += x;
    wMax = std::max<double>(wMax, x);
    wMin = std::min<double>(wMin, x);
    wExp += std::exp(double(x));
  }
  this->expectClose(sum[0], wSum, "sum");
  this->expectClose(max[0], wMax, "reduce_max");
  this->expectClose(min[0], wMin, "reduce_min");
  this->expectClose(lse[0], std::log(wExp), "logsumexp");

  // Large values do not overflow; all -inf gives -inf, a +inf gives +inf.
  struct {
    std::vector<double> in;
    double want;
  } lseCases[] = {
      {{80, 79.5, -kInf}, 80 + std::log1p(std::exp(-0.5))},
      {{-kInf, -kInf, -kInf}, -kInf},
      {{1, kInf, 2}, kInf},
  };
  for (auto &c : lseCases) {
    std::vector<T> in(c.in.begin(), c.in.end()), out(1);
    this->call(*jit, "lse", in, out);
    this->expectClose(out[0], c.want, "logsumexp special");
  }
  std::vector<T> s = {T(-4.5)}, out(1);
  this->call(*jit, "sum0", s, out);
  this->expectClose(out[0], -4.5, "sum of a scalar");
}

TYPED_TEST(LoweringTest, NaNPropagates) {
  // max/min/relu and the reductions must not hide a NaN from the runtime's
  // non-finite detection.
  using T = TypeParam;
  auto jit = this->compile(R"(
    func.func @nan(%a: tensor<2x$T>, %b: tensor<2x$T>)
        -> (tensor<2x$T>, tensor<2x$T>, tensor<2x$T>, tensor<$T>, tensor<$T>) {
      %0 = lds.max %a, %b : tensor<2x$T>
      %1 = lds.min %a, %b : tensor<2x$T>
      %2 = lds.relu %a : tensor<2x$T>
      %3 = lds.reduce_max %a : tensor<2x$T> -> tensor<$T>
      %4 = lds.reduce_min %a : tensor<2x$T> -> tensor<$T>
      return %0, %1, %2, %3, %4 : tensor<2x$T>, tensor<2x$T>, tensor<2x$T>,
          tensor<$T>, tensor<$T>
    })");
  ASSERT_TRUE(jit);
  std::vector<T> a = {T(kNaN), T(-1)}, b = {T(1), T(2)};
  std::vector<T> mx(2), mn(2), relu(2), rmax(1), rmin(1);
  this->call(*jit, "nan", a, b, mx, mn, relu, rmax, rmin);
  this->expectClose(mx, {kNaN, 2}, "max");
  this->expectClose(mn, {kNaN, -1}, "min");
  this->expectClose(relu, {kNaN, 0}, "relu");
  this->expectClose(rmax[0], kNaN, "reduce_max");
  this->expectClose(rmin[0], kNaN, "reduce_min");
}

//===----------------------------------------------------------------------===//
// Derived functions as the passes produce them
//===----------------------------------------------------------------------===//

TYPED_TEST(LoweringTest, DerivedStepBesideModel) {
  // An S5-like step x' = P[w] x and a tanh RNN step next to their lds.models
  // (which the pipeline drops), with the contract's attributes. The
  // out-parameter may alias the state: the result is copied out last.
  using T = TypeParam;
  auto jit = this->compile(R"(
    lds.model @s5 {
      %x = lds.state "x" : tensor<3x$T>
      %w = lds.input "w" : tensor<i32>
      %P = lds.param "P" : tensor<2x3x3x$T>
      %Pw = lds.gather %P [%w] : tensor<2x3x3x$T>, tensor<i32> -> tensor<3x3x$T>
      %0 = lds.matmul %Pw, %x : tensor<3x3x$T>, tensor<3x$T> -> tensor<3x$T>
      lds.yield %0 : tensor<3x$T>
    }
    func.func @s5_f(%x: tensor<3x$T> {lds.name = "x", lds.kind = "state"},
                    %w: tensor<i32> {lds.name = "w", lds.kind = "input"},
                    %P: tensor<2x3x3x$T> {lds.name = "P", lds.kind = "param"})
        -> tensor<3x$T> attributes {lds.model = @s5, lds.derived = "f"} {
      %Pw = lds.gather %P [%w] : tensor<2x3x3x$T>, tensor<i32> -> tensor<3x3x$T>
      %0 = lds.matmul %Pw, %x : tensor<3x3x$T>, tensor<3x$T> -> tensor<3x$T>
      return %0 : tensor<3x$T>
    }
    func.func @rnn_f(%h: tensor<2x$T>, %u: tensor<2x$T>, %W: tensor<2x2x$T>,
                     %b: tensor<2x$T>, %s: tensor<$T>) -> tensor<2x$T> {
      %0 = lds.matmul %W, %h : tensor<2x2x$T>, tensor<2x$T> -> tensor<2x$T>
      %1 = lds.add %0, %u : tensor<2x$T>
      %2 = lds.add %1, %b : tensor<2x$T>
      %3 = lds.tanh %2 : tensor<2x$T>
      %4 = lds.broadcast %s : tensor<$T> -> tensor<2x$T>
      %5 = lds.mul %4, %3 : tensor<2x$T>
      return %5 : tensor<2x$T>
    })");
  ASSERT_TRUE(jit);

  // P[0] is a cyclic shift, P[1] the identity.
  std::vector<T> P =
      this->values({0, 0, 1, 1, 0, 0, 0, 1, 0, /**/ 1, 0, 0, 0, 1, 0, 0, 0, 1});
  std::vector<T> x = this->values({1, 2, 3});
  std::vector<int32_t> w = {0};
  this->call(*jit, "s5_f", x, w, P, x); // out aliases x
  this->expectClose(x, {3, 1, 2}, "s5 step in place");

  std::vector<T> h = this->values({0.3, -0.7}), u = this->values({0.1, 0.2});
  std::vector<T> W = this->values({0.5, -1, 2, 0.25}), b = this->values({0, 1});
  std::vector<T> s = {T(1.5)}, out(2);
  this->call(*jit, "rnn_f", h, u, W, b, s, out);
  std::vector<double> want;
  for (int i = 0; i < 2; ++i)
    want.push_back(1.5 * std::tanh(double(W[i * 2]) * h[0] +
                                   double(W[i * 2 + 1]) * h[1] + u[i] + b[i]));
  this->expectClose(out, want, "rnn step");
}

TYPED_TEST(LoweringTest, HeapBuffers) {
  // With max-alloca-bytes, the large intermediates live on the heap; the
  // results must not change (and nothing may leak or be freed early).
  using T = TypeParam;
  lds::LowerToLLVMOptions options;
  options.maxAllocaBytes = 16;
  auto jit = this->compile(R"(
    func.func @heap(%a: tensor<4x4x$T>, %v: tensor<4x$T>)
        -> (tensor<4x4x$T>, tensor<$T>) {
      %0 = lds.matmul %a, %a : tensor<4x4x$T>, tensor<4x4x$T> -> tensor<4x4x$T>
      %1 = lds.matmul %0, %v : tensor<4x4x$T>, tensor<4x$T> -> tensor<4x$T>
      %2 = lds.dot %1, %v : tensor<4x$T> -> tensor<$T>
      return %0, %2 : tensor<4x4x$T>, tensor<$T>
    })",
                           options);
  ASSERT_TRUE(jit);
  std::vector<T> a(16), v = this->values({1, -1, 0.5, 2}), square(16), q(1);
  for (int i = 0; i < 16; ++i)
    a[i] = T((i * 7) % 5) - T(2);
  for (int repeat = 0; repeat < 3; ++repeat)
    this->call(*jit, "heap", a, v, square, q);
  std::vector<double> wSquare(16, 0.0), av(4, 0.0);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 4; ++k)
        wSquare[i * 4 + j] += double(a[i * 4 + k]) * a[k * 4 + j];
  double wQ = 0;
  for (int i = 0; i < 4; ++i) {
    for (int k = 0; k < 4; ++k)
      av[i] += wSquare[i * 4 + k] * v[k];
    wQ += av[i] * v[i];
  }
  this->expectClose(square, wSquare, "a @ a");
  this->expectClose(q[0], wQ, "v . (a @ a @ v)");
}

TYPED_TEST(LoweringTest, MergedLoopsInPlace) {
  // With every loop nest merged and the last one storing into the
  // out-parameters, a call whose out-parameters are its inputs' buffers (an
  // in-place step, a running map combined into itself) must still see the
  // inputs' old values: elementwise results read each element before any
  // is overwritten, a transposed read keeps its buffer.
  using T = TypeParam;
  lds::LowerToLLVMOptions options;
  options.fuseLoopsFrom = 1;
  options.storeResultsInPlace = true;
  auto jit = this->compile(R"(
    func.func @pair(%a: tensor<64x$T>, %b: tensor<64x$T>)
        -> (tensor<64x$T>, tensor<64x$T>) {
      %0 = lds.mul %a, %b : tensor<64x$T>
      %1 = lds.add %a, %b : tensor<64x$T>
      %2 = lds.tanh %1 : tensor<64x$T>
      return %0, %2 : tensor<64x$T>, tensor<64x$T>
    }
    func.func @flip(%a: tensor<4x4x$T>) -> tensor<4x4x$T> {
      %0 = lds.transpose %a : tensor<4x4x$T> -> tensor<4x4x$T>
      %1 = lds.neg %0 : tensor<4x4x$T>
      return %1 : tensor<4x4x$T>
    })",
                           options);
  ASSERT_TRUE(jit);
  std::vector<T> a(64), b(64);
  std::vector<double> wantProduct(64), wantTanh(64);
  for (int i = 0; i < 64; ++i) {
    a[i] = T(0.25 * (i % 7) - 0.5);
    b[i] = T(0.125 * (i % 5) + 0.25);
    wantProduct[i] = double(a[i]) * double(b[i]);
    wantTanh[i] = std::tanh(double(a[i]) + double(b[i]));
  }
  this->call(*jit, "pair", a, b, a, b);
  this->expectClose(a, wantProduct, "a * b into a");
  this->expectClose(b, wantTanh, "tanh(a + b) into b");
  std::vector<T> m(16);
  std::vector<double> wantFlip(16);
  for (int i = 0; i < 16; ++i)
    m[i] = T(i);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      wantFlip[i * 4 + j] = -double(m[j * 4 + i]);
  this->call(*jit, "flip", m, m);
  this->expectClose(m, wantFlip, "-transpose(m) into m");
}

TYPED_TEST(LoweringTest, SharedBuffers) {
  // With share-buffers-from = 16, every 4x4 intermediate is a candidate for
  // sharing. A and B are read while C is written and C while D is written,
  // so only buffers that are really dead may be reused (D takes A's or B's
  // memory): a wrong live range shows up as a wrong product.
  using T = TypeParam;
  lds::LowerToLLVMOptions options;
  options.shareBuffersFrom = 16;
  auto jit = this->compile(R"(
    func.func @chain(%a: tensor<4x4x$T>) -> tensor<4x4x$T> {
      %0 = lds.matmul %a, %a : tensor<4x4x$T>, tensor<4x4x$T> -> tensor<4x4x$T>
      %1 = lds.tanh %0 : tensor<4x4x$T>
      %2 = lds.matmul %0, %1 : tensor<4x4x$T>, tensor<4x4x$T> -> tensor<4x4x$T>
      %3 = lds.matmul %2, %2 : tensor<4x4x$T>, tensor<4x4x$T> -> tensor<4x4x$T>
      return %3 : tensor<4x4x$T>
    })",
                           options);
  ASSERT_TRUE(jit);
  // The buffers really were shared: one 64-byte aligned i8 slot.
  int slots = 0;
  this->module->walk([&](mlir::LLVM::AllocaOp alloca) {
    slots += alloca.getElemType().isInteger(8) && alloca.getAlignment() == 64;
  });
  EXPECT_EQ(slots, 1);

  std::vector<T> a(16), out(16);
  for (int i = 0; i < 16; ++i)
    a[i] = T(((i * 5) % 7) - 3) / T(4);
  for (int repeat = 0; repeat < 2; ++repeat)
    this->call(*jit, "chain", a, out);
  auto matmul = [](const std::vector<double> &x, const std::vector<double> &y) {
    std::vector<double> z(16, 0.0);
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 4; ++k)
          z[i * 4 + j] += x[i * 4 + k] * y[k * 4 + j];
    return z;
  };
  std::vector<double> a64(a.begin(), a.end());
  std::vector<double> m0 = matmul(a64, a64), m1(16);
  for (int i = 0; i < 16; ++i)
    m1[i] = std::tanh(m0[i]);
  std::vector<double> m2 = matmul(m0, m1);
  this->expectClose(out, matmul(m2, m2), "chain");
}

TYPED_TEST(LoweringTest, FoldedTransposes) {
  // With fold-transposes (the GPU pipeline's setting), transpose(M) @ v and
  // transpose(M) @ N read M with swapped indices; a transpose that is also
  // returned is still materialised. Non-square shapes catch a swap gone
  // wrong.
  using T = TypeParam;
  lds::LowerToLLVMOptions options;
  options.foldTransposes = true;
  auto jit = this->compile(R"(
    func.func @fold(%m: tensor<3x4x$T>, %v: tensor<3x$T>, %n: tensor<3x2x$T>)
        -> (tensor<4x$T>, tensor<4x2x$T>, tensor<4x3x$T>) {
      %t = lds.transpose %m : tensor<3x4x$T> -> tensor<4x3x$T>
      %y = lds.matmul %t, %v : tensor<4x3x$T>, tensor<3x$T> -> tensor<4x$T>
      %z = lds.matmul %t, %n : tensor<4x3x$T>, tensor<3x2x$T> -> tensor<4x2x$T>
      %u = lds.transpose %n : tensor<3x2x$T> -> tensor<2x3x$T>
      %w = lds.matmul %u, %m : tensor<2x3x$T>, tensor<3x4x$T> -> tensor<2x4x$T>
      %r = lds.transpose %w : tensor<2x4x$T> -> tensor<4x2x$T>
      %s = lds.add %z, %r : tensor<4x2x$T>
      return %y, %s, %t : tensor<4x$T>, tensor<4x2x$T>, tensor<4x3x$T>
    })",
                           options);
  ASSERT_TRUE(jit);
  std::vector<T> m(12), v = this->values({0.5, -1, 2}), n(6), y(4), s(8), t(12);
  for (int i = 0; i < 12; ++i)
    m[i] = T((i * 7) % 5) - T(1.5);
  for (int i = 0; i < 6; ++i)
    n[i] = T(i) / T(3) - T(1);
  this->call(*jit, "fold", m, v, n, y, s, t);
  // m is 3x4 (row-major m[r * 4 + c]), n is 3x2.
  std::vector<double> wy(4, 0.0), ws(8, 0.0), wt(12);
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 3; ++k) {
      wy[i] += double(m[k * 4 + i]) * v[k];
      wt[i * 3 + k] = m[k * 4 + i];
      for (int j = 0; j < 2; ++j) // (m^T n)[i][j] + ((n^T m)^T)[i][j]
        ws[i * 2 + j] += 2 * double(m[k * 4 + i]) * n[k * 2 + j];
    }
  this->expectClose(y, wy, "transpose(m) @ v");
  this->expectClose(s, ws, "transpose(m) @ n + transpose(transpose(n) @ m)");
  this->expectClose(t, wt, "transpose(m)");
}

//===----------------------------------------------------------------------===//
// LLVM IR: the C signature convention
//===----------------------------------------------------------------------===//

TEST(LoweringToLLVMIR, BarePointerSignature) {
  // void M_f(const F *x, const int32_t *w, const F *P, F *out): one pointer
  // per argument, the result as a trailing out-parameter, no return value.
  mlir::MLIRContext context;
  context.loadDialect<lds::LDSDialect, mlir::func::FuncDialect>();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(R"(
    lds.model @m {
      %x = lds.state "x" : tensor<3xf64>
      lds.yield %x : tensor<3xf64>
    }
    func.func @m_f(%x: tensor<3xf64>, %w: tensor<i32>, %P: tensor<2x3x3xf64>)
        -> tensor<3xf64> attributes {lds.model = @m, lds.derived = "f"} {
      %Pw = lds.gather %P [%w]
          : tensor<2x3x3xf64>, tensor<i32> -> tensor<3x3xf64>
      %0 = lds.matmul %Pw, %x : tensor<3x3xf64>, tensor<3xf64> -> tensor<3xf64>
      return %0 : tensor<3xf64>
    })",
                                                        &context);
  ASSERT_TRUE(module);
  ASSERT_TRUE(mlir::succeeded(lds::lowerToLLVMDialect(*module)));
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> ir =
      lds::translateToLLVMIR(*module, llvmContext);
  ASSERT_TRUE(ir);
  llvm::Function *f = ir->getFunction("m_f");
  ASSERT_TRUE(f);
  EXPECT_FALSE(f->isDeclaration());
  EXPECT_TRUE(f->getReturnType()->isVoidTy());
  ASSERT_EQ(f->arg_size(), 4u);
  for (llvm::Argument &arg : f->args())
    EXPECT_TRUE(arg.getType()->isPointerTy());
  // The model is not executable and is gone.
  EXPECT_EQ(ir->getFunction("m"), nullptr);
}

} // namespace
