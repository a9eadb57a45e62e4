//===- ShareBuffers.cpp - stack buffers with disjoint lifetimes share memory
//===//
//
// lds-lower-to-loops gives every tensor value its own stack buffer. In a
// derived function of a large model (a Jacobian-vector product at D = 64
// has dozens of D-vectors and a few D x D matrices) most are dead long before
// the function returns, yet LLVM keeps each alloca apart: MLIR's allocas carry
// no lifetime markers for its stack colouring. On the GPU the frame lives in
// local memory, whose size decides whether a solver's kernel can be built at
// all. This colours the large buffers by their live ranges instead.
//
//===----------------------------------------------------------------------===//

#include "ShareBuffers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace {
struct LiveBuffer {
  memref::AllocaOp alloca;
  int64_t bytes;
  unsigned first, last; // top-level op indices, inclusive
};

struct Slot {
  int64_t bytes = 0;
  unsigned last = 0;
  SmallVector<memref::AllocaOp> members;
};
} // namespace

int64_t lds::bufferBytes(MemRefType type) {
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

bool lds::isPlainBuffer(MemRefType type) {
  return type.hasStaticShape() && type.getLayout().isIdentity() &&
         !type.getMemorySpace();
}

bool lds::isByteArena(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.hasStaticShape() && memref.getRank() == 1 &&
         memref.getElementType().isInteger(8);
}

/// The first and last top-level op of `entry` that use `buffer` or a memref
/// derived from it (a view, a cast); nullopt when nothing uses it.
static std::optional<std::pair<unsigned, unsigned>>
liveRange(Value buffer, Block &entry,
          const DenseMap<Operation *, unsigned> &index) {
  std::optional<std::pair<unsigned, unsigned>> range;
  SmallVector<Value> worklist{buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      Operation *top = entry.findAncestorOpInBlock(*user);
      unsigned at = index.lookup(top);
      if (!range)
        range = {at, at};
      range->first = std::min(range->first, at);
      range->second = std::max(range->second, at);
      for (Value result : user->getResults())
        if (isa<BaseMemRefType>(result.getType()))
          worklist.push_back(result);
    }
  }
  return range;
}

void lds::shareStackBuffers(func::FuncOp func, int64_t minBytes) {
  if (minBytes <= 0 || func.isExternal())
    return;
  Block &entry = func.getBody().front();
  DenseMap<Operation *, unsigned> index;
  for (Operation &op : entry)
    index[&op] = index.size();

  SmallVector<LiveBuffer> buffers;
  for (auto alloca : entry.getOps<memref::AllocaOp>()) {
    MemRefType type = alloca.getType();
    int64_t bytes = bufferBytes(type);
    if (bytes < minBytes || !isPlainBuffer(type))
      continue;
    if (auto range = liveRange(alloca.getResult(), entry, index))
      buffers.push_back({alloca, bytes, range->first, range->second});
  }
  llvm::stable_sort(buffers, [](const LiveBuffer &a, const LiveBuffer &b) {
    return a.first < b.first;
  });

  // Greedy interval colouring: a buffer takes the smallest free slot that
  // holds it, else grows the largest free one, else opens a slot.
  SmallVector<Slot> slots;
  for (const LiveBuffer &buffer : buffers) {
    Slot *fit = nullptr, *grow = nullptr;
    for (Slot &slot : slots) {
      if (slot.last >= buffer.first)
        continue;
      if (slot.bytes >= buffer.bytes) {
        if (!fit || slot.bytes < fit->bytes)
          fit = &slot;
      } else if (!grow || slot.bytes > grow->bytes) {
        grow = &slot;
      }
    }
    Slot *best = fit ? fit : grow;
    if (!best)
      best = &slots.emplace_back();
    best->bytes = std::max(best->bytes, buffer.bytes);
    best->last = buffer.last;
    best->members.push_back(buffer.alloca);
  }

  OpBuilder builder(func.getContext());
  Value zero;
  for (Slot &slot : slots) {
    if (slot.members.size() < 2)
      continue;
    Location loc = slot.members.front().getLoc();
    builder.setInsertionPointToStart(&entry);
    if (!zero)
      zero = builder.create<arith::ConstantIndexOp>(loc, 0);
    builder.setInsertionPointAfterValue(zero);
    auto byteType = MemRefType::get({slot.bytes}, builder.getI8Type());
    auto shared = builder.create<memref::AllocaOp>(
        loc, byteType, ValueRange(), ValueRange(),
        builder.getI64IntegerAttr(64));
    for (memref::AllocaOp member : slot.members) {
      builder.setInsertionPoint(member);
      Value view = builder.create<memref::ViewOp>(
          member.getLoc(), member.getType(), shared, zero, ValueRange());
      member.replaceAllUsesWith(view);
      member.erase();
    }
  }
}

void lds::shrinkSharedBuffers(func::FuncOp func) {
  SmallVector<memref::AllocaOp> arenas;
  for (auto alloca : func.getBody().front().getOps<memref::AllocaOp>())
    if (isByteArena(alloca.getType()))
      arenas.push_back(alloca);
  for (memref::AllocaOp arena : arenas) {
    int64_t bytes = 0;
    bool onlyViewsAtZero = llvm::all_of(arena->getUsers(), [&](Operation *u) {
      auto view = dyn_cast<memref::ViewOp>(u);
      if (!view || getConstantIntValue(view.getByteShift()) != 0 ||
          !view.getType().hasStaticShape())
        return false;
      bytes = std::max(bytes, bufferBytes(view.getType()));
      return true;
    });
    if (!onlyViewsAtZero)
      continue;
    if (arena->use_empty()) {
      arena.erase();
      continue;
    }
    if (bytes >= arena.getType().getNumElements())
      continue;
    OpBuilder b(arena);
    auto smaller = b.create<memref::AllocaOp>(
        arena.getLoc(), MemRefType::get({bytes}, b.getI8Type()), ValueRange(),
        ValueRange(), arena.getAlignmentAttr());
    for (Operation *user : llvm::make_early_inc_range(arena->getUsers()))
      cast<memref::ViewOp>(user).getSourceMutable().set(smaller);
    arena.erase();
  }
}

Value lds::rootBuffer(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>()) {
    if (isa<memref::ViewOp>(view))
      break;
    memref = view.getViewSource();
  }
  return memref;
}
