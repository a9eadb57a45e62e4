//===- ScanElement.cpp - the linear-recurrence scan element ---------------===//

#include "lds/Transforms/ScanElement.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace lds;

AKind lds::getAKind(StringRef solver) {
  return llvm::StringSwitch<AKind>(solver)
      .Case("newton", AKind::Dense)
      .Case("quasi-newton", AKind::Diagonal)
      .Case("picard", AKind::Identity)
      .Default(AKind::None);
}

std::pair<Value, Value> lds::emitCombine(Emitter &e, AKind kind, Value a2,
                                         Value b2, Value a1, Value b1) {
  switch (kind) {
  case AKind::Dense:
    return {e.matmul(a2, a1), e.add(e.matmul(a2, b1), b2)};
  case AKind::Diagonal:
    return {e.mul(a2, a1), e.add(e.mul(a2, b1), b2)};
  case AKind::Identity:
    return {Value(), e.add(b1, b2)};
  case AKind::None:
    return {Value(), b2};
  }
  return {};
}

Value lds::emitApply(Emitter &e, AKind kind, Value a, Value b, Value x) {
  switch (kind) {
  case AKind::Dense:
    return e.add(e.matmul(a, x), b);
  case AKind::Diagonal:
    return e.add(e.mul(a, x), b);
  case AKind::Identity:
    return e.add(x, b);
  case AKind::None:
    return b;
  }
  return {};
}

Value lds::emitToleranceExcess(Emitter &e, Value a, Value b, Value tol) {
  Value atol = e.extract(tol, 0), rtol = e.extract(tol, 1);
  Value diff = e.unary<AbsOp>(e.sub(a, b));
  Value bound = e.add(atol, e.mul(rtol, e.unary<AbsOp>(a)));
  Value excess = e.sub(diff, bound);
  if (Emitter::rank(excess) == 0)
    return excess;
  auto type = e.type({});
  return e.builder().create<ReduceMaxOp>(e.builder().getUnknownLoc(), type,
                                         excess);
}
