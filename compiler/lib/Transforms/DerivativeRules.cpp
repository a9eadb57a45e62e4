//===- DerivativeRules.cpp - local derivatives of elementwise ops ---------===//

#include "lds/Transforms/DerivativeRules.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace lds;

bool lds::isElementwise(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, NegOp, TanhOp,
             SigmoidOp, ExpOp, LogOp, Log1pOp, SoftplusOp, ReluOp, SqrtOp,
             AbsOp, SinOp, CosOp, SelectOp>(op);
}

SmallVector<Value, 3> lds::elementwisePartials(Emitter &e, Operation *op) {
  Value y = op->getResult(0);
  auto arg = [&](unsigned i) { return op->getOperand(i); };
  auto one = [&]() { return e.ones({}); };
  auto zero = [&]() { return e.zeros({}); };
  auto minusOne = [&]() { return e.constant(-1.0, {}); };
  auto step = [&](CmpPredicate p, Value a, Value b) {
    return e.select(e.cmp(p, a, b), one(), zero());
  };

  return llvm::TypeSwitch<Operation *, SmallVector<Value, 3>>(op)
      .Case([&](AddOp) -> SmallVector<Value, 3> {
        return {one(), one()};
      })
      .Case([&](SubOp) -> SmallVector<Value, 3> {
        return {one(), minusOne()};
      })
      .Case([&](MulOp) -> SmallVector<Value, 3> {
        return {arg(1), arg(0)};
      })
      .Case([&](DivOp) -> SmallVector<Value, 3> {
        return {e.div(one(), arg(1)), e.neg(e.div(y, arg(1)))};
      })
      .Case([&](MaxOp) -> SmallVector<Value, 3> {
        Value first = step(CmpPredicate::ge, arg(0), arg(1));
        return {first, e.sub(one(), first)};
      })
      .Case([&](MinOp) -> SmallVector<Value, 3> {
        Value first = step(CmpPredicate::le, arg(0), arg(1));
        return {first, e.sub(one(), first)};
      })
      .Case([&](PowOp) -> SmallVector<Value, 3> {
        // d/da a^b = b a^(b-1); d/db a^b = a^b log(a).
        return {e.mul(arg(1), e.binary<PowOp>(arg(0), e.sub(arg(1), one()))),
                e.mul(y, e.unary<LogOp>(arg(0)))};
      })
      .Case([&](NegOp) -> SmallVector<Value, 3> { return {minusOne()}; })
      .Case([&](TanhOp) -> SmallVector<Value, 3> {
        return {e.sub(one(), e.mul(y, y))};
      })
      .Case([&](SigmoidOp) -> SmallVector<Value, 3> {
        return {e.mul(y, e.sub(one(), y))};
      })
      .Case([&](ExpOp) -> SmallVector<Value, 3> { return {y}; })
      .Case([&](LogOp) -> SmallVector<Value, 3> {
        return {e.div(one(), arg(0))};
      })
      .Case([&](Log1pOp) -> SmallVector<Value, 3> {
        return {e.div(one(), e.add(one(), arg(0)))};
      })
      .Case([&](SoftplusOp) -> SmallVector<Value, 3> {
        return {e.unary<SigmoidOp>(arg(0))};
      })
      .Case([&](ReluOp) -> SmallVector<Value, 3> {
        return {step(CmpPredicate::gt, arg(0), zero())};
      })
      .Case([&](SqrtOp) -> SmallVector<Value, 3> {
        return {e.div(e.constant(0.5, {}), y)};
      })
      .Case([&](AbsOp) -> SmallVector<Value, 3> {
        // sign(a), with 0 at 0.
        return {e.sub(step(CmpPredicate::gt, arg(0), zero()),
                      step(CmpPredicate::lt, arg(0), zero()))};
      })
      .Case([&](SinOp) -> SmallVector<Value, 3> {
        return {e.unary<CosOp>(arg(0))};
      })
      .Case([&](CosOp) -> SmallVector<Value, 3> {
        return {e.neg(e.unary<SinOp>(arg(0)))};
      })
      .Case([&](SelectOp s) -> SmallVector<Value, 3> {
        Value pick = e.select(s.getCond(), one(), zero());
        return {Value(), pick, e.sub(one(), pick)};
      })
      .Default([&](Operation *) -> SmallVector<Value, 3> { return {}; });
}
