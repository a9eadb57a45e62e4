//===- ForwardMode.cpp - plain forward-mode differentiation ---------------===//

#include "lds/Transforms/ForwardMode.h"
#include "lds/Transforms/DerivativeRules.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace lds;

FailureOr<Value> lds::forwardTangent(Emitter &e, Block &body, Value x, Value dx,
                                     Value output) {
  llvm::DenseMap<Value, Value> tangents{{x, dx}};
  SmallVector<Operation *> primal;
  for (Operation &op : body.without_terminator())
    primal.push_back(&op);

  for (Operation *op : primal) {
    if (op->getNumResults() != 1)
      continue;
    SmallVector<Value, 3> d;
    bool any = false;
    for (Value v : op->getOperands()) {
      d.push_back(tangents.lookup(v));
      any |= static_cast<bool>(d.back());
    }
    if (!any)
      continue;
    Value y = op->getResult(0);
    auto zeroLike = [&](Value v) { return e.zeros(Emitter::shape(v)); };
    auto dOr0 = [&](unsigned i) {
      return d[i] ? d[i] : zeroLike(op->getOperand(i));
    };

    if (isElementwise(op)) {
      Value sum;
      for (auto [i, partial] : llvm::enumerate(elementwisePartials(e, op))) {
        if (!partial || !d[i])
          continue;
        Value term = e.mul(partial, d[i]);
        sum = sum ? e.add(sum, term) : term;
      }
      if (sum)
        tangents[y] = sum;
      continue;
    }

    FailureOr<Value> dy =
        llvm::TypeSwitch<Operation *, FailureOr<Value>>(op)
            .Case([&](BroadcastOp) -> FailureOr<Value> {
              return e.broadcast(d[0], Emitter::shape(y));
            })
            .Case([&](SliceOp s) -> FailureOr<Value> {
              return e.slice(d[0], s.getStart(), s.getEnd());
            })
            .Case([&](ExtractOp x) -> FailureOr<Value> {
              return e.extract(d[0], x.getIndex());
            })
            .Case([&](GatherOp g) -> FailureOr<Value> {
              if (!d[0])
                return Value();
              return e.builder()
                  .create<GatherOp>(g.getLoc(), g.getType(), d[0], g.getIndex())
                  .getResult();
            })
            .Case([&](ConcatOp c) -> FailureOr<Value> {
              SmallVector<Value> parts;
              for (unsigned i = 0; i < c->getNumOperands(); ++i)
                parts.push_back(dOr0(i));
              return e.concat(parts);
            })
            .Case([&](TransposeOp) -> FailureOr<Value> {
              return e.transpose(d[0]);
            })
            .Case([&](DiagOp) -> FailureOr<Value> { return e.diag(d[0]); })
            .Case([&](DiagPartOp p) -> FailureOr<Value> {
              return e.diagPart(d[0], p.getOffset());
            })
            .Case([&](MatmulOp m) -> FailureOr<Value> {
              Value sum;
              if (d[0])
                sum = e.matmul(d[0], m.getRhs());
              if (d[1]) {
                Value t = e.matmul(m.getLhs(), d[1]);
                sum = sum ? e.add(sum, t) : t;
              }
              return sum;
            })
            .Case([&](DotOp) -> FailureOr<Value> {
              return e.add(e.dot(dOr0(0), op->getOperand(1)),
                           e.dot(op->getOperand(0), dOr0(1)));
            })
            .Case([&](SumOp) -> FailureOr<Value> { return e.sum(d[0]); })
            .Case<ReduceMaxOp, ReduceMinOp>(
                [&](Operation *) -> FailureOr<Value> {
                  Value a = op->getOperand(0);
                  Value mask = e.select(e.cmp(CmpPredicate::eq, a, y),
                                        e.ones({}), e.zeros({}));
                  return e.sum(e.mul(mask, d[0]));
                })
            .Case([&](LogSumExpOp) -> FailureOr<Value> {
              Value softmax = e.unary<ExpOp>(e.sub(op->getOperand(0), y));
              return e.sum(e.mul(softmax, d[0]));
            })
            .Case<CmpOp, ConstantOp>(
                [&](Operation *) -> FailureOr<Value> { return Value(); })
            .Default([&](Operation *other) -> FailureOr<Value> {
              return other->emitOpError("has no forward-mode derivative rule");
            });
    if (failed(dy))
      return failure();
    if (*dy)
      tangents[y] = *dy;
  }
  Value result = tangents.lookup(output);
  return result ? result : e.zeros(Emitter::shape(output));
}
