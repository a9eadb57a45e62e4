//===- Builtins.cpp - the language's builtin functions --------------------===//

#include "lds/Frontend/Builtins.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace lds;

static const BuiltinInfo kBuiltins[] = {
    {"tanh", BuiltinKind::Unary, 1, 1},
    {"sigmoid", BuiltinKind::Unary, 1, 1},
    {"exp", BuiltinKind::Unary, 1, 1},
    {"log", BuiltinKind::Unary, 1, 1},
    {"log1p", BuiltinKind::Unary, 1, 1},
    {"softplus", BuiltinKind::Unary, 1, 1},
    {"relu", BuiltinKind::Unary, 1, 1},
    {"sqrt", BuiltinKind::Unary, 1, 1},
    {"abs", BuiltinKind::Unary, 1, 1},
    {"sin", BuiltinKind::Unary, 1, 1},
    {"cos", BuiltinKind::Unary, 1, 1},
    {"pow", BuiltinKind::Binary, 2, 2},
    {"max", BuiltinKind::MaxMin, 1, 2},
    {"min", BuiltinKind::MaxMin, 1, 2},
    {"sum", BuiltinKind::Sum, 1, 1},
    {"dot", BuiltinKind::Dot, 2, 2},
    {"transpose", BuiltinKind::Transpose, 1, 1},
    {"concat", BuiltinKind::Concat, 1, kVariadic},
    {"logsumexp", BuiltinKind::LogSumExp, 1, kVariadic},
    {"select", BuiltinKind::Select, 3, 3},
    {"grad", BuiltinKind::Grad, 2, 2},
};

llvm::ArrayRef<BuiltinInfo> lds::getBuiltins() { return kBuiltins; }

const BuiltinInfo *lds::lookupBuiltin(llvm::StringRef name) {
  for (const BuiltinInfo &b : kBuiltins)
    if (b.name == name)
      return &b;
  return nullptr;
}

double lds::evalUnaryBuiltin(llvm::StringRef name, double x) {
  return llvm::StringSwitch<double>(name)
      .Case("tanh", std::tanh(x))
      .Case("sigmoid", 1.0 / (1.0 + std::exp(-x)))
      .Case("exp", std::exp(x))
      .Case("log", std::log(x))
      .Case("log1p", std::log1p(x))
      // Stable form: no overflow for large x.
      .Case("softplus", std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))))
      .Case("relu", x > 0 ? x : 0.0)
      .Case("sqrt", std::sqrt(x))
      .Case("abs", std::fabs(x))
      .Case("sin", std::sin(x))
      .Case("cos", std::cos(x))
      .Default(std::numeric_limits<double>::quiet_NaN());
}

double lds::evalBinaryBuiltin(llvm::StringRef name, double x, double y) {
  return llvm::StringSwitch<double>(name)
      .Case("pow", std::pow(x, y))
      .Case("max", std::max(x, y))
      .Case("min", std::min(x, y))
      .Default(std::numeric_limits<double>::quiet_NaN());
}

double lds::evalLogSumExp(llvm::ArrayRef<double> values) {
  double m = -std::numeric_limits<double>::infinity();
  for (double v : values)
    m = std::max(m, v);
  if (!std::isfinite(m))
    return m;
  double s = 0;
  for (double v : values)
    s += std::exp(v - m);
  return m + std::log(s);
}
