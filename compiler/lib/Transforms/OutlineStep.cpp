//===- OutlineStep.cpp - outline a model's step function ------------------===//
//
// Turns the body of each lds.model into func.func @M_f(x, inputs, params):
// the state pieces are slices of the concatenated state x, the body is
// cloned, and the yielded next states are concatenated. Later passes
// differentiate and lower these functions; the model op stays as written.
//
//===----------------------------------------------------------------------===//

#include "lds/Transforms/Passes.h"
#include "lds/Transforms/StepFunctions.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace lds {
#define GEN_PASS_DEF_OUTLINESTEP
#include "lds/Transforms/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;

namespace {

struct OutlineStepPass : public lds::impl::OutlineStepBase<OutlineStepPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (ModelOp model : llvm::to_vector(module.getOps<ModelOp>())) {
      if (lookupDerived(module, model.getSymName(), kDerivedF))
        continue;
      outline(model);
    }
  }

  void outline(ModelOp model) {
    auto xType =
        RankedTensorType::get({model.getStateDim()}, model.getFloatType());
    func::FuncOp func = createDerivedFunction(model, kDerivedF, 0, {xType});
    Block &entry = func.front();
    OpBuilder b = OpBuilder::atBlockEnd(&entry);
    IRMapping map;

    // State pieces are slices (or elements) of x.
    Value x = entry.getArgument(0);
    int64_t offset = 0;
    for (StateOp state : getStates(model)) {
      RankedTensorType t = state.getType();
      int64_t n = t.getNumElements();
      Value piece = x;
      if (t.getRank() == 0)
        piece = b.create<ExtractOp>(state.getLoc(), t, x, offset);
      else if (n != xType.getNumElements())
        piece = b.create<SliceOp>(state.getLoc(), t, x, offset, offset + n);
      map.map(state.getResult(), piece);
      offset += n;
    }
    unsigned arg = 1;
    for (InputOp in : getInputs(model))
      map.map(in.getResult(), entry.getArgument(arg++));
    for (ParamOp p : getParams(model))
      map.map(p.getResult(), entry.getArgument(arg++));

    for (Operation &op : model.getBody().front()) {
      if (isa<StateOp, InputOp, ParamOp, YieldOp>(op))
        continue;
      b.clone(op, map);
    }

    // Concatenate the next states (scalars as 1-element vectors).
    YieldOp yield = model.getYield();
    SmallVector<Value> pieces;
    for (Value v : yield.getValues()) {
      Value mapped = map.lookup(v);
      auto t = cast<RankedTensorType>(mapped.getType());
      if (t.getRank() == 0)
        mapped = b.create<BroadcastOp>(
            yield.getLoc(), RankedTensorType::get({1}, t.getElementType()),
            mapped);
      pieces.push_back(mapped);
    }
    Value next =
        pieces.size() == 1
            ? pieces.front()
            : b.create<ConcatOp>(yield.getLoc(), xType, pieces).getResult();
    b.create<func::ReturnOp>(yield.getLoc(), next);
  }
};

} // namespace
