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
// the solvers' maps, and the inputs and params read at the channel. Called
// with pointers to channel c of each, a slice computes channel c of the
// original function. The stopping test's slice returns the channel's own
// excess: a row fails when any channel fails.
//
// How a slice reads an input or param (its mode, from its uses in f, the
// same in every slice of the model, recorded in `lds.channel_strides` for
// the kernels: the elements between two channels' pointers):
// - at the channel (stride 1): a [D] vector whose values stay channel by
//   channel (reach only elementwise ops, or ops that read the state);
// - a row (stride K): a [D, K] matrix that is only the left operand of
//   mat-vecs whose vector does not depend on the state and whose products
//   stay channel by channel, e.g. the projected input `B @ u` of a diagonal
//   state-space model; channel c computes row c of the product (its slice
//   of B is [1, K]);
// - whole (stride 0): anything else. Values computed from whole inputs and
//   params alone do not depend on the state and are the same in every
//   channel: a slice computes them whole (`sum(w)`, `u * 2`), and an
//   elementwise op that meets them narrows them only where that is free (a
//   splat, a broadcast scalar, a row mat-vec as above).
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

/// "input:<name>" or "param:<name>" for argument `i` of a derived function,
/// "" for its other arguments.
std::string argKey(func::FuncOp fn, unsigned i) {
  auto kind = fn.getArgAttrOfType<StringAttr>(i, "lds.kind");
  auto name = fn.getArgAttrOfType<StringAttr>(i, "lds.name");
  if (!kind || !name ||
      (kind.getValue() != "input" && kind.getValue() != "param"))
    return "";
  return (kind.getValue() + ":" + name.getValue()).str();
}

/// How a slice reads an argument: the elements between two channels.
enum class ArgMode { Whole, Channel, Row };

class Slicer {
public:
  explicit Slicer(int64_t d) : d(d) {}

  /// Adds the slice of `src` (`<name>_ch`) in which each argument is read as
  /// `modes` says; `isCheck`: `src` is the stopping test. Returns why `src`
  /// cannot be sliced ("" if it was).
  std::string slice(func::FuncOp src, ArrayRef<ArgMode> modes, bool isCheck);

private:
  bool isVector(Type t) const {
    auto rt = dyn_cast<RankedTensorType>(t);
    return rt && rt.getRank() == 1 && rt.getDimSize(0) == d;
  }
  static Type narrowType(Type t) {
    return RankedTensorType::get({1},
                                 cast<RankedTensorType>(t).getElementType());
  }
  /// `v` as a channel value: itself if sliced, else the channel
  /// of a splat constant, of a broadcast scalar, of a row mat-vec, or of an
  /// elementwise op on such values (made after `v`'s op, once); null
  /// otherwise.
  Value narrow(Value v);

  int64_t d;
  DenseSet<Value> sliced;
  /// The [D, K] arguments read a row at a time, now [1, K].
  DenseSet<Value> rows;
  /// The channel of each whole value narrowed so far.
  DenseMap<Value, Value> narrowed;
};

Value Slicer::narrow(Value v) {
  if (sliced.contains(v))
    return v;
  if (Value n = narrowed.lookup(v))
    return n;
  if (!isVector(v.getType()))
    return {};
  Operation *def = v.getDefiningOp();
  if (!def)
    return {};
  // After `def`: the value serves every later user.
  OpBuilder b(def->getContext());
  b.setInsertionPointAfter(def);
  Type type = narrowType(v.getType());
  Value n;
  if (auto c = dyn_cast<ConstantOp>(def)) {
    auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
    if (!dense || !dense.isSplat())
      return {};
    n = b.create<ConstantOp>(
        c.getLoc(), DenseElementsAttr::get(cast<ShapedType>(type),
                                           dense.getSplatValue<Attribute>()));
  } else if (auto bc = dyn_cast<BroadcastOp>(def)) {
    if (bc.getOperand().getType().getRank() != 0)
      return {};
    n = b.create<BroadcastOp>(bc.getLoc(), type, bc.getOperand());
  } else if (auto mm = dyn_cast<MatmulOp>(def)) {
    // Row c of M @ v, where M is read a row at a time and v is whole.
    if (!rows.contains(mm.getLhs()) || rows.contains(mm.getRhs()) ||
        cast<RankedTensorType>(mm.getRhs().getType()).getRank() != 1)
      return {};
    n = b.create<MatmulOp>(mm.getLoc(), type, mm.getLhs(), mm.getRhs());
  } else if (def->hasTrait<OpTrait::Elementwise>() &&
             def->getNumResults() == 1 && isPure(def)) {
    // A value computed from whole ones, channel by channel: its channel
    // from theirs (tanh(B @ u + c) is tanh of row c plus c's channel).
    SmallVector<Value> operands;
    for (Value o : def->getOperands()) {
      Value no = narrow(o);
      if (!no)
        return {};
      operands.push_back(no);
    }
    Operation *copy = b.clone(*def);
    copy->setOperands(operands);
    copy->getResult(0).setType(type);
    n = copy->getResult(0);
  } else {
    return {};
  }
  narrowed[v] = n;
  return n;
}

std::string Slicer::slice(func::FuncOp src, ArrayRef<ArgMode> modes,
                          bool isCheck) {
  sliced.clear();
  rows.clear();
  narrowed.clear();
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
    if (modes[i] == ArgMode::Row) {
      auto rt = cast<RankedTensorType>(arg.getType());
      arg.setType(
          RankedTensorType::get({1, rt.getDimSize(1)}, rt.getElementType()));
      rows.insert(arg);
      continue;
    }
    if (modes[i] != ArgMode::Channel)
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
        Value n = narrow(o.get());
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
      Value n = narrow(o.get());
      if (n) {
        o.set(n);
        continue;
      }
      std::string what = "not computed channel by channel";
      if (auto arg = dyn_cast<BlockArgument>(o.get()))
        if (std::string key = argKey(fn, arg.getArgNumber()); !key.empty()) {
          auto [kind, name] = StringRef(key).split(':');
          what = (kind + " '" + name + "', which the slices read whole").str();
        }
      return fail("'" + op.getName().getStringRef() + "' operand " +
                  Twine(o.getOperandNumber()) + " is " + what);
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

bool isStateArg(func::FuncOp fn, unsigned i) {
  auto kind = fn.getArgAttrOfType<StringAttr>(i, "lds.kind");
  return kind && kind.getValue() == "state";
}

/// How the slices read each input and param (the file comment): the most
/// economical mode that its uses in f allow. A value read at the channel
/// (an argument, or a row mat-vec's product) must stay channel by channel:
/// every op it reaches that is not elementwise must also read the state
/// (then the model is not channel-wise anyway, and its slice says why), so
/// `sum(w * w)` reads w whole and `sum(B @ u)` reads B whole.
llvm::StringMap<ArgMode> argModes(func::FuncOp fn, int64_t d) {
  // The values that depend on the state.
  DenseSet<Value> state;
  for (auto [i, arg] : llvm::enumerate(fn.getArguments()))
    if (isStateArg(fn, i))
      state.insert(arg);
  for (Operation &op : fn.front())
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return state.contains(v); }))
      for (Value r : op.getResults())
        state.insert(r);
  auto staysChannelwise = [&](Value root) {
    SmallVector<Value> work{root};
    DenseSet<Value> seen{root};
    while (!work.empty()) {
      for (Operation *user : work.pop_back_val().getUsers()) {
        if (isa<func::ReturnOp>(user))
          continue;
        if (!user->hasTrait<OpTrait::Elementwise>()) {
          if (llvm::none_of(user->getOperands(),
                            [&](Value o) { return state.contains(o); }))
            return false;
          continue;
        }
        for (Value r : user->getResults())
          if (seen.insert(r).second)
            work.push_back(r);
      }
    }
    return true;
  };
  llvm::StringMap<ArgMode> modes;
  for (auto [i, arg] : llvm::enumerate(fn.getArguments())) {
    std::string key = argKey(fn, i);
    if (key.empty())
      continue;
    auto rt = dyn_cast<RankedTensorType>(arg.getType());
    ArgMode mode = ArgMode::Whole;
    if (rt && rt.getRank() == 1 && rt.getDimSize(0) == d &&
        staysChannelwise(arg))
      mode = ArgMode::Channel;
    if (rt && rt.getRank() == 2 && rt.getDimSize(0) == d && !arg.use_empty()) {
      mode = ArgMode::Row;
      for (OpOperand &use : arg.getUses()) {
        auto mm = dyn_cast<MatmulOp>(use.getOwner());
        if (!mm || use.getOperandNumber() != 0 ||
            cast<RankedTensorType>(mm.getRhs().getType()).getRank() != 1 ||
            state.contains(mm.getRhs()) || !staysChannelwise(mm.getResult()))
          mode = ArgMode::Whole;
      }
    }
    modes[key] = mode;
  }
  return modes;
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
  // One mode per input and param for every slice, from the uses in f: a
  // solver whose element reads an argument otherwise gets no slices.
  llvm::StringMap<ArgMode> modes = argModes(f, d);
  auto modelArgs = [&](func::FuncOp fn) {
    SmallVector<ArgMode> marks;
    for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
      std::string key = argKey(fn, i);
      marks.push_back(isStateArg(fn, i) ? ArgMode::Channel
                      : key.empty()     ? ArgMode::Whole
                                        : modes.lookup(key));
    }
    return marks;
  };
  if (std::string why = slicer.slice(f, modelArgs(f), false); !why.empty())
    return reason(why);
  if (std::string why = slicer.slice(
          check, {ArgMode::Channel, ArgMode::Channel, ArgMode::Whole}, true);
      !why.empty()) {
    lookupDerived(module, name, "f_ch").erase();
    return reason(why);
  }
  // The kernels' channel offsets: elements between two channels' pointers.
  SmallVector<NamedAttribute> strides;
  for (unsigned i = 0; i < f.getNumArguments(); ++i) {
    std::string key = argKey(f, i);
    if (key.empty())
      continue;
    int64_t stride = 0;
    switch (modes.lookup(key)) {
    case ArgMode::Channel:
      stride = 1;
      break;
    case ArgMode::Row:
      stride = cast<RankedTensorType>(f.getArgumentTypes()[i]).getDimSize(1);
      break;
    case ArgMode::Whole:
      break;
    }
    strides.emplace_back(StringAttr::get(ctx, key),
                         IntegerAttr::get(IntegerType::get(ctx, 64), stride));
  }
  model->setAttr("lds.channel_strides", DictionaryAttr::get(ctx, strides));
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
      SmallVector<ArgMode> marks =
          std::string(part) == "element"
              ? modelArgs(fn)
              : SmallVector<ArgMode>(fn.getNumArguments(), ArgMode::Channel);
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
