//===- WidenLanes.cpp - f for several sequences at once -------------------===//
//
// lds-widen-lanes (Passes.td): each step function @M_f of the scalar loops
// gains @M_f_lanes, f for L sequences at once. Values that depend on the
// state or the inputs become vector<L x F>, one lane per sequence; params,
// constants and indices stay scalars. The runtime's sequential pass steps
// L sequences of a batch with it: the weights of a mat-vec are read once
// for all of them, and the row sums need no horizontal reductions.
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/Passes.h"

#include "ForwardTransposes.h"
#include "ShareBuffers.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseSet.h"

namespace lds {
#define GEN_PASS_DEF_LDSWIDENLANES
#include "lds/Conversion/Passes.h.inc"
} // namespace lds

using namespace mlir;

namespace {

/// Arguments that hold one sequence's values: repeated once per lane.
bool isLaneArgument(func::FuncOp f, unsigned i) {
  auto kind = f.getArgAttrOfType<StringAttr>(i, "lds.kind");
  return kind && llvm::is_contained({"state", "input", "out"}, kind.getValue());
}

bool isStaticFloatBuffer(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.hasStaticShape() &&
         isa<FloatType>(memref.getElementType());
}

/// Marks which values of a function vary across lanes and rewrites their
/// types: scalars to vector<lanes x T>, buffers to buffers of such vectors.
class Widener {
public:
  Widener(func::FuncOp f, int64_t lanes) : f(f), lanes(lanes) {}

  /// Marks what depends on the buffers `seeds`; false if the function holds
  /// something rewrite() cannot widen (`reason` says what).
  bool analyze(ArrayRef<Value> seeds);
  /// Whether stepping L sequences at once beats stepping each alone, for a
  /// state of `stateElements` values (after analyze()).
  bool pays(int64_t stateElements);
  void rewrite();
  std::string reason;

private:
  bool isVarying(Value v) const {
    if (isa<BaseMemRefType>(v.getType()))
      return varyingRoots.contains(lds::rootBuffer(v));
    return varying.contains(v);
  }
  bool mark(Value v) {
    if (isa<BaseMemRefType>(v.getType()))
      return varyingRoots.insert(lds::rootBuffer(v)).second;
    return varying.insert(v).second;
  }
  bool anyVarying(ValueRange values) const {
    return llvm::any_of(values, [&](Value v) { return isVarying(v); });
  }
  bool propagate(Operation *op);
  std::string whyNot(Operation *op) const;
  VectorType vectorOf(Type scalar) const {
    return VectorType::get({lanes}, scalar);
  }
  MemRefType widenBuffer(Type type) const {
    auto memref = cast<MemRefType>(type);
    return MemRefType::Builder(memref).setElementType(
        vectorOf(memref.getElementType()));
  }
  /// `v` in every lane, built before `user`; `v` itself if it varies.
  Value splat(Value v, Operation *user) {
    if (isVarying(v))
      return v;
    OpBuilder b(user);
    return b.create<vector::BroadcastOp>(user->getLoc(), vectorOf(v.getType()),
                                         v);
  }
  void widenResult(Value v) {
    if (isa<BaseMemRefType>(v.getType()))
      v.setType(widenBuffer(v.getType()));
    else
      v.setType(vectorOf(v.getType()));
  }

  func::FuncOp f;
  int64_t lanes;
  llvm::DenseSet<Value> varying, varyingRoots;
};

/// One step of the fixed point: marks what `op` makes varying; true if it
/// marked something new.
bool Widener::propagate(Operation *op) {
  bool changed = false;
  auto markIf = [&](bool cond, Value v) {
    if (cond)
      changed |= mark(v);
  };
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    markIf(isVarying(load.getMemRef()), load.getResult());
  } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
    markIf(isVarying(store.getValueToStore()), store.getMemRef());
  } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
    markIf(isVarying(copy.getSource()), copy.getTarget());
  } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    for (auto [k, init] : llvm::enumerate(loop.getInitArgs())) {
      bool v = isVarying(init) || isVarying(yield.getOperand(k)) ||
               isVarying(loop.getRegionIterArgs()[k]);
      markIf(v, loop.getRegionIterArgs()[k]);
      markIf(v, loop.getResult(k));
    }
  } else if (auto branch = dyn_cast<scf::IfOp>(op)) {
    for (unsigned k = 0; k < branch.getNumResults(); ++k) {
      bool v =
          isVarying(branch.thenYield().getOperand(k)) ||
          (branch.elseBlock() && isVarying(branch.elseYield().getOperand(k)));
      markIf(v, branch.getResult(k));
    }
  } else if (OpTrait::hasElementwiseMappableTraits(op)) {
    for (Value result : op->getResults())
      markIf(anyVarying(op->getOperands()), result);
  }
  return changed;
}

/// Why rewrite() cannot widen `op` as analyze() marked it; empty if it can.
std::string Widener::whyNot(Operation *op) const {
  auto quoted = [&] { return "'" + op->getName().getStringRef().str() + "'"; };
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return anyVarying(load.getIndices())
               ? quoted() + " reads at an index that differs by sequence"
               : "";
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return anyVarying(store.getIndices())
               ? quoted() + " writes at an index that differs by sequence"
               : "";
  if (auto copy = dyn_cast<memref::CopyOp>(op))
    return isVarying(copy.getSource()) == isVarying(copy.getTarget())
               ? ""
               : quoted() + " copies a buffer of constants into one of a "
                            "sequence's values";
  if (auto loop = dyn_cast<scf::ForOp>(op))
    return anyVarying(
               {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()})
               ? quoted() + " has bounds that differ by sequence"
               : "";
  if (auto branch = dyn_cast<scf::IfOp>(op))
    return isVarying(branch.getCondition())
               ? quoted() + " branches on a value that differs by sequence"
               : "";
  if (isa<scf::YieldOp, func::ReturnOp, memref::AllocaOp, memref::AllocOp,
          memref::DeallocOp>(op) ||
      OpTrait::hasElementwiseMappableTraits(op))
    return "";
  // Views keep their indices and offsets (counted in elements); a
  // memref.view's byte offset is scaled with its byte buffer (rewrite()).
  if (isa<ViewLikeOpInterface>(op))
    return "";
  if (anyVarying(op->getOperands()) || anyVarying(op->getResults()))
    return quoted() + " takes a value that differs by sequence";
  return "";
}

bool Widener::analyze(ArrayRef<Value> seeds) {
  for (Value seed : seeds)
    mark(seed);
  bool changed = true;
  while (changed) {
    changed = false;
    f.walk([&](Operation *op) { changed |= propagate(op); });
  }
  // A varying view of a shared byte buffer becomes a buffer of its own
  // (rewrite()); the uniform ones keep sharing theirs.
  auto isWidenableView = [](Value root) {
    auto view = root.getDefiningOp<memref::ViewOp>();
    return view && lds::isByteArena(view.getSource().getType()) &&
           isa_and_nonnull<memref::AllocaOp, memref::AllocOp>(
               view.getSource().getDefiningOp());
  };
  for (Value root : varyingRoots)
    if (!isStaticFloatBuffer(root.getType()) ||
        !(isa_and_nonnull<memref::AllocaOp, memref::AllocOp>(
              root.getDefiningOp()) ||
          isWidenableView(root))) {
      std::string type;
      llvm::raw_string_ostream os(type);
      os << root.getType();
      reason = "values that differ by sequence are kept in a " + type +
               " the lanes cannot widen";
      return false;
    }
  WalkResult walk = f.walk([&](Operation *op) {
    reason = whyNot(op);
    return reason.empty() ? WalkResult::advance() : WalkResult::interrupt();
  });
  return !walk.wasInterrupted();
}

/// States of at least this many values in a function without sums are
/// already vectorised over their channels, one sequence at a time.
constexpr int64_t kWideState = 16;

bool Widener::pays(int64_t stateElements) {
  // A sum over varying values (a mat-vec row, a dot product) is a horizontal
  // reduction a sequence at a time, and an FMA per weight for L of them
  // here. Without one, the lanes add only the gathers and scatters at the
  // entry and the returns (the elementwise example, D = 64, batch 8: 103 ms
  // with the lanes against 71 ms without).
  bool hasSum = false;
  f.walk([&](scf::ForOp loop) {
    hasSum |= llvm::any_of(loop.getRegionIterArgs(),
                           [&](Value v) { return isVarying(v); });
  });
  if (hasSum || stateElements < kWideState)
    return true;
  reason = "f sums no values that differ by sequence, and its " +
           std::to_string(stateElements) +
           " state values are vectorised one sequence at a time already";
  return false;
}

void Widener::rewrite() {
  SmallVector<memref::ViewOp> ownViews;
  f.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<memref::AllocaOp, memref::AllocOp, ViewLikeOpInterface>(op)) {
      for (Value result : op->getResults())
        if (isVarying(result))
          widenResult(result);
      // A varying view of a shared byte buffer: a buffer of its own, L
      // times larger (the buffer's other views stay as they are).
      if (auto view = dyn_cast<memref::ViewOp>(op);
          view && isVarying(view.getResult())) {
        OpBuilder b(view);
        Value own = b.create<memref::AllocaOp>(view.getLoc(),
                                               cast<MemRefType>(view.getType()),
                                               b.getI64IntegerAttr(64));
        varyingRoots.insert(own);
        view.getResult().replaceAllUsesWith(own);
        ownViews.push_back(view);
      }
    } else if (auto load = dyn_cast<memref::LoadOp>(op)) {
      if (isVarying(load.getMemRef()))
        widenResult(load.getResult());
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (isVarying(store.getMemRef()))
        store.getValueMutable().set(splat(store.getValueToStore(), op));
    } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
      for (auto [k, arg] : llvm::enumerate(loop.getRegionIterArgs()))
        if (isVarying(arg)) {
          loop.getInitArgsMutable()[k].set(splat(loop.getInitArgs()[k], op));
          widenResult(arg);
          widenResult(loop.getResult(k));
        }
    } else if (auto branch = dyn_cast<scf::IfOp>(op)) {
      for (Value result : branch.getResults())
        if (isVarying(result))
          widenResult(result);
    } else if (auto yield = dyn_cast<scf::YieldOp>(op)) {
      // The parent's results were widened before its regions were visited.
      Operation *parent = op->getParentOp();
      for (OpOperand &operand : yield->getOpOperands())
        if (isVarying(parent->getResult(operand.getOperandNumber())))
          operand.set(splat(operand.get(), op));
    } else if (OpTrait::hasElementwiseMappableTraits(op) &&
               anyVarying(op->getOperands())) {
      for (OpOperand &operand : op->getOpOperands())
        operand.set(splat(operand.get(), op));
      for (Value result : op->getResults())
        widenResult(result);
    }
  });
  for (memref::ViewOp view : ownViews)
    view.erase();
}

/// Independent partial sums a widened sum is split over: the FMA chains in
/// flight that hide the latency of each (the scalar loops vectorise a dot
/// product over 16 partial sums instead; lds-cpu-fast-math).
constexpr int64_t kPartialSums = 8;

/// Splits a sum over a loop, `scf.for %k = 0 to N step 1 iter_args(%acc)`
/// yielding `addf %acc, %p` (%acc's only use) with %acc a vector of lanes,
/// over S partial sums (S the largest of 8, 4, 2 that divides N): one
/// loop of step S whose body is the old one S times, each adding into its
/// own sum, which are added up after it. A single sum is one chain of
/// dependent FMAs, one every 4 cycles or so.
void splitSum(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *lb != 0 || *step != 1 ||
      loop.getNumRegionIterArgs() != 1 ||
      !isa<VectorType>(loop.getRegionIterArgs()[0].getType()))
    return;
  Value acc = loop.getRegionIterArgs()[0];
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  // The running sum may feed nothing but the next iteration: split, each
  // partial sum would stand in for it.
  if (!add || !acc.hasOneUse() || !add->hasOneUse() || add.getLhs() != acc ||
      add->getBlock() != loop.getBody())
    return;
  int64_t parts = kPartialSums;
  while (parts > 1 && *ub % parts != 0)
    parts /= 2;
  if (parts < 2 || *ub == parts)
    return;

  Location loc = loop.getLoc();
  OpBuilder b(loop);
  Value zero = b.create<arith::ConstantOp>(loc, b.getZeroAttr(acc.getType()));
  SmallVector<Value> inits{loop.getInitArgs()[0]};
  inits.append(parts - 1, zero);
  Value newStep = b.create<arith::ConstantIndexOp>(loc, parts);
  auto split = b.create<scf::ForOp>(
      loc, loop.getLowerBound(), loop.getUpperBound(), newStep, inits,
      [&](OpBuilder &nb, Location, Value k, ValueRange sums) {
        SmallVector<Value> next;
        for (int64_t j = 0; j < parts; ++j) {
          IRMapping map;
          map.map(loop.getInductionVar(),
                  j == 0
                      ? k
                      : nb.create<arith::AddIOp>(
                              loc, k, nb.create<arith::ConstantIndexOp>(loc, j))
                            .getResult());
          map.map(acc, sums[j]);
          for (Operation &op : loop.getBody()->without_terminator())
            nb.clone(op, map);
          next.push_back(map.lookup(add.getResult()));
        }
        nb.create<scf::YieldOp>(loc, next);
      });
  // The partial sums added pairwise.
  SmallVector<Value> sums(split.getResults());
  while (sums.size() > 1) {
    SmallVector<Value> half;
    for (size_t j = 0; j + 1 < sums.size(); j += 2)
      half.push_back(b.create<arith::AddFOp>(loc, sums[j], sums[j + 1],
                                             add.getFastmathAttr()));
    sums = half;
  }
  loop.getResult(0).replaceAllUsesWith(sums[0]);
  loop.erase();
}

/// Rows of a mat-vec computed together (unroll-and-jam of the row loop):
/// each load of a lane vector x[k] serves this many weights W[i + r, k]
/// and FMA chains.
constexpr int64_t kJammedRows = 8;

/// Whether `outer`'s iterations may run interleaved: they store once per
/// buffer, at indices that include its induction variable itself, to
/// buffers nothing in it loads, and hold nothing but pure ops, loads and
/// loops of those.
bool iterationsIndependent(scf::ForOp outer) {
  llvm::DenseSet<Value> stored, loaded;
  bool ok = true;
  outer.getBody()->walk([&](Operation *op) {
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      // One store a buffer, at indices that include the row's: rows write
      // apart, whatever order they run in.
      ok &= store->getParentOp() == outer &&
            llvm::is_contained(store.getIndices(), outer.getInductionVar()) &&
            stored.insert(lds::rootBuffer(store.getMemRef())).second;
    } else if (auto load = dyn_cast<memref::LoadOp>(op)) {
      loaded.insert(lds::rootBuffer(load.getMemRef()));
    } else if (!isa<scf::ForOp, scf::YieldOp>(op) && !isPure(op)) {
      ok = false;
    }
  });
  return ok &&
         llvm::none_of(stored, [&](Value v) { return loaded.contains(v); });
}

/// Unroll-and-jam of a row loop `scf.for %i = 0 to N step 1` whose body
/// holds a sum over a vector of lanes (a widened mat-vec row): R rows
/// (R the largest of 8, 4, 2 dividing N) a step, each inner loop holding
/// the R rows' bodies side by side with R sums. The rows share each load
/// of x[k] and their sums are independent FMA chains.
void jamRows(scf::ForOp outer) {
  std::optional<int64_t> lb = getConstantIntValue(outer.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(outer.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(outer.getStep());
  if (!lb || !ub || !step || *lb != 0 || *step != 1 ||
      outer.getNumRegionIterArgs() != 0)
    return;
  // The inner loops become one loop for all R rows, with row 0's bounds:
  // no row's bounds may differ from another's.
  bool hasSum = false;
  for (auto inner : outer.getBody()->getOps<scf::ForOp>()) {
    if (!llvm::all_of(inner->getOperands().take_front(3),
                      [&](Value v) { return outer.isDefinedOutsideOfLoop(v); }))
      return;
    hasSum |= llvm::any_of(inner.getRegionIterArgs(), [](Value v) {
      return isa<VectorType>(v.getType());
    });
  }
  int64_t rows = kJammedRows;
  while (rows > 1 && *ub % rows != 0)
    rows /= 2;
  if (!hasSum || rows < 2 || !iterationsIndependent(outer))
    return;

  Location loc = outer.getLoc();
  OpBuilder b(outer);
  Value newStep = b.create<arith::ConstantIndexOp>(loc, rows);
  auto jammed = b.create<scf::ForOp>(loc, outer.getLowerBound(),
                                     outer.getUpperBound(), newStep);
  b.setInsertionPoint(jammed.getBody()->getTerminator());
  SmallVector<IRMapping> maps(rows);
  for (int64_t r = 0; r < rows; ++r) {
    Value iv = jammed.getInductionVar();
    if (r > 0)
      iv = b.create<arith::AddIOp>(loc, iv,
                                   b.create<arith::ConstantIndexOp>(loc, r));
    maps[r].map(outer.getInductionVar(), iv);
  }
  for (Operation &op : outer.getBody()->without_terminator()) {
    auto inner = dyn_cast<scf::ForOp>(op);
    if (!inner) {
      for (int64_t r = 0; r < rows; ++r)
        b.clone(op, maps[r]);
      continue;
    }
    // One inner loop carrying the R rows' values side by side.
    SmallVector<Value> inits;
    for (int64_t r = 0; r < rows; ++r)
      for (Value init : inner.getInitArgs())
        inits.push_back(maps[r].lookupOrDefault(init));
    int64_t width = inner.getNumRegionIterArgs();
    auto merged = b.create<scf::ForOp>(
        loc, maps[0].lookupOrDefault(inner.getLowerBound()),
        maps[0].lookupOrDefault(inner.getUpperBound()),
        maps[0].lookupOrDefault(inner.getStep()), inits,
        [&](OpBuilder &nb, Location, Value k, ValueRange carried) {
          SmallVector<Value> next;
          for (int64_t r = 0; r < rows; ++r) {
            IRMapping map = maps[r];
            map.map(inner.getInductionVar(), k);
            map.map(inner.getRegionIterArgs(), carried.slice(r * width, width));
            for (Operation &bodyOp : inner.getBody()->without_terminator())
              nb.clone(bodyOp, map);
            auto yield = cast<scf::YieldOp>(inner.getBody()->getTerminator());
            for (Value v : yield.getOperands())
              next.push_back(map.lookupOrDefault(v));
          }
          nb.create<scf::YieldOp>(loc, next);
        });
    for (int64_t r = 0; r < rows; ++r)
      maps[r].map(inner.getResults(),
                  merged.getResults().slice(r * width, width));
  }
  outer.erase();
}

/// Calls `body` with the indices of every element of a buffer of `shape`,
/// in nested loops.
void forEachElement(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                    function_ref<void(OpBuilder &, ValueRange)> body) {
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t extent : shape) {
    lbs.push_back(b.create<arith::ConstantIndexOp>(loc, 0));
    ubs.push_back(b.create<arith::ConstantIndexOp>(loc, extent));
    steps.push_back(b.create<arith::ConstantIndexOp>(loc, 1));
  }
  scf::buildLoopNest(
      b, loc, lbs, ubs, steps,
      [&](OpBuilder &nb, Location, ValueRange ivs) { body(nb, ivs); });
}

int64_t stateElements(func::FuncOp f) {
  for (unsigned i = 0; i < f.getNumArguments(); ++i)
    if (auto kind = f.getArgAttrOfType<StringAttr>(i, "lds.kind");
        kind && kind.getValue() == "state")
      return cast<MemRefType>(f.getArgumentTypes()[i]).getNumElements();
  return 0;
}

/// The most lanes the runtime takes (LDS_MAX_LANES of model_abi.h).
constexpr int64_t kMaxLanes = 64;

/// Stack bytes of @M_f_lanes' buffers at most: a worker thread's stack
/// (8 MiB by default on Linux) holds them. (Langevin at D = 512 needs 1.2
/// MiB, most of it one D x D buffer of params shared by both functions; a
/// buffer of the sequences' values takes L times its bytes.)
constexpr int64_t kMaxStackBytes = 2 << 20;

/// The attribute of @M_f that says whether it got lanes, and why not.
constexpr llvm::StringLiteral kLanesNote = "lds.lanes_note";
constexpr llvm::StringLiteral kAlone =
    "the sequential pass steps one sequence at a time: ";

struct WidenLanesPass : public lds::impl::LDSWidenLanesBase<WidenLanesPass> {
  using LDSWidenLanesBase::LDSWidenLanesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> steps;
    for (auto f : module.getOps<func::FuncOp>())
      if (auto derived = f->getAttrOfType<StringAttr>("lds.derived");
          derived && derived.getValue() == "f")
        steps.push_back(f);
    for (func::FuncOp f : steps)
      widen(f, symbols);
  }

  void widen(func::FuncOp f, SymbolTable &symbols) {
    // The lane count from the model's float type (that of the state).
    // Each @M_f says what became of it, for lds-compile --verbose.
    auto note = [&](const Twine &text) {
      f->setAttr(kLanesNote, StringAttr::get(f.getContext(), text));
    };
    FloatType floatType;
    for (unsigned i = 0; i < f.getNumArguments(); ++i) {
      if (!isLaneArgument(f, i))
        continue;
      if (!isStaticFloatBuffer(f.getArgumentTypes()[i])) {
        auto name = f.getArgAttrOfType<StringAttr>(i, "lds.name");
        auto kind = f.getArgAttrOfType<StringAttr>(i, "lds.kind");
        return note(kAlone + kind.getValue() + " '" +
                    (name ? name.getValue() : "?") + "' holds integers");
      }
      floatType = cast<FloatType>(
          cast<MemRefType>(f.getArgumentTypes()[i]).getElementType());
    }
    int64_t lanes = floatType ? laneBytes / (floatType.getWidth() / 8) : 0;
    if (lanes > kMaxLanes)
      return note(kAlone + "lane-bytes=" + Twine(laneBytes.getValue()) +
                  " holds more than " + Twine(kMaxLanes) + " values");
    if (lanes < 2)
      return note(kAlone + "lane-bytes=" + Twine(laneBytes.getValue()) +
                  " holds fewer than 2 values");

    func::FuncOp g = f.clone();
    g.setSymName((f.getSymName() + "_lanes").str());
    // A jammed row loop reads a transposed param as well in place as in a
    // copy, which would cost D^2 loads and stores a step.
    if (lds::forwardTransposedCopies(g))
      lds::shrinkSharedBuffers(g);
    // Each lane argument's values go to a buffer of the function's own,
    // which the widening turns into one of vectors; it is gathered from the
    // lanes at the entry and scattered to them at each return.
    Block &entry = g.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    SmallVector<std::pair<unsigned, Value>> buffers;
    for (BlockArgument arg : entry.getArguments())
      if (isLaneArgument(g, arg.getArgNumber())) {
        Value buffer = b.create<memref::AllocaOp>(
            g.getLoc(), cast<MemRefType>(arg.getType()));
        arg.replaceAllUsesWith(buffer);
        buffers.push_back({arg.getArgNumber(), buffer});
      }
    Widener widener(g, lanes);
    if (!widener.analyze(llvm::to_vector(llvm::make_second_range(buffers))) ||
        !widener.pays(stateElements(f))) {
      g.erase();
      return note(kAlone + widener.reason);
    }
    widener.rewrite();
    // The lanes' buffers live on the caller's stack (a worker thread's).
    int64_t stackBytes = 0;
    g.walk([&](memref::AllocaOp alloca) {
      MemRefType type = alloca.getType();
      int64_t elementBytes = isa<VectorType>(type.getElementType())
                                 ? lanes * (floatType.getWidth() / 8)
                                 : (type.getElementTypeBitWidth() + 7) / 8;
      stackBytes += type.getNumElements() * elementBytes;
    });
    if (stackBytes > kMaxStackBytes) {
      g.erase();
      return note(kAlone + "its buffers would take " + Twine(stackBytes >> 10) +
                  " KiB of stack for " + Twine(lanes) + " sequences (at most " +
                  Twine(kMaxStackBytes >> 10) + " KiB)");
    }
    // Rows of mat-vecs jammed where they can be (innermost first: jamming
    // a loop erases only loops inside it), other sums split.
    SmallVector<scf::ForOp> loops;
    g.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      jamRows(loop);
    loops.clear();
    g.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      splitSum(loop);

    // Lane l of argument i: the argument itself for l = 0, then L - 1 new
    // ones after it (from the last argument back, so indices hold).
    for (auto [i, buffer] : llvm::reverse(buffers)) {
      Type type = g.getArgumentTypes()[i];
      DictionaryAttr attrs = g.getArgAttrDict(i);
      for (int64_t l = 1; l < lanes; ++l)
        g.insertArgument(i + l, type, attrs, g.getLoc());
    }
    // Each buffer's first lane argument: its argument of f, moved on by the
    // L - 1 lanes inserted after each lane argument before it.
    SmallVector<std::pair<unsigned, Value>> lanesOf;
    unsigned shift = 0;
    for (auto [i, buffer] : buffers) {
      lanesOf.push_back({i + shift, buffer});
      shift += lanes - 1;
    }

    Location loc = g.getLoc();
    b.setInsertionPointAfter(buffers.back().second.getDefiningOp());
    for (auto [first, buffer] : lanesOf) {
      auto kind = g.getArgAttrOfType<StringAttr>(first, "lds.kind");
      if (kind.getValue() == "out")
        continue;
      auto type = cast<MemRefType>(buffer.getType());
      forEachElement(
          b, loc, type.getShape(), [&](OpBuilder &nb, ValueRange ivs) {
            Value v;
            for (int64_t l = 0; l < lanes; ++l) {
              Value x = nb.create<memref::LoadOp>(
                  loc, entry.getArgument(first + l), ivs);
              v = l == 0
                      ? nb.create<vector::BroadcastOp>(
                              loc, cast<VectorType>(type.getElementType()), x)
                            .getResult()
                      : nb.create<vector::InsertOp>(loc, x, v, l).getResult();
            }
            nb.create<memref::StoreOp>(loc, v, buffer, ivs);
          });
    }
    g.walk([&](func::ReturnOp ret) {
      OpBuilder rb(ret);
      for (auto [first, buffer] : lanesOf) {
        auto kind = g.getArgAttrOfType<StringAttr>(first, "lds.kind");
        if (kind.getValue() != "out")
          continue;
        auto type = cast<MemRefType>(buffer.getType());
        forEachElement(rb, loc, type.getShape(),
                       [&](OpBuilder &nb, ValueRange ivs) {
                         Value v = nb.create<memref::LoadOp>(loc, buffer, ivs);
                         for (int64_t l = 0; l < lanes; ++l)
                           nb.create<memref::StoreOp>(
                               loc, nb.create<vector::ExtractOp>(loc, v, l),
                               entry.getArgument(first + l), ivs);
                       });
      }
    });
    Builder attrs(g.getContext());
    g->setAttr("lds.derived", attrs.getStringAttr("f_lanes"));
    g->setAttr("lds.lanes", attrs.getI64IntegerAttr(lanes));
    symbols.insert(g, std::next(Block::iterator(f)));
    note("the sequential pass steps " + Twine(lanes) + " sequences at once (@" +
         g.getSymName() + ")");
  }
};

} // namespace
