//===- SliceChannels.cpp - one state channel of a channel-wise model ------===//
//
// A model whose step treats every state channel on its own (every value
// that depends on the state is computed elementwise, the vector inputs and
// params are read at the channel's own index) is D independent scalar
// recurrences. The GPU's channel kernels run one channel per thread, the
// lanes of a warp on neighbouring channels, so each step's loads and stores
// of a row are coalesced and a thread's state is one register.
//
// This pass gives such a model the one-channel versions of its derived
// functions, @M_<kind>_ch, where every D-vector is a 1-vector: the state,
// the inputs and params of shape [D] (all of them, in every function), and
// the solvers' maps. Called with pointers to channel c of each, a slice
// computes channel c of the original function. The stopping test's slice
// returns the channel's own excess: a row fails when any channel fails.
//
//===----------------------------------------------------------------------===//

#include "lds/Transforms/SliceChannels.h"
#include "lds/Dialect/LDSOps.h"
#include "lds/Transforms/Passes.h"
#include "lds/Transforms/StepFunctions.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace lds {
#define GEN_PASS_DEF_SLICECHANNELS
#include "lds/Transforms/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;

namespace {

/// The solvers whose maps are channel-wise when f is: their A is absent or
/// a diagonal (Newton's D x D A is not).
constexpr llvm::StringLiteral kChannelSolvers[][2] = {
    {"jacobi", "jacobi"},
    {"picard", "picard"},
    {"quasi_newton", "quasi-newton"}};

class Slicer {
public:
  explicit Slicer(int64_t d) : d(d) {}

  /// Adds the slice of `src` (`<name>_ch`) in which the arguments marked in
  /// `sliceArg` are 1-vectors; `isCheck`: `src` is the stopping test. Returns
  /// why `src` cannot be sliced ("" if it was).
  std::string slice(func::FuncOp src, ArrayRef<bool> sliceArg, bool isCheck);

private:
  bool isVector(Type t) const {
    auto rt = dyn_cast<RankedTensorType>(t);
    return rt && rt.getRank() == 1 && rt.getDimSize(0) == d;
  }
  static Type narrowType(Type t) {
    return RankedTensorType::get({1},
                                 cast<RankedTensorType>(t).getElementType());
  }
  /// `v` as a channel value before `user`: itself if sliced, a 1-vector of
  /// a splat constant or of a broadcast scalar; null otherwise.
  Value narrow(Value v, Operation *user);

  int64_t d;
  DenseSet<Value> sliced;
};

Value Slicer::narrow(Value v, Operation *user) {
  if (sliced.contains(v))
    return v;
  if (!isVector(v.getType()))
    return {};
  Operation *def = v.getDefiningOp();
  OpBuilder b(user);
  Type type = narrowType(v.getType());
  if (auto c = dyn_cast_or_null<ConstantOp>(def)) {
    auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
    if (!dense || !dense.isSplat())
      return {};
    return b.create<ConstantOp>(
        c.getLoc(), DenseElementsAttr::get(cast<ShapedType>(type),
                                           dense.getSplatValue<Attribute>()));
  }
  if (auto bc = dyn_cast_or_null<BroadcastOp>(def))
    if (bc.getOperand().getType().getRank() == 0)
      return b.create<BroadcastOp>(bc.getLoc(), type, bc.getOperand());
  return {};
}

std::string Slicer::slice(func::FuncOp src, ArrayRef<bool> sliceArg,
                          bool isCheck) {
  sliced.clear();
  OpBuilder b(src);
  b.setInsertionPointAfter(src);
  auto fn = cast<func::FuncOp>(b.clone(*src.getOperation()));
  fn.setSymName((src.getSymName() + "_ch").str());
  if (auto kind = src->getAttrOfType<StringAttr>("lds.derived"))
    fn->setAttr("lds.derived", b.getStringAttr(kind.getValue() + "_ch"));
  auto fail = [&](const Twine &why) {
    fn.erase();
    return ("@" + src.getSymName() + ": " + why).str();
  };
  Block &body = fn.front();
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    if (!sliceArg[i])
      continue;
    if (!isVector(arg.getType()))
      return fail("argument " + Twine(i) + " is not a " + Twine(d) + "-vector");
    arg.setType(narrowType(arg.getType()));
    sliced.insert(arg);
  }
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (OpOperand &o : ret->getOpOperands()) {
        if (!isVector(o.get().getType()) && !sliced.contains(o.get()))
          continue;
        Value n = narrow(o.get(), ret);
        if (!n)
          return fail("result " + Twine(o.getOperandNumber()) +
                      " is not computed channel by channel");
        o.set(n);
      }
      fn.setType(FunctionType::get(fn.getContext(), body.getArgumentTypes(),
                                   ret.getOperandTypes()));
      break;
    }
    if (llvm::none_of(op.getOperands(),
                      [&](Value v) { return sliced.contains(v); }))
      continue;
    // The test's final maximum is over the channel alone: the kernels take
    // the maximum over channels.
    if (isCheck && isa<ReduceMaxOp>(op) && op.hasOneUse() &&
        isa<func::ReturnOp>(*op.getUsers().begin()))
      continue;
    if (!op.hasTrait<OpTrait::Elementwise>())
      return fail("'" + op.getName().getStringRef() +
                  "' reads across channels");
    for (OpOperand &o : op.getOpOperands()) {
      Value n = narrow(o.get(), &op);
      if (!n)
        return fail("'" + op.getName().getStringRef() + "' operand " +
                    Twine(o.getOperandNumber()) +
                    " is not computed channel by channel");
      o.set(n);
    }
    for (Value r : op.getResults()) {
      r.setType(narrowType(r.getType()));
      sliced.insert(r);
    }
  }
  // The full-width values left unused.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (op.use_empty() && isPure(&op) && !op.hasTrait<OpTrait::IsTerminator>())
      op.erase();
  // A slice that does not verify is a bug here, reported as the reason
  // (not as an error: the model still has its other kernels).
  ScopedDiagnosticHandler quiet(fn.getContext(),
                                [](Diagnostic &) { return success(); });
  if (failed(verify(fn)))
    return fail("its slice does not verify");
  return "";
}

void sliceModel(ModuleOp module, ModelOp model) {
  StringRef name = model.getSymName();
  MLIRContext *ctx = module.getContext();
  int64_t d = model.getStateDim();
  Slicer slicer(d);
  auto reason = [&](const std::string &why) {
    model->setAttr("lds.channels", StringAttr::get(ctx, why));
  };
  func::FuncOp f = lookupDerived(module, name, kDerivedF);
  func::FuncOp check = lookupDerived(module, name, "check");
  if (!f || !check)
    return reason("no derived functions (run lds-generate-kernels first)");
  if (lookupDerived(module, name, "f_ch"))
    return;
  // The state, and the inputs and params of shape [D]: the same rule as
  // the kernels' channel offsets (KernelBuilder::isChannelVector).
  auto modelArgs = [&](func::FuncOp fn) {
    SmallVector<bool> marks;
    for (auto [i, type] : llvm::enumerate(fn.getArgumentTypes())) {
      auto kind = fn.getArgAttrOfType<StringAttr>(i, "lds.kind");
      auto rt = dyn_cast<RankedTensorType>(type);
      marks.push_back((kind && kind.getValue() == "state") ||
                      (rt && rt.getRank() == 1 && rt.getDimSize(0) == d));
    }
    return marks;
  };
  if (std::string why = slicer.slice(f, modelArgs(f), false); !why.empty())
    return reason(why);
  if (std::string why = slicer.slice(check, {true, true, false}, true);
      !why.empty()) {
    lookupDerived(module, name, "f_ch").erase();
    return reason(why);
  }
  SmallVector<Attribute> solvers{StringAttr::get(ctx, "sequential")};
  for (auto &[symbol, solver] : kChannelSolvers) {
    SmallVector<func::FuncOp, 3> made;
    bool ok = true;
    for (const char *part : {"element", "combine", "apply"}) {
      std::string kind = (symbol + "_" + part).str();
      func::FuncOp fn = lookupDerived(module, name, kind);
      if (!fn) {
        ok = false;
        break;
      }
      SmallVector<bool> marks =
          std::string(part) == "element"
              ? modelArgs(fn)
              : SmallVector<bool>(fn.getNumArguments(), true);
      if (!slicer.slice(fn, marks, false).empty()) {
        ok = false;
        break;
      }
      made.push_back(lookupDerived(module, name, kind + "_ch"));
    }
    if (!ok) {
      for (func::FuncOp fn : made)
        fn.erase();
      continue;
    }
    solvers.push_back(StringAttr::get(ctx, solver));
  }
  model->setAttr("lds.channels", ArrayAttr::get(ctx, solvers));
}

struct SliceChannelsPass
    : public lds::impl::SliceChannelsBase<SliceChannelsPass> {
  void runOnOperation() override { sliceChannels(getOperation()); }
};

} // namespace

void lds::sliceChannels(ModuleOp module) {
  for (ModelOp model : module.getOps<ModelOp>())
    sliceModel(module, model);
}
