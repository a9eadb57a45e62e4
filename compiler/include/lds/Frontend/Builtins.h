//===- Builtins.h - the language's builtin functions ------------*- C++ -*-===//
//
// One table of the builtin functions (name, arity, kind) used by Sema and
// MLIRGen, plus the scalar evaluators used for const folding.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_FRONTEND_BUILTINS_H
#define LDS_FRONTEND_BUILTINS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstddef>

namespace lds {

enum class BuiltinKind {
  Unary,     // tanh sigmoid exp log log1p softplus relu sqrt abs sin cos
  Binary,    // pow
  MaxMin,    // max min: 1 arg reduces, 2 args elementwise
  Sum,       // sum
  Dot,       // dot
  Transpose, // transpose
  Concat,    // concat
  LogSumExp, // logsumexp: 1 arg reduces, more args reduce their concat
  Select,    // select
  Grad,      // grad
};

constexpr size_t kVariadic = ~size_t(0);

struct BuiltinInfo {
  llvm::StringRef name;
  BuiltinKind kind;
  size_t minArgs, maxArgs;
};

/// The builtin called `name`, or null.
const BuiltinInfo *lookupBuiltin(llvm::StringRef name);
inline bool isBuiltinFunction(llvm::StringRef name) {
  return lookupBuiltin(name) != nullptr;
}
llvm::ArrayRef<BuiltinInfo> getBuiltins();

/// Scalar semantics of the elementwise builtins, in double.
double evalUnaryBuiltin(llvm::StringRef name, double x);
double evalBinaryBuiltin(llvm::StringRef name, double x, double y);
double evalLogSumExp(llvm::ArrayRef<double> values);

} // namespace lds

#endif // LDS_FRONTEND_BUILTINS_H
