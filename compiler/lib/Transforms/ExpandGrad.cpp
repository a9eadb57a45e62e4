//===- ExpandGrad.cpp - reverse-mode expansion of lds.grad ----------------===//
//
// `lds.grad %s wrt %x` becomes ordinary lds ops: the ops on paths from %x to
// %s are walked backwards, accumulating each value's adjoint with the op's
// reverse-mode rule. Grads are expanded in program order, so a grad of an
// expression containing an earlier grad differentiates that expansion.
//
//===----------------------------------------------------------------------===//

#include "lds/Transforms/DerivativeRules.h"
#include "lds/Transforms/Passes.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

namespace lds {
#define GEN_PASS_DEF_EXPANDGRAD
#include "lds/Transforms/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;

namespace {

class GradExpander {
public:
  GradExpander(GradOp grad, Emitter &e) : grad(grad), e(e) {}
  LogicalResult run();

private:
  void accumulate(Value v, Value contribution) {
    if (!dependsOnX.contains(v))
      return;
    Value &slot = adjoints[v];
    slot = slot ? e.add(slot, contribution) : contribution;
  }
  LogicalResult backprop(Operation *op, Value ybar);

  GradOp grad;
  Emitter &e;
  llvm::DenseSet<Value> dependsOnX;
  llvm::DenseMap<Value, Value> adjoints;
};

} // namespace

LogicalResult GradExpander::backprop(Operation *op, Value ybar) {
  Value y = op->getNumResults() ? op->getResult(0) : Value();
  auto operand = [&](unsigned i) { return op->getOperand(i); };
  auto zero = [&](Value like) { return e.zeros(Emitter::shape(like)); };

  if (isElementwise(op)) {
    for (auto [i, partial] : llvm::enumerate(elementwisePartials(e, op)))
      if (partial)
        accumulate(operand(i), e.mul(ybar, partial));
    return success();
  }

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](BroadcastOp b) -> LogicalResult {
        int64_t in = Emitter::rank(b.getOperand());
        int64_t out = Emitter::rank(b.getResult());
        if (in == 0) {
          accumulate(operand(0), e.sum(ybar));
          return success();
        }
        if (in == 1 && out == 2) {
          accumulate(operand(0), e.rowSum(ybar));
          return success();
        }
        return b.emitOpError("cannot differentiate a broadcast from rank ")
               << in << " to rank " << out;
      })
      .Case([&](SliceOp s) {
        accumulate(operand(0), e.place(ybar, s.getStart(),
                                       Emitter::shape(s.getOperand())[0]));
        return success();
      })
      .Case([&](ExtractOp x) -> LogicalResult {
        Value row = ybar; // operand[i] as a leading-dim-1 tensor
        if (Emitter::rank(ybar) == 0)
          row = e.broadcast(ybar, {1});
        else if (Emitter::rank(ybar) == 1)
          row = e.transpose(e.broadcast(ybar, {Emitter::shape(ybar)[0], 1}));
        else
          return x.emitOpError("cannot differentiate extracting from a rank-")
                 << Emitter::rank(x.getOperand()) << " tensor";
        accumulate(operand(0), e.place(row, x.getIndex(),
                                       Emitter::shape(x.getOperand())[0]));
        return success();
      })
      .Case([&](ConcatOp c) {
        int64_t offset = 0;
        for (Value v : c.getOperands()) {
          int64_t n = Emitter::shape(v)[0];
          accumulate(v, e.slice(ybar, offset, offset + n));
          offset += n;
        }
        return success();
      })
      .Case([&](DiagOp) {
        accumulate(operand(0), e.diagPart(ybar, 0));
        return success();
      })
      .Case([&](DiagPartOp d) -> LogicalResult {
        ArrayRef<int64_t> s = Emitter::shape(d.getOperand());
        if (d.getOffset() != 0 || s[0] != s[1])
          return d.emitOpError("cannot differentiate an off-centre diagonal");
        accumulate(operand(0), e.diag(ybar));
        return success();
      })
      .Case([&](TransposeOp) {
        accumulate(operand(0), e.transpose(ybar));
        return success();
      })
      .Case([&](MatmulOp m) {
        Value lhs = m.getLhs(), rhs = m.getRhs();
        accumulate(rhs, e.matmul(e.transpose(lhs), ybar));
        if (dependsOnX.contains(lhs)) {
          ArrayRef<int64_t> s = Emitter::shape(lhs);
          if (Emitter::rank(rhs) == 1) // outer(ybar, rhs)
            accumulate(lhs, e.mul(e.broadcast(ybar, s),
                                  e.transpose(e.broadcast(rhs, {s[1], s[0]}))));
          else
            accumulate(lhs, e.matmul(ybar, e.transpose(rhs)));
        }
        return success();
      })
      .Case([&](DotOp) {
        accumulate(operand(0), e.mul(ybar, operand(1)));
        accumulate(operand(1), e.mul(ybar, operand(0)));
        return success();
      })
      .Case([&](SumOp) {
        accumulate(operand(0), e.broadcast(ybar, Emitter::shape(operand(0))));
        return success();
      })
      .Case<ReduceMaxOp, ReduceMinOp>([&](Operation *) {
        // The subgradient that sends the adjoint to every extremal element.
        Value a = operand(0);
        Value hit = e.cmp(CmpPredicate::eq, a, y);
        accumulate(
            a, e.select(hit, e.broadcast(ybar, Emitter::shape(a)), zero(a)));
        return success();
      })
      .Case([&](LogSumExpOp) {
        Value a = operand(0);
        accumulate(a, e.mul(ybar, e.unary<ExpOp>(e.sub(a, y))));
        return success();
      })
      .Case<CmpOp, ConstantOp>([&](Operation *) { return success(); })
      .Case([&](GatherOp g) -> LogicalResult {
        if (!dependsOnX.contains(g.getTable()))
          return success();
        return g.emitOpError("cannot differentiate a gather from a "
                             "state-dependent table");
      })
      .Default([&](Operation *other) {
        return other->emitOpError("has no reverse-mode derivative rule");
      });
}

LogicalResult GradExpander::run() {
  Value s = grad.getValue(), x = grad.getWrt();
  Block *block = grad->getBlock();

  // Forward: ops before the grad that depend on x.
  dependsOnX.insert(x);
  SmallVector<Operation *> forward;
  for (Operation &op : *block) {
    if (&op == grad.getOperation())
      break;
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return dependsOnX.contains(v); })) {
      for (Value r : op.getResults())
        dependsOnX.insert(r);
      forward.push_back(&op);
    }
  }

  OpBuilder &b = e.builder();
  b.setInsertionPoint(grad);
  if (dependsOnX.contains(s)) {
    adjoints[s] = e.ones({});
    for (Operation *op : llvm::reverse(forward)) {
      if (op->getNumResults() != 1)
        continue;
      Value ybar = adjoints.lookup(op->getResult(0));
      if (!ybar)
        continue;
      if (failed(backprop(op, ybar)))
        return failure();
    }
  }
  Value result = adjoints.lookup(x);
  if (!result)
    result = e.zeros(Emitter::shape(x));
  grad.replaceAllUsesWith(result);
  grad.erase();
  return success();
}

namespace {
struct ExpandGradPass : public lds::impl::ExpandGradBase<ExpandGradPass> {
  void runOnOperation() override {
    SmallVector<GradOp> grads;
    getOperation().walk([&](GradOp g) { grads.push_back(g); });
    for (GradOp g : grads) {
      OpBuilder b(g);
      Type floatType = g.getWrt().getType().getElementType();
      Emitter e(b, g.getLoc(), floatType);
      if (failed(GradExpander(g, e).run()))
        return signalPassFailure();
    }
  }
};
} // namespace
