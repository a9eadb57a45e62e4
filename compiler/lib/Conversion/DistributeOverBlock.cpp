//===- DistributeOverBlock.cpp - split a step function over a thread block ===//
//
// The GPU backend runs large-D step functions block-cooperatively: every
// thread of a CUDA thread block calls the same lowered function (say
// `@M_newton_combine`) with the same arguments, and the function splits its
// work over the threads. This pass makes the scalar-loop form of
// lds-lower-to-loops do that, for the `func.func`s tagged `lds.cooperative`:
//
// - Its buffers (the entry block's memref.allocas) move from the thread's
//   stack to memory the whole block sees: one trailing `memref<Nxi8>`
//   argument, the block scratch, of which each buffer views its own 64-byte
//   aligned range (`lds.scratch_bytes` = N on the function). The caller
//   passes the same scratch to every thread of the block, aligned to at least
//   8 bytes (64 keeps every buffer 64-byte aligned).
// - The thread index and count come from `@lds_coop_tid()` and
//   `@lds_coop_ntid()`, a block-wide barrier from `@lds_coop_barrier()`:
//   external functions the GPU target defines.
// - The top-level ops of the body that write memory are split: an `scf.for`
//   without iter_args (the outer loop of the nest that fills a buffer) runs
//   iterations tid, tid + ntid, ... in each thread; a `memref.copy` (the
//   results into the out-parameters) becomes such a loop nest; any other
//   writing op runs in thread 0 only (`scf.if (tid == 0)`). Where such a
//   loop's body is only its next loop (and pure arithmetic), whose bounds
//   are invariant and whose stores index the next dimension by its
//   induction variable, the band of loops becomes one distributed loop over
//   all their iterations, the innermost index varying fastest: a warp's
//   threads then access consecutive elements (coalesced) instead of one
//   element of each of 32 rows. A barrier
//   follows each writing op (read after write: the next ops read the buffer;
//   after the last one, the caller reads the results) and precedes one that
//   may overwrite what some thread may have read since the last barrier
//   (write after read: a buffer that ShareBuffers reuses, an out-parameter
//   that aliases an input; at entry, whatever the caller read). Buffers are
//   told apart by their ranges of the scratch; the arguments may alias each
//   other. A return after reads gets a barrier too, as the caller may then
//   write what they read.
// - Everything else (arith, loads, scalar reductions: scf.for with iter_args
//   that only load) is computed redundantly by every thread; it only reads.
//
// Distributing an outer loop is valid when its iterations write disjoint
// memory and read nothing another iteration writes. That holds for every loop
// nest lds-lower-to-loops emits to fill a buffer: elementwise ops, data
// movement, matmul, concat and splat constants each store the result element
// at the loop's own indices (concat: the outer index plus a constant offset)
// into a fresh buffer that the loop never reads. The pass checks it rather
// than trusting it: every write in the loop must be a `memref.store` whose
// first index is the loop's induction variable, possibly plus a constant or a
// value defined outside the loop, the same for every store (A[i] and
// A[i + 1] would have two iterations write one element), and the loop must
// read nothing that may be
// memory it writes (another buffer of the same ShareBuffers arena; any
// argument, when it writes one, as arguments may alias); a loop that fails
// the check runs in thread 0 instead.
//
// A writing op with results (an scf.for with iter_args that also stores)
// cannot be run by one thread only, as the others would lack its results; the
// pass rejects it (lds-lower-to-loops emits none: its folds only load, and the
// store of a reduction's result is a separate top-level op).
//
//===----------------------------------------------------------------------===//

#include "lds/Conversion/Passes.h"

#include "ShareBuffers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/MathExtras.h"

namespace lds {
#define GEN_PASS_DEF_LDSDISTRIBUTEOVERBLOCK
#include "lds/Conversion/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;

/// The unit attribute that selects a function, and what the pass records.
constexpr StringLiteral kCooperative = "lds.cooperative";
constexpr StringLiteral kScratchBytes = "lds.scratch_bytes";
/// Each buffer starts at a multiple of this many bytes from the scratch.
constexpr int64_t kBufferAlignment = 64;

//===----------------------------------------------------------------------===//
// Memory effects
//===----------------------------------------------------------------------===//

/// Whether `op` or an op nested in it may have one of `Effects`. An op that
/// does not describe its effects (a call, an unregistered op) may have any.
template <typename... Effects> static bool mayHaveEffect(Operation *op) {
  WalkResult result = op->walk([](Operation *nested) {
    if (auto iface = dyn_cast<MemoryEffectOpInterface>(nested))
      return (iface.hasEffect<Effects>() || ...) ? WalkResult::interrupt()
                                                 : WalkResult::advance();
    if (nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    return WalkResult::interrupt();
  });
  return result.wasInterrupted();
}

static bool mayWrite(Operation *op) {
  return mayHaveEffect<MemoryEffects::Write>(op);
}

namespace {
/// A coarse set of memory locations: byte ranges of the block scratch, and
/// whether it may also hold memory outside the scratch (the arguments, which
/// may alias each other, and globals) or anything at all.
struct Footprint {
  SmallVector<std::pair<int64_t, int64_t>> scratch; // [begin, end)
  bool outside = false;
  bool all = false;

  bool empty() const { return scratch.empty() && !outside && !all; }

  void add(const Footprint &other) {
    llvm::append_range(scratch, other.scratch);
    outside |= other.outside;
    all |= other.all;
  }

  bool overlaps(const Footprint &other) const {
    if ((all && !other.empty()) || (other.all && !empty()))
      return true;
    if (outside && other.outside)
      return true;
    for (auto [begin, end] : scratch)
      for (auto [otherBegin, otherEnd] : other.scratch)
        if (begin < otherEnd && otherBegin < end)
          return true;
    return false;
  }
};

/// Where the memrefs of a cooperative function live, once its buffers are
/// views of the scratch.
class MemoryMap {
public:
  MemoryMap(func::FuncOp func, Value scratch)
      : entry(&func.getBody().front()), scratch(scratch) {}

  /// Records that `view` is the scratch's range [begin, end).
  void addBuffer(Value view, int64_t begin, int64_t end) {
    ranges[view] = {begin, end};
  }

  /// The memory that `memref` may refer to: the range of the buffer it views
  /// (a view of a ShareBuffers arena: the whole arena), an argument or a
  /// global, or anything when it cannot tell.
  Footprint of(Value memref) const {
    Footprint footprint;
    while (true) {
      auto range = ranges.find(memref);
      if (range != ranges.end()) {
        footprint.scratch.push_back(range->second);
        return footprint;
      }
      if (auto arg = dyn_cast<BlockArgument>(memref)) {
        bool isArgument = arg.getOwner() == entry && memref != scratch;
        (isArgument ? footprint.outside : footprint.all) = true;
        return footprint;
      }
      Operation *def = memref.getDefiningOp();
      if (isa<memref::GetGlobalOp>(def)) {
        footprint.outside = true;
        return footprint;
      }
      auto viewLike = dyn_cast<ViewLikeOpInterface>(def);
      if (!viewLike) {
        footprint.all = true;
        return footprint;
      }
      memref = viewLike.getViewSource();
    }
  }

  /// The memory that `op` and the ops nested in it may access with one of
  /// `Effects`.
  template <typename... Effects> Footprint accessedBy(Operation *op) const {
    Footprint footprint;
    op->walk([&](Operation *nested) {
      if (nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return;
      auto iface = dyn_cast<MemoryEffectOpInterface>(nested);
      if (!iface) {
        footprint.all = true;
        return;
      }
      SmallVector<MemoryEffects::EffectInstance> effects;
      iface.getEffects(effects);
      for (const MemoryEffects::EffectInstance &effect : effects) {
        if (!(isa<Effects>(effect.getEffect()) || ...))
          continue;
        if (Value value = effect.getValue())
          footprint.add(of(value));
        else
          footprint.all = true;
      }
    });
    return footprint;
  }

private:
  Block *entry;
  Value scratch;
  DenseMap<Value, std::pair<int64_t, int64_t>> ranges;
};
} // namespace

/// The shift of `index` from the induction variable of `loop`, if `index` is
/// `iv` (shift 0), or `iv` plus a constant (that constant) or plus a value
/// defined outside `loop` (that value; concat's offset): the same in every
/// iteration, so distinct iterations get distinct indices.
using Shift = std::pair<Value, int64_t>;
static std::optional<Shift> shiftOf(Value index, scf::ForOp loop) {
  Value iv = loop.getInductionVar();
  if (index == iv)
    return Shift{Value(), 0};
  auto add = index.getDefiningOp<arith::AddIOp>();
  if (!add || (add.getLhs() != iv && add.getRhs() != iv))
    return std::nullopt;
  Value other = add.getLhs() == iv ? add.getRhs() : add.getLhs();
  if (std::optional<int64_t> c = getConstantIntValue(other))
    return Shift{Value(), *c};
  if (loop.isDefinedOutsideOfLoop(other))
    return Shift{other, 0};
  return std::nullopt;
}

/// Whether every store in `body` indexes dimension `dim` with the induction
/// variable of `loop` shifted, all by the same shift: then distinct
/// iterations of `loop` write distinct elements (two stores shifted apart,
/// A[i] and A[i + 1], would have iterations i and i + 1 write one element).
static bool storesShiftAlike(Block *body, scf::ForOp loop, unsigned dim) {
  std::optional<Shift> common;
  WalkResult result = body->walk([&](memref::StoreOp store) {
    if (store.getIndices().size() <= dim)
      return WalkResult::interrupt();
    std::optional<Shift> shift = shiftOf(store.getIndices()[dim], loop);
    if (!shift || (common && *common != *shift))
      return WalkResult::interrupt();
    common = shift;
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Whether the iterations of `loop` write disjoint memory and read nothing
/// that another iteration writes (see the file comment): every write is a
/// store at the induction variable, every one shifted alike, and the loop
/// reads nothing that may be what it writes (an argument it writes may
/// alias the others).
static bool iterationsAreIndependent(scf::ForOp loop, const MemoryMap &memory) {
  if (!loop.getInitArgs().empty() || !loop.getStep().getType().isIndex())
    return false;
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    // A nested loop or if: the walk visits what it holds.
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (iface && !iface.hasEffect<MemoryEffects::Write>())
      return WalkResult::advance();
    return isa<memref::StoreOp>(op) ? WalkResult::advance()
                                    : WalkResult::interrupt();
  });
  if (result.wasInterrupted() || !storesShiftAlike(loop.getBody(), loop, 0))
    return false;
  return !memory.accessedBy<MemoryEffects::Read>(loop).overlaps(
      memory.accessedBy<MemoryEffects::Write>(loop));
}

/// The loops of `loop`'s band: `loop`, then while the innermost's body is
/// memory-effect-free ops around one scf.for without iter_args whose bounds
/// and step are the band's invariants, and every store of the band indexes
/// the next dimension with that loop's induction variable, that loop too.
/// (`loop` passed iterationsAreIndependent.) Iterations of the whole band
/// then write distinct elements: a matmul's (i, j), a copy's every index.
static SmallVector<scf::ForOp> bandOf(scf::ForOp loop) {
  SmallVector<scf::ForOp> band{loop};
  while (true) {
    scf::ForOp last = band.back(), inner;
    for (Operation &op : last.getBody()->without_terminator()) {
      auto nested = dyn_cast<scf::ForOp>(op);
      if (nested && !inner) {
        inner = nested;
        continue;
      }
      if (!isMemoryEffectFree(&op))
        return band;
    }
    if (!inner || !inner.getInitArgs().empty() ||
        !inner.getStep().getType().isIndex())
      return band;
    for (Value bound :
         {inner.getLowerBound(), inner.getUpperBound(), inner.getStep()})
      if (!loop.isDefinedOutsideOfLoop(bound))
        return band;
    if (!storesShiftAlike(loop.getBody(), inner, band.size()))
      return band;
    band.push_back(inner);
  }
}

//===----------------------------------------------------------------------===//
// The rewrite of one function
//===----------------------------------------------------------------------===//

namespace {
/// The external functions that give the thread index, the thread count and
/// the block-wide barrier.
struct CoopFunctions {
  func::FuncOp tid, ntid, barrier;
};

class Distributor {
public:
  Distributor(func::FuncOp func, const CoopFunctions &coop)
      : func(func), coop(coop), builder(func.getContext()) {}

  LogicalResult run();

private:
  LogicalResult checkBody();
  void moveBuffersToScratch();
  void distribute(scf::ForOp loop);
  void expandCopy(memref::CopyOp copy);
  void guard(Operation *op);
  void barrier(Location loc);

  func::FuncOp func;
  const CoopFunctions &coop;
  OpBuilder builder;
  std::optional<MemoryMap> memory;
  Value tid, ntid, isFirstThread;
};
} // namespace

LogicalResult Distributor::checkBody() {
  if (func.isExternal())
    return func.emitOpError("cooperative function has no body");
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("cooperative function has more than one block");
  Block &entry = func.getBody().front();
  WalkResult result = func.walk([&](Operation *op) {
    if (auto alloca = dyn_cast<memref::AllocaOp>(op)) {
      if (op->getBlock() != &entry) {
        op->emitOpError("cooperative function has a buffer outside its "
                        "entry block");
        return WalkResult::interrupt();
      }
      MemRefType type = alloca.getType();
      if (!lds::isPlainBuffer(type)) {
        op->emitOpError("cooperative function has a buffer that cannot live "
                        "in the block scratch");
        return WalkResult::interrupt();
      }
    }
    // Every thread would allocate its own.
    if (isa<memref::AllocOp>(op)) {
      op->emitOpError("cooperative function has a heap buffer");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  for (Operation &op : entry.without_terminator())
    if (!op.use_empty() && mayWrite(&op))
      return op.emitOpError(
          "cooperative function has a memory-writing op with results");
  return success();
}

/// Replaces every alloca by a view of its own range of a new trailing scratch
/// argument; an i8 arena of ShareBuffers becomes an i8 view that its own
/// views then view in turn (memref.view accepts any rank-1 i8 source of the
/// identity layout).
void Distributor::moveBuffersToScratch() {
  MLIRContext *context = func.getContext();
  Block &entry = func.getBody().front();
  SmallVector<memref::AllocaOp> allocas(entry.getOps<memref::AllocaOp>());
  int64_t total = 0;
  for (memref::AllocaOp alloca : allocas)
    total =
        llvm::alignTo(total, kBufferAlignment) + bufferBytes(alloca.getType());
  // Never empty, so that the argument's type is valid.
  total = std::max<int64_t>(llvm::alignTo(total, kBufferAlignment),
                            kBufferAlignment);

  auto scratchType = MemRefType::get({total}, IntegerType::get(context, 8));
  NamedAttribute attrs[] = {
      builder.getNamedAttr("lds.kind", builder.getStringAttr("scratch")),
      builder.getNamedAttr("lds.name", builder.getStringAttr("scratch")),
      builder.getNamedAttr("llvm.noalias", builder.getUnitAttr())};
  unsigned index = func.getNumArguments();
  func.insertArgument(index, scratchType, DictionaryAttr::get(context, attrs),
                      func.getLoc());
  Value scratch = func.getArgument(index);
  func->setAttr(kScratchBytes, builder.getI64IntegerAttr(total));
  memory.emplace(func, scratch);

  int64_t offset = 0;
  for (memref::AllocaOp alloca : allocas) {
    offset = llvm::alignTo(offset, kBufferAlignment);
    builder.setInsertionPoint(alloca);
    Location loc = alloca.getLoc();
    Value at = builder.create<arith::ConstantIndexOp>(loc, offset);
    Value view = builder.create<memref::ViewOp>(loc, alloca.getType(), scratch,
                                                at, ValueRange());
    alloca.replaceAllUsesWith(view);
    alloca.erase();
    int64_t end = offset + bufferBytes(cast<MemRefType>(view.getType()));
    memory->addBuffer(view, offset, end);
    offset = end;
  }
}

/// Thread t runs iterations lb + t * step, lb + (t + ntid) * step, ... of
/// the loop; of a band of nested loops (bandOf), the iterations of the
/// flattened band, the innermost loop's index varying fastest: a warp's
/// threads then touch consecutive elements of a row (coalesced accesses on a
/// GPU) rather than one element of each of 32 rows.
void Distributor::distribute(scf::ForOp loop) {
  SmallVector<scf::ForOp> band = bandOf(loop);
  builder.setInsertionPoint(loop);
  Location loc = loop.getLoc();
  if (band.size() == 1) {
    Value step = loop.getStep();
    Value first = builder.create<arith::AddIOp>(
        loc, loop.getLowerBound(),
        builder.create<arith::MulIOp>(loc, tid, step));
    loop.setLowerBound(first);
    loop.setStep(builder.create<arith::MulIOp>(loc, step, ntid));
    return;
  }
  // Trip counts ceil((ub - lb) / step), clamped at 0, and their product;
  // constants where the bounds are (lds-lower-to-loops' always are).
  auto constant = [&](int64_t v) -> Value {
    return builder.create<arith::ConstantIndexOp>(loc, v);
  };
  auto mul = [&](Value a, Value b) -> Value {
    std::optional<int64_t> x = getConstantIntValue(a),
                           y = getConstantIntValue(b);
    if (x && y)
      return constant(*x * *y);
    if (x == 1 || y == 1)
      return x == 1 ? b : a;
    return builder.create<arith::MulIOp>(loc, a, b);
  };
  auto add = [&](Value a, Value b) -> Value {
    std::optional<int64_t> x = getConstantIntValue(a),
                           y = getConstantIntValue(b);
    if (x == 0 || y == 0)
      return x == 0 ? b : a;
    return builder.create<arith::AddIOp>(loc, a, b);
  };
  SmallVector<Value> trips;
  Value total;
  for (scf::ForOp l : band) {
    std::optional<int64_t> lb = getConstantIntValue(l.getLowerBound()),
                           ub = getConstantIntValue(l.getUpperBound()),
                           step = getConstantIntValue(l.getStep());
    Value trip;
    if (lb == 0 && step == 1 && ub && *ub >= 0) {
      trip = l.getUpperBound();
    } else if (lb && ub && step && *step > 0) {
      trip = constant(
          std::max<int64_t>(llvm::divideCeilSigned(*ub - *lb, *step), 0));
    } else {
      Value span = builder.create<arith::SubIOp>(loc, l.getUpperBound(),
                                                 l.getLowerBound());
      trip = builder.create<arith::MaxSIOp>(
          loc, builder.create<arith::CeilDivSIOp>(loc, span, l.getStep()),
          constant(0));
    }
    trips.push_back(trip);
    total = total ? mul(total, trip) : trip;
  }
  auto flat = builder.create<scf::ForOp>(loc, tid, total, ntid);
  builder.setInsertionPointToStart(flat.getBody());
  // The band's indices from the flat one, innermost first.
  IRMapping map;
  Value rest = flat.getInductionVar();
  for (int64_t k = static_cast<int64_t>(band.size()) - 1; k >= 0; --k) {
    scf::ForOp l = band[k];
    Value position =
        k == 0 ? rest : builder.create<arith::RemUIOp>(loc, rest, trips[k]);
    if (k > 0)
      rest = builder.create<arith::DivUIOp>(loc, rest, trips[k]);
    map.map(l.getInductionVar(),
            add(l.getLowerBound(), mul(position, l.getStep())));
  }
  // The bodies, outermost first, each in place of the loop it holds.
  for (size_t k = 0; k < band.size(); ++k)
    for (Operation &op : band[k].getBody()->without_terminator())
      if (k + 1 == band.size() || &op != band[k + 1].getOperation())
        builder.clone(op, map);
  loop.erase();
}

/// A copy of a static shape becomes a loop nest of loads and stores whose
/// outer loop is distributed; any other copy (rank 0) runs in thread 0.
void Distributor::expandCopy(memref::CopyOp copy) {
  auto type = dyn_cast<MemRefType>(copy.getSource().getType());
  if (!type || !type.hasStaticShape() || type.getRank() == 0 ||
      !isa<MemRefType>(copy.getTarget().getType()))
    return guard(copy);
  builder.setInsertionPoint(copy);
  Location loc = copy.getLoc();
  Value zero = builder.create<arith::ConstantIndexOp>(loc, 0);
  Value one = builder.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t dim : type.getShape()) {
    lbs.push_back(zero);
    ubs.push_back(builder.create<arith::ConstantIndexOp>(loc, dim));
    steps.push_back(one);
  }
  Value source = copy.getSource(), target = copy.getTarget();
  scf::LoopNest nest = scf::buildLoopNest(
      builder, loc, lbs, ubs, steps,
      [&](OpBuilder &b, Location bloc, ValueRange ivs) {
        Value element = b.create<memref::LoadOp>(bloc, source, ivs);
        b.create<memref::StoreOp>(bloc, element, target, ivs);
      });
  copy.erase();
  distribute(nest.loops.front());
}

/// Runs `op` in thread 0 only.
void Distributor::guard(Operation *op) {
  Location loc = op->getLoc();
  if (!isFirstThread) {
    builder.setInsertionPointAfterValue(ntid);
    Value zero = builder.create<arith::ConstantIndexOp>(loc, 0);
    isFirstThread =
        builder.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, tid, zero);
  }
  builder.setInsertionPoint(op);
  auto ifOp =
      builder.create<scf::IfOp>(loc, isFirstThread, /*withElseRegion=*/false);
  op->moveBefore(ifOp.thenBlock()->getTerminator());
}

void Distributor::barrier(Location loc) {
  builder.create<func::CallOp>(loc, coop.barrier, ValueRange());
}

LogicalResult Distributor::run() {
  if (failed(checkBody()))
    return failure();
  moveBuffersToScratch();

  Block &entry = func.getBody().front();
  SmallVector<Operation *> ops;
  for (Operation &op : entry.without_terminator())
    ops.push_back(&op);

  builder.setInsertionPointToStart(&entry);
  tid = builder.create<func::CallOp>(func.getLoc(), coop.tid).getResult(0);
  ntid = builder.create<func::CallOp>(func.getLoc(), coop.ntid).getResult(0);

  // What some thread may have read since the last barrier; at entry, the
  // caller may have read anything. Nothing has been written since the last
  // barrier, as one follows every writing op.
  Footprint read;
  read.all = true;
  for (Operation *op : ops) {
    if (!mayWrite(op)) {
      read.add(memory->accessedBy<MemoryEffects::Read>(op));
      continue;
    }
    Location loc = op->getLoc();
    // Write after read: only when this op may write what another thread may
    // still be reading.
    if (read.overlaps(memory->accessedBy<MemoryEffects::Write>(op))) {
      builder.setInsertionPoint(op);
      barrier(loc);
    }
    // The barrier after goes after the op, or after the scf.if that guards
    // it: set it before the op moves.
    builder.setInsertionPointAfter(op);
    Operation *after = &*builder.getInsertionPoint();
    auto loop = dyn_cast<scf::ForOp>(op);
    if (loop && iterationsAreIndependent(loop, *memory))
      distribute(loop);
    else if (auto copy = dyn_cast<memref::CopyOp>(op))
      expandCopy(copy);
    else
      guard(op);
    builder.setInsertionPoint(after);
    barrier(loc);
    read = Footprint();
  }
  // The caller reads the results once the function returns, and may then
  // write what a thread here still reads.
  Operation *ret = entry.getTerminator();
  if (!read.empty()) {
    builder.setInsertionPoint(ret);
    barrier(ret->getLoc());
  }
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// The private declaration of `name` in the module of `symbols`, created at
/// the builder's insertion point if absent; null (with an error) if the symbol
/// exists with another type.
static func::FuncOp declare(OpBuilder &builder, SymbolTable &symbols,
                            StringRef name, FunctionType type) {
  if (auto existing = symbols.lookup<func::FuncOp>(name)) {
    if (existing.getFunctionType() == type)
      return existing;
    existing.emitOpError("must have type ") << type;
    return nullptr;
  }
  if (Operation *other = symbols.lookup(name)) {
    other->emitOpError("symbol is reserved for a function of type ") << type;
    return nullptr;
  }
  auto func = builder.create<func::FuncOp>(builder.getUnknownLoc(), name, type);
  func.setPrivate();
  symbols.insert(func);
  return func;
}

namespace {
struct LDSDistributeOverBlockPass
    : public lds::impl::LDSDistributeOverBlockBase<LDSDistributeOverBlockPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> funcs;
    for (func::FuncOp func : module.getOps<func::FuncOp>())
      if (func->hasAttr(kCooperative))
        funcs.push_back(func);
    if (funcs.empty())
      return;

    MLIRContext *context = &getContext();
    SymbolTable symbols(module);
    Type index = IndexType::get(context);
    OpBuilder builder = OpBuilder::atBlockBegin(module.getBody());
    CoopFunctions coop;
    coop.tid = declare(builder, symbols, "lds_coop_tid",
                       FunctionType::get(context, {}, {index}));
    coop.ntid = declare(builder, symbols, "lds_coop_ntid",
                        FunctionType::get(context, {}, {index}));
    coop.barrier = declare(builder, symbols, "lds_coop_barrier",
                           FunctionType::get(context, {}, {}));
    if (!coop.tid || !coop.ntid || !coop.barrier)
      return signalPassFailure();

    bool failed = false;
    for (func::FuncOp func : funcs)
      failed |= mlir::failed(Distributor(func, coop).run());
    if (failed)
      signalPassFailure();
  }
};
} // namespace
