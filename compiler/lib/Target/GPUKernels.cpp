//===- GPUKernels.cpp - the CUDA kernel entry points of a model -----------===//
//
// Builds the kernels of model_abi.h's "GPU kernels (CUDA)" section around
// the model's compiled chunk loops (lds.<M>.sequential, lds.<M>.<S>.reduce
// and .sweep) and per-step wrappers (f, check, combine, apply), so a GPU
// thread runs the same loops as a CPU worker. The mapping:
//
//   sequential  one thread per work item: the compiled loop over its rows,
//               then the first non-finite row (atomic min).
//   residual    one thread per (row, item): f of the previous row, the
//               largest difference (atomic max on its bits).
//   reduce      one thread per (chunk, item): the compiled reduce loop into
//               agg[j][c] (the identity for an empty chunk).
//   scan        one block per item: each thread folds a run of chunk maps
//               with `combine` (in registers / local memory), a warp scan by
//               shuffles combines lanes, lane 31 leaves the warp's total in
//               shared memory, thread 0 applies the warp totals to x_in,
//               and each thread applies its exclusive prefix and then its
//               own chunk maps to get the carries.
//   sweep       one thread per (chunk, item): the window's first row is f of
//               x_in, the compiled sweep loop the middle rows, the chunk's
//               last row (but the final chunk's) takes the next chunk's
//               carry, as the CPU executor does; then the first failing row.
//   iterate     the three in one launch, one chunk per thread: a block
//               takes a ticket (its place in the item's chunks), reduces,
//               scans its maps (warp shuffles; thread 0 across the warps),
//               publishes its aggregate map, looks back over earlier
//               blocks' tiles (decoupled look-back, on states: aggregates
//               are applied to the nearest inclusive x, never composed),
//               publishes its inclusive x and sweeps. Its maps stay in
//               local and shared memory: agg and carry are not used.
//
// Newton above D = 32 is block-cooperative (lds.<M>.newton_coop.*, whose
// functions lds-distribute-over-block split over a block): reduce and sweep
// take a block per (chunk, item), every thread running the chunk with the
// block's scratch, and the scan a block per item, applying the chunk maps
// in turn; no iterate kernel.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "lds/Target/CPUTarget.h"

#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Module.h"

#include <algorithm>
#include <tuple>

using namespace lds;
using namespace lds::kernels;
using namespace llvm;

void KernelBuilder::begin(const Twine &name) {
  auto *fnTy = FunctionType::get(b.getVoidTy(), {ptr}, false);
  fn = Function::Create(fnTy, GlobalValue::InternalLinkage, name, m);
  fn->addFnAttr(Attribute::NoUnwind);
  fn->getArg(0)->setName("args");
  entry = BasicBlock::Create(ctx, "entry", fn);
  ret = BasicBlock::Create(ctx, "ret", fn);
  IRBuilder<>(ret).CreateRetVoid();
  b.SetInsertPoint(entry);
}

Function *KernelBuilder::finish() {
  channel = channelParams = nullptr;
  b.CreateBr(ret);
  gi.markKernel(fn);
  return fn;
}

Value *KernelBuilder::field(Field f) {
  Value *p =
      b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), fn->getArg(0), 8 * int(f));
  Type *ty = f == FAtol || f == FRtol ? b.getDoubleTy()
             : f == FT || f == FN || f == FChunkLen || f == FNumChunks ? i64
                                                                       : ptr;
  auto *load = b.CreateLoad(ty, p);
  // The arguments do not change during a launch.
  load->setMetadata(LLVMContext::MD_invariant_load, MDNode::get(ctx, {}));
  if (ty == ptr) {
    // Each points at an element of what it addresses (model_abi.h): int64
    // item words and pointer tables, int32 flags, the rest values of the
    // model's type. Known alignment lets the copies of rows (memcpy, align
    // 1 as memref.copy lowers it) move words, not bytes.
    int64_t align = f == FSeq || f == FLo || f == FHi || f == FFirstBad ||
                            f == FInputs || f == FParams
                        ? 8
                    : f == FNonfinite || f == FTileFlag || f == FTicket ? 4
                                                                        : es;
    alignPointer(load, align);
  }
  return load;
}

void KernelBuilder::alignPointer(LoadInst *load, int64_t align) {
  load->setMetadata(
      LLVMContext::MD_align,
      MDNode::get(ctx, ConstantAsMetadata::get(ConstantInt::get(i64, align))));
}

Value *KernelBuilder::globalX() {
  return b.CreateAdd(b.CreateMul(idx(GPUIntrinsics::Index::CtaidX),
                                 idx(GPUIntrinsics::Index::NtidX)),
                     idx(GPUIntrinsics::Index::TidX));
}

void KernelBuilder::returnUnless(Value *cond) {
  auto *cont = BasicBlock::Create(ctx, "cont", fn);
  b.CreateCondBr(cond, cont, ret);
  b.SetInsertPoint(cont);
}

Value *KernelBuilder::xIn(Value *seq, Value *lo) {
  Value *at = b.CreateMul(seq, i64v(d));
  Value *first = elemPtr(field(FX0), channel ? b.CreateAdd(at, channel) : at);
  Value *loM1 = b.CreateSub(lo, i64v(1));
  Value *before = row(field(FFinalRows), seq, loM1);
  return b.CreateSelect(b.CreateICmpEQ(lo, i64v(0)), first, before, "x.in");
}

Value *KernelBuilder::localArray(Type *ty, int64_t count) {
  IRBuilder<> eb(entry, entry->begin());
  return eb.CreateAlloca(ArrayType::get(ty, std::max<int64_t>(count, 1)));
}

Value *KernelBuilder::inputTable(Value *seq, Value *rowIndex) {
  size_t n = info.inputs.size();
  Value *table = localArray(ptr, n);
  Value *bases = field(FInputs);
  Value *pos = b.CreateAdd(b.CreateMul(seq, field(FT)), rowIndex);
  for (size_t i = 0; i < n; ++i) {
    const TensorInfo &t = info.inputs[i];
    int64_t bytes = t.size * (t.dtype == DType::F64 ? 8 : 4);
    auto *base = b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, bases, i));
    alignPointer(base, t.dtype == DType::F64 ? 8 : 4);
    Value *offset = b.CreateMul(pos, i64v(bytes));
    if (channel && channelStrideBytes(t))
      offset = b.CreateAdd(offset,
                           b.CreateMul(channel, i64v(channelStrideBytes(t))));
    b.CreateStore(b.CreateInBoundsGEP(b.getInt8Ty(), base, offset),
                  b.CreateConstInBoundsGEP1_64(ptr, table, i));
  }
  return table;
}

Value *KernelBuilder::strideTable() {
  size_t n = info.inputs.size();
  Value *table = localArray(i64, n);
  for (size_t i = 0; i < n; ++i) {
    const TensorInfo &t = info.inputs[i];
    b.CreateStore(i64v(t.size * (t.dtype == DType::F64 ? 8 : 4)),
                  b.CreateConstInBoundsGEP1_64(i64, table, i));
  }
  return table;
}

Value *KernelBuilder::tolerance() {
  Value *tol = localArray(fty, 2);
  b.CreateStore(b.CreateFPCast(field(FAtol), fty), tol);
  b.CreateStore(b.CreateFPCast(field(FRtol), fty),
                b.CreateConstInBoundsGEP1_64(fty, tol, 1));
  return tol;
}

void KernelBuilder::forRange(Value *begin, Value *end,
                             function_ref<void(Value *)> body) {
  BasicBlock *pre = b.GetInsertBlock();
  auto *loop = BasicBlock::Create(ctx, "loop", fn);
  auto *exit = BasicBlock::Create(ctx, "loop.exit", fn);
  b.CreateCondBr(b.CreateICmpSLT(begin, end), loop, exit);
  b.SetInsertPoint(loop);
  PHINode *i = b.CreatePHI(i64, 2, "i");
  i->addIncoming(begin, pre);
  body(i);
  Value *next = b.CreateAdd(i, i64v(1));
  i->addIncoming(next, b.GetInsertBlock());
  b.CreateCondBr(b.CreateICmpSLT(next, end), loop, exit);
  b.SetInsertPoint(exit);
}

void KernelBuilder::ifThen(Value *cond, function_ref<void()> then) {
  auto *thenBB = BasicBlock::Create(ctx, "then", fn);
  auto *join = BasicBlock::Create(ctx, "join", fn);
  b.CreateCondBr(cond, thenBB, join);
  b.SetInsertPoint(thenBB);
  then();
  b.CreateBr(join);
  b.SetInsertPoint(join);
}

void KernelBuilder::copy(Value *dst, Value *src, int64_t count) {
  forRange(i64v(0), i64v(count), [&](Value *i) {
    b.CreateStore(b.CreateLoad(fty, elemPtr(src, i)), elemPtr(dst, i));
  });
}

void KernelBuilder::copyVolatile(Value *dst, Value *src, int64_t count) {
  forRange(i64v(0), i64v(count), [&](Value *i) {
    b.CreateStore(b.CreateAlignedLoad(fty, elemPtr(src, i), Align(es),
                                      /*isVolatile=*/true),
                  elemPtr(dst, i));
  });
}

void KernelBuilder::identity(SolverId s, Value *a, Value *bv) {
  Constant *zero = ConstantFP::get(fty, 0.0), *one = ConstantFP::get(fty, 1.0);
  forRange(i64v(0), i64v(width()),
           [&](Value *i) { b.CreateStore(zero, elemPtr(bv, i)); });
  if (s == SolverId::QuasiNewton)
    forRange(i64v(0), i64v(width()),
             [&](Value *i) { b.CreateStore(one, elemPtr(a, i)); });
  if (s == SolverId::Newton) {
    forRange(i64v(0), i64v(d * d),
             [&](Value *i) { b.CreateStore(zero, elemPtr(a, i)); });
    forRange(i64v(0), i64v(d), [&](Value *i) {
      b.CreateStore(one, elemPtr(a, b.CreateMul(i, i64v(d + 1))));
    });
  }
}

Value *KernelBuilder::anyNonfinite(Value *p, Value *count) {
  Value *flag = localArray(b.getInt1Ty(), 1);
  b.CreateStore(b.getFalse(), flag);
  forRange(i64v(0), count, [&](Value *i) {
    Value *v = b.CreateLoad(fty, elemPtr(p, i));
    // v - v is NaN exactly when v is infinite or NaN.
    Value *bad = b.CreateFCmpUNO(b.CreateFSub(v, v), ConstantFP::get(fty, 0));
    b.CreateStore(b.CreateOr(b.CreateLoad(b.getInt1Ty(), flag), bad), flag);
  });
  return b.CreateLoad(b.getInt1Ty(), flag);
}

Function *KernelBuilder::sequential(Function *loop) {
  begin("lds_gpu_" + info.name + "_sequential");
  Value *j = globalX();
  returnUnless(b.CreateICmpSLT(j, field(FN)));
  sequentialItem(loop, j);
  return finish();
}

void KernelBuilder::sequentialItem(Function *loop, Value *j) {
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));
  Value *t = field(FT);
  returnUnless(b.CreateICmpSLT(lo, t));
  Value *first = row(field(FOut), seq, lo);
  call(loop, {xIn(seq, lo), inputTable(seq, lo), strideTable(), params(),
              b.CreateSub(t, lo), first});
  // The first row with a non-finite value.
  Value *bad = localArray(i64, 1);
  b.CreateStore(t, bad);
  forRange(lo, t, [&](Value *i) {
    ifThen(b.CreateICmpEQ(b.CreateLoad(i64, bad), t), [&] {
      ifThen(anyNonfinite(row(field(FOut), seq, i), i64v(width())),
             [&] { b.CreateStore(i, bad); });
    });
  });
  Value *badRow = b.CreateLoad(i64, bad);
  ifThen(b.CreateICmpSLT(badRow, t),
         [&] { gi.atomicMin(b, elemPtr8(field(FFirstBad), j), badRow); });
}

Function *KernelBuilder::residual(Function *f) {
  begin("lds_gpu_" + info.name + "_residual");
  Value *r = globalX();
  Value *j = idx(GPUIntrinsics::Index::CtaidY);
  returnUnless(b.CreateICmpSLT(j, field(FN)));
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));
  Value *hi = b.CreateLoad(i64, elemPtr8(field(FHi), j));
  Value *t = b.CreateAdd(lo, r);
  returnUnless(b.CreateICmpSLT(t, hi));
  Value *out = field(FOut);
  Value *prev = b.CreateSelect(b.CreateICmpEQ(r, i64v(0)), xIn(seq, lo),
                               row(out, seq, b.CreateSub(t, i64v(1))));
  Value *fx = localArray(fty, d);
  call(f, {prev, inputTable(seq, t), field(FParams), fx});
  Value *x = row(out, seq, t);
  Value *worst = localArray(fty, 1), *bad = localArray(b.getInt1Ty(), 1);
  b.CreateStore(ConstantFP::get(fty, 0.0), worst);
  b.CreateStore(b.getFalse(), bad);
  Constant *inf = ConstantFP::getInfinity(fty);
  forRange(i64v(0), i64v(d), [&](Value *i) {
    Value *diff = b.CreateUnaryIntrinsic(
        Intrinsic::fabs, b.CreateFSub(b.CreateLoad(fty, elemPtr(x, i)),
                                      b.CreateLoad(fty, elemPtr(fx, i))));
    // NaN or infinite: a value of the row or of f was not finite.
    b.CreateStore(b.CreateOr(b.CreateLoad(b.getInt1Ty(), bad),
                             b.CreateFCmpUGE(diff, inf)),
                  bad);
    Value *w = b.CreateLoad(fty, worst);
    b.CreateStore(b.CreateSelect(b.CreateFCmpOGT(diff, w), diff, w), worst);
  });
  Value *isBad = b.CreateLoad(b.getInt1Ty(), bad);
  auto *flagBB = BasicBlock::Create(ctx, "nonfinite", fn);
  auto *maxBB = BasicBlock::Create(ctx, "max", fn);
  b.CreateCondBr(isBad, flagBB, maxBB);
  b.SetInsertPoint(flagBB);
  gi.storeFlag(b, elemPtr4(field(FNonfinite), j), b.getInt32(1));
  b.CreateBr(ret);
  b.SetInsertPoint(maxBB);
  Type *bits = b.getIntNTy(es * 8);
  gi.atomicMaxUnsigned(b, elemPtr(field(FResidual), j),
                       b.CreateBitCast(b.CreateLoad(fty, worst), bits));
  return finish();
}

Function *KernelBuilder::reduce(SolverId s, Function *loop, int64_t coopBytes) {
  std::string sym = getSolverSymbol(s).str();
  begin("lds_gpu_" + info.name + "_" + sym + "_reduce");
  int64_t aSize = aSizeOf(info, s), slotSize = aSize + d;
  Value *c, *j;
  std::tie(c, j) = chunkAndItem(coopBytes);
  Value *k = field(FNumChunks);
  Value *a = aggOf(j, k, c, slotSize);
  reduceChunk(s, loop, j, c, a, elemPtr(a, i64v(aSize)));
  loopScratch = nullptr;
  return finish();
}

void KernelBuilder::reduceChunk(SolverId s, Function *loop, Value *j, Value *c,
                                Value *a, Value *bv) {
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));
  Value *len = field(FChunkLen), *t = field(FT);
  Value *start = b.CreateAdd(lo, b.CreateMul(c, len));
  auto *empty = BasicBlock::Create(ctx, "empty", fn);
  auto *work = BasicBlock::Create(ctx, "work", fn);
  auto *join = BasicBlock::Create(ctx, "reduced", fn);
  b.CreateCondBr(b.CreateICmpSGE(start, t), empty, work);
  b.SetInsertPoint(empty);
  identity(s, a, bv);
  b.CreateBr(join);

  b.SetInsertPoint(work);
  Value *end =
      b.CreateBinaryIntrinsic(Intrinsic::smin, b.CreateAdd(start, len), t);
  Value *guess = field(FGuess);
  Value *xFirst = b.CreateSelect(b.CreateICmpEQ(c, i64v(0)), xIn(seq, lo),
                                 row(guess, seq, b.CreateSub(start, i64v(1))));
  SmallVector<Value *, 9> args{xFirst,
                               row(guess, seq, start),
                               inputTable(seq, start),
                               strideTable(),
                               params(),
                               b.CreateSub(end, start),
                               a,
                               bv};
  if (loopScratch)
    args.push_back(loopScratch);
  call(loop, args);
  b.CreateBr(join);
  b.SetInsertPoint(join);
}

Function *KernelBuilder::scan(SolverId s, int32_t block) {
  std::string sym = getSolverSymbol(s).str();
  begin("lds_gpu_" + info.name + "_" + sym + "_scan");
  Function *combine = find(sym + ".combine");
  Function *apply = find(sym + ".apply");
  int64_t aSize = aSizeOf(info, s), slotSize = aSize + d;
  int64_t warps = block / 32;
  Value *shared = gi.sharedMemory(b, fn, scanSharedBytes(info, s, warps));
  Value *warpTotals = shared;                             // [warps][slotSize]
  Value *warpX = elemPtr(shared, i64v(warps * slotSize)); // [warps][d]

  Value *j = idx(GPUIntrinsics::Index::CtaidX);
  // Uniform over the block, so the barriers below are reached by all.
  returnUnless(b.CreateICmpSLT(j, field(FN)));
  Value *tid = idx(GPUIntrinsics::Index::TidX);
  Value *nt = idx(GPUIntrinsics::Index::NtidX);
  Value *lane = b.CreateAnd(tid, i64v(31));
  Value *warp = b.CreateLShr(tid, i64v(5));
  Value *k = field(FNumChunks);
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));
  Value *x0 = xIn(seq, lo);
  // This thread's chunks [s, e).
  Value *per = b.CreateUDiv(b.CreateAdd(k, b.CreateSub(nt, i64v(1))), nt);
  Value *first =
      b.CreateBinaryIntrinsic(Intrinsic::smin, b.CreateMul(tid, per), k);
  Value *last =
      b.CreateBinaryIntrinsic(Intrinsic::smin, b.CreateAdd(first, per), k);
  auto aggA = [&](Value *chunk) { return aggOf(j, k, chunk, slotSize); };
  auto carry = [&](Value *chunk) { return carryOf(j, k, chunk); };

  // Thread-serial: the map of chunks [first, last), later maps on the left.
  Value *mine = localArray(fty, slotSize), *other = localArray(fty, slotSize);
  Value *mineB = elemPtr(mine, i64v(aSize)),
        *otherB = elemPtr(other, i64v(aSize));
  identity(s, mine, mineB);
  ifThen(b.CreateICmpSLT(first, last), [&] {
    copy(mine, aggA(first), slotSize);
    forRange(b.CreateAdd(first, i64v(1)), last, [&](Value *c) {
      Value *a = aggA(c);
      call(combine, {a, elemPtr(a, i64v(aSize)), mine, mineB, mine, mineB});
    });
  });

  warpScan(combine, aSize, mine, other, lane);
  ifThen(b.CreateICmpEQ(lane, i64v(31)), [&] {
    copy(elemPtr(warpTotals, b.CreateMul(warp, i64v(slotSize))), mine,
         slotSize);
  });
  gi.barrier(b);
  // x before each warp's chunks.
  ifThen(b.CreateICmpEQ(tid, i64v(0)), [&] {
    copy(warpX, x0, d);
    forRange(i64v(1), b.CreateLShr(nt, i64v(5)), [&](Value *w) {
      Value *tot = elemPtr(
          warpTotals, b.CreateMul(b.CreateSub(w, i64v(1)), i64v(slotSize)));
      call(apply,
           {tot, elemPtr(tot, i64v(aSize)),
            elemPtr(warpX, b.CreateMul(b.CreateSub(w, i64v(1)), i64v(d))),
            elemPtr(warpX, b.CreateMul(w, i64v(d)))});
    });
  });
  gi.barrier(b);
  // The carries of this thread's chunks.
  ifThen(b.CreateICmpSLT(first, last), [&] {
    Value *base = elemPtr(warpX, b.CreateMul(warp, i64v(d)));
    Value *dst = carry(first);
    auto *firstLane = BasicBlock::Create(ctx, "lane0", fn);
    auto *otherLane = BasicBlock::Create(ctx, "lanes", fn);
    auto *join = BasicBlock::Create(ctx, "carried", fn);
    b.CreateCondBr(b.CreateICmpEQ(lane, i64v(0)), firstLane, otherLane);
    b.SetInsertPoint(firstLane);
    copy(dst, base, d);
    b.CreateBr(join);
    b.SetInsertPoint(otherLane);
    call(apply, {other, otherB, base, dst});
    b.CreateBr(join);
    b.SetInsertPoint(join);
    forRange(first, b.CreateSub(last, i64v(1)), [&](Value *c) {
      Value *a = aggA(c);
      call(apply, {a, elemPtr(a, i64v(aSize)), carry(c),
                   carry(b.CreateAdd(c, i64v(1)))});
    });
  });
  return finish();
}

void KernelBuilder::warpScan(Function *combine, int64_t aSize, Value *mine,
                             Value *other, Value *lane) {
  int64_t slotSize = aSize + d;
  Value *mineB = elemPtr(mine, i64v(aSize)),
        *otherB = elemPtr(other, i64v(aSize));
  // Lane l gets lane l - delta's map and puts it first.
  for (int delta = 1; delta < 32; delta *= 2) {
    forRange(i64v(0), i64v(slotSize), [&](Value *i) {
      Value *v = b.CreateLoad(fty, elemPtr(mine, i));
      b.CreateStore(gi.shuffleUp(b, v, b.getInt32(delta)), elemPtr(other, i));
    });
    ifThen(b.CreateICmpUGE(lane, i64v(delta)), [&] {
      call(combine, {mine, mineB, other, otherB, mine, mineB});
    });
  }
  // The exclusive map of this lane: lane - 1's inclusive one.
  forRange(i64v(0), i64v(slotSize), [&](Value *i) {
    Value *v = b.CreateLoad(fty, elemPtr(mine, i));
    b.CreateStore(gi.shuffleUp(b, v, b.getInt32(1)), elemPtr(other, i));
  });
}

Function *KernelBuilder::sweep(SolverId s, Function *loop, int64_t coopBytes) {
  std::string sym = getSolverSymbol(s).str();
  begin("lds_gpu_" + info.name + "_" + sym + "_sweep");
  Value *c, *j;
  std::tie(c, j) = chunkAndItem(coopBytes);
  Value *k = field(FNumChunks);
  // In a cooperative block the chunk's other code (f of the window's first
  // row, the stopping tests, the first failing row) runs in every thread,
  // which write the same values.
  sweepChunk(s, loop, j, c, carryOf(j, k, c),
             [&] { return carryOf(j, k, b.CreateAdd(c, i64v(1))); });
  loopScratch = nullptr;
  return finish();
}

void KernelBuilder::sweepChunk(SolverId s, Function *loop, Value *j, Value *c,
                               Value *carryIn,
                               function_ref<Value *()> nextCarry) {
  Function *f = find(channel ? "f_ch" : "f");
  Function *check = find(channel ? "check_ch" : "check");
  // As the CPU executor: the first iterate of an exact solve is the
  // solution; its rows are tested for finiteness only.
  bool exact = isExactSolver(info, s);
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));
  Value *len = field(FChunkLen), *t = field(FT);
  Value *start = b.CreateAdd(lo, b.CreateMul(c, len));
  returnUnless(b.CreateICmpSLT(start, t));
  Value *end =
      b.CreateBinaryIntrinsic(Intrinsic::smin, b.CreateAdd(start, len), t);
  Value *isFinal = b.CreateICmpEQ(end, t);
  Value *out = field(FOut), *guess = field(FGuess), *excess = field(FExcess);
  Value *tol = tolerance();
  auto excessAt = [&](Value *i) {
    return elemPtr(excess, b.CreateAdd(b.CreateMul(seq, t), i));
  };
  // The chunk's first failing row and whether a test was NaN. A row kernel
  // stores each row's test in `excess` and reads them back at the end; a
  // channel kernel (whose tests are its channel's alone) folds them here.
  Value *bad = localArray(i64, 1), *nan = localArray(b.getInt1Ty(), 1);
  // (A row kernel starts them where it reads the tests back: set here,
  // before its sweep loop, they stayed in local memory after
  // InferAddressSpaces where that loop is a call.)
  auto startFold = [&] {
    b.CreateStore(t, bad);
    b.CreateStore(b.getFalse(), nan);
  };
  if (channel)
    startFold();
  auto fold = [&](Value *i, Value *fails, Value *isNan) {
    b.CreateStore(b.CreateOr(b.CreateLoad(b.getInt1Ty(), nan), isNan), nan);
    Value *cur = b.CreateLoad(i64, bad);
    b.CreateStore(
        b.CreateSelect(b.CreateAnd(fails, b.CreateICmpEQ(cur, t)), i, cur),
        bad);
  };
  Value *testValue = channel ? localArray(fty, 1) : nullptr;
  auto test = [&](Value *i, Value *x, Value *old) {
    if (!channel) {
      call(check, {x, old, tol, excessAt(i)});
      return;
    }
    call(check, {x, old, tol, testValue});
    Value *e = b.CreateLoad(fty, testValue);
    fold(i, b.CreateFCmpUGT(e, ConstantFP::get(fty, 0.0)),
         b.CreateFCmpUNO(e, e));
  };
  Value *xin = xIn(seq, lo);
  Value *prev = b.CreateSelect(b.CreateICmpEQ(c, i64v(0)), xin, carryIn);
  Value *isFront = b.CreateICmpEQ(start, lo);
  // The window's first row: f of the final row before it.
  ifThen(isFront, [&] {
    Value *r = row(out, seq, lo);
    call(f, {xin, inputTable(seq, lo), params(), r});
    test(lo, r, r);
  });
  Value *from = b.CreateSelect(isFront, b.CreateAdd(start, i64v(1)), start);
  prev = b.CreateSelect(isFront, row(out, seq, lo), prev);
  Value *stepEnd = b.CreateSelect(isFinal, end, b.CreateSub(end, i64v(1)));
  // A channel sweep loop's folded tests: its first failing step, NaN.
  Value *folded = channel ? localArray(i64, 2) : nullptr;
  ifThen(b.CreateICmpSLT(from, stepEnd), [&] {
    Value *n = b.CreateSub(stepEnd, from);
    SmallVector<Value *, 11> args{row(guess, seq, b.CreateSub(from, i64v(1))),
                                  prev,
                                  row(guess, seq, from),
                                  inputTable(seq, from),
                                  strideTable(),
                                  params(),
                                  n,
                                  row(out, seq, from),
                                  tol,
                                  channel ? folded : excessAt(from)};
    if (loopScratch)
      args.push_back(loopScratch);
    call(loop, args);
    if (channel) {
      // The loop's first failing step (n if none) and NaN flag.
      Value *first = b.CreateLoad(i64, folded);
      Value *sawNan = b.CreateLoad(i64, elemPtr8(folded, i64v(1)));
      fold(b.CreateAdd(from, first), b.CreateICmpSLT(first, n),
           b.CreateICmpNE(sawNan, i64v(0)));
    }
  });
  // The last row of a chunk but the final one: the next chunk's carry. A
  // channel sweep loop tests an exact solve's rows against themselves.
  Value *lastRow = b.CreateSub(end, i64v(1));
  ifThen(b.CreateAnd(b.CreateNot(isFinal), b.CreateICmpSGE(lastRow, from)),
         [&] {
           Value *r = row(out, seq, lastRow);
           copy(r, nextCarry(), width());
           test(lastRow, r, channel && exact ? r : row(guess, seq, lastRow));
         });
  if (!channel) {
    if (exact)
      forRange(from, end, [&](Value *i) {
        Value *r = row(out, seq, i);
        call(check, {r, r, tol, excessAt(i)});
      });
    startFold();
    forRange(start, end, [&](Value *i) {
      Value *e = b.CreateLoad(fty, excessAt(i));
      fold(i, b.CreateFCmpUGT(e, ConstantFP::get(fty, 0.0)),
           b.CreateFCmpUNO(e, e));
    });
  }
  Value *badRow = b.CreateLoad(i64, bad);
  ifThen(b.CreateICmpSLT(badRow, t),
         [&] { gi.atomicMin(b, elemPtr8(field(FFirstBad), j), badRow); });
  ifThen(b.CreateLoad(b.getInt1Ty(), nan), [&] {
    gi.storeFlag(b, elemPtr4(field(FNonfinite), j), b.getInt32(1));
  });
}

Function *KernelBuilder::iterate(SolverId s, Function *reduceLoop,
                                 Function *sweepLoop, int32_t block) {
  std::string sym = getSolverSymbol(s).str();
  begin("lds_gpu_" + info.name + "_" + sym + "_iterate");
  Function *combine = find(sym + ".combine");
  Function *apply = find(sym + ".apply");
  int64_t aSize = aSizeOf(info, s), slotSize = aSize + d;
  int64_t warps = block / 32;
  Value *shared = gi.sharedMemory(b, fn, iterateSharedBytes(info, s, warps));
  // [warps][slotSize]: warp w's map, then (thread 0) that of warps 0..w.
  Value *warpMaps = shared;
  // [warps + 1][d]: x before warp w's chunks; [warps]: after the block's.
  Value *warpX = elemPtr(shared, i64v(warps * slotSize));
  Value *ticketSlot = b.CreateInBoundsGEP(
      b.getInt8Ty(), shared, i64v((warps * slotSize + (warps + 1) * d) * es));
  auto mapOf = [&](Value *w) {
    return elemPtr(warpMaps, b.CreateMul(w, i64v(slotSize)));
  };
  auto xOf = [&](Value *w) { return elemPtr(warpX, b.CreateMul(w, i64v(d))); };

  Value *j = idx(GPUIntrinsics::Index::CtaidY);
  // Uniform over the block, so the barriers below are reached by all.
  returnUnless(b.CreateICmpSLT(j, field(FN)));
  Value *tid = idx(GPUIntrinsics::Index::TidX);
  Value *nt = idx(GPUIntrinsics::Index::NtidX);
  Value *nb = idx(GPUIntrinsics::Index::NctaidX);
  Value *lane = b.CreateAnd(tid, i64v(31));
  Value *warp = b.CreateLShr(tid, i64v(5));
  Value *nw = b.CreateLShr(nt, i64v(5));
  Value *v = takeTicket(j, tid, ticketSlot);
  Value *c = b.CreateAdd(b.CreateMul(v, nt), tid);
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));

  // This thread's chunk map, and the warp's scan of them.
  Value *mine = localArray(fty, slotSize), *other = localArray(fty, slotSize);
  Value *mineB = elemPtr(mine, i64v(aSize)),
        *otherB = elemPtr(other, i64v(aSize));
  reduceChunk(s, reduceLoop, j, c, mine, mineB);
  warpScan(combine, aSize, mine, other, lane);
  ifThen(b.CreateICmpEQ(lane, i64v(31)),
         [&] { copy(mapOf(warp), mine, slotSize); });
  gi.barrier(b);

  ifThen(b.CreateICmpEQ(tid, i64v(0)), [&] {
    auto tile = [&](Value *block) {
      return elemPtr(field(FTile),
                     b.CreateMul(b.CreateAdd(b.CreateMul(j, nb), block),
                                 i64v(slotSize + d)));
    };
    auto flag = [&](Value *block) {
      return elemPtr4(field(FTileFlag), b.CreateAdd(b.CreateMul(j, nb), block));
    };
    // Lane 0's exclusive map is unused: `other` holds each aggregate.
    lookBack({v, nw, seq, lo, other, slotSize, aSize, d, combine, apply, mapOf,
              xOf, tile, flag});
  });
  gi.barrier(b);

  // x before this thread's chunk and at its last row: those its neighbours
  // compute from the same maps.
  Value *base = xOf(warp);
  Value *carry = localArray(fty, d), *nextCarry = localArray(fty, d);
  Value *isLane0 = b.CreateICmpEQ(lane, i64v(0));
  ifThen(isLane0, [&] { copy(carry, base, d); });
  ifThen(b.CreateNot(isLane0), [&] {
    call(apply, {other, otherB, base, carry});
  });
  Value *isLane31 = b.CreateICmpEQ(lane, i64v(31));
  ifThen(isLane31,
         [&] { copy(nextCarry, xOf(b.CreateAdd(warp, i64v(1))), d); });
  ifThen(b.CreateNot(isLane31), [&] {
    call(apply, {mine, mineB, base, nextCarry});
  });
  returnUnless(b.CreateICmpSLT(c, field(FNumChunks)));
  sweepChunk(s, sweepLoop, j, c, carry, [&] { return nextCarry; });
  return finish();
}

Value *KernelBuilder::takeTicket(Value *item, Value *tid, Value *slot) {
  ifThen(b.CreateICmpEQ(tid, i64v(0)), [&] {
    b.CreateStore(
        gi.atomicAdd(b, elemPtr4(field(FTicket), item), b.getInt32(1)), slot);
  });
  gi.barrier(b);
  return b.CreateZExt(b.CreateLoad(b.getInt32Ty(), slot), i64);
}

void KernelBuilder::lookBack(const TileLookBack &t) {
  // The maps of chunks 0..w, in place; the last is the tile's.
  forRange(i64v(1), t.count, [&](Value *w) {
    Value *later = t.mapOf(w), *earlier = t.mapOf(b.CreateSub(w, i64v(1)));
    call(t.combine, {later, elemPtr(later, i64v(t.aSize)), earlier,
                     elemPtr(earlier, i64v(t.aSize)), later,
                     elemPtr(later, i64v(t.aSize))});
  });
  Value *v = t.v, *x = t.xOf(i64v(0));
  auto *firstBB = BasicBlock::Create(ctx, "first.tile", fn);
  auto *laterBB = BasicBlock::Create(ctx, "look.back", fn);
  auto *known = BasicBlock::Create(ctx, "x.known", fn);
  b.CreateCondBr(b.CreateICmpEQ(v, i64v(0)), firstBB, laterBB);
  b.SetInsertPoint(firstBB);
  copy(x, xIn(t.seq, t.lo), t.width);
  b.CreateBr(known);

  b.SetInsertPoint(laterBB);
  copy(t.tileOf(v), t.mapOf(b.CreateSub(t.count, i64v(1))), t.slot);
  gi.fence(b);
  gi.storeFlag(b, t.flagOf(v), b.getInt32(kTileAggregate));
  // Back to the nearest tile with an inclusive x; tile 0 always has one.
  // Spins while a tile has published nothing yet.
  Value *at = localArray(i64, 1);
  b.CreateStore(b.CreateSub(v, i64v(1)), at);
  auto *spin = BasicBlock::Create(ctx, "spin", fn);
  auto *found = BasicBlock::Create(ctx, "found", fn);
  b.CreateBr(spin);
  b.SetInsertPoint(spin);
  Value *p = b.CreateLoad(i64, at);
  Value *state = gi.loadFlag(b, t.flagOf(p));
  b.CreateStore(
      b.CreateSelect(b.CreateICmpEQ(state, b.getInt32(kTileAggregate)),
                     b.CreateSub(p, i64v(1)), p),
      at);
  b.CreateCondBr(b.CreateICmpEQ(state, b.getInt32(kTileInclusive)), found,
                 spin);
  b.SetInsertPoint(found);
  gi.fence(b);
  Value *q = b.CreateLoad(i64, at);
  copyVolatile(x, elemPtr(t.tileOf(q), i64v(t.slot)), t.width);
  forRange(b.CreateAdd(q, i64v(1)), v, [&](Value *r) {
    copyVolatile(t.agg, t.tileOf(r), t.slot);
    call(t.apply, {t.agg, elemPtr(t.agg, i64v(t.aSize)), x, x});
  });
  b.CreateBr(known);

  b.SetInsertPoint(known);
  forRange(i64v(1), b.CreateAdd(t.count, i64v(1)), [&](Value *w) {
    Value *m = t.mapOf(b.CreateSub(w, i64v(1)));
    call(t.apply, {m, elemPtr(m, i64v(t.aSize)), x, t.xOf(w)});
  });
  copy(elemPtr(t.tileOf(v), i64v(t.slot)), t.xOf(t.count), t.width);
  gi.fence(b);
  gi.storeFlag(b, t.flagOf(v), b.getInt32(kTileInclusive));
}

Function *KernelBuilder::coopScan(Function *apply, int64_t bytes) {
  begin("lds_gpu_" + info.name + "_newton_scan");
  int64_t slotSize = d * d + d;
  Value *j = idx(GPUIntrinsics::Index::CtaidX);
  returnUnless(b.CreateICmpSLT(j, field(FN)));
  Value *k = field(FNumChunks);
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));
  Value *x0 = xIn(seq, lo);
  Value *own = b.CreateInBoundsGEP(b.getInt8Ty(), blockScratch(j, bytes),
                                   i64v(coopArenaOffset(slotSize, es)));
  auto carry = [&](Value *chunk) { return carryOf(j, k, chunk); };
  // Every thread writes the same values: carry[0] is x_in.
  copy(carry(i64v(0)), x0, d);
  // Chunk by chunk: a chunk's map costs D^2, spread over the block.
  forRange(i64v(0), b.CreateSub(k, i64v(1)), [&](Value *c) {
    Value *a = aggOf(j, k, c, slotSize);
    Value *from = b.CreateSelect(b.CreateICmpEQ(c, i64v(0)), x0, carry(c));
    call(apply, {a, elemPtr(a, i64v(d * d)), from,
                 carry(b.CreateAdd(c, i64v(1))), own});
  });
  return finish();
}

void KernelBuilder::defineCoopHooks() {
  auto define = [&](const char *name) -> Function * {
    Function *f = m.getFunction(name);
    if (!f || !f->isDeclaration())
      return nullptr;
    f->setLinkage(GlobalValue::InternalLinkage);
    f->addFnAttr(Attribute::AlwaysInline);
    f->addFnAttr(Attribute::NoUnwind);
    BasicBlock::Create(ctx, "entry", f);
    return f;
  };
  if (Function *f = define("lds_coop_tid")) {
    IRBuilder<> fb(&f->getEntryBlock());
    fb.CreateRet(fb.CreateZExt(gi.index(fb, GPUIntrinsics::Index::TidX), i64));
  }
  if (Function *f = define("lds_coop_ntid")) {
    IRBuilder<> fb(&f->getEntryBlock());
    fb.CreateRet(fb.CreateZExt(gi.index(fb, GPUIntrinsics::Index::NtidX), i64));
  }
  if (Function *f = define("lds_coop_barrier")) {
    f->addFnAttr(Attribute::Convergent);
    IRBuilder<> fb(&f->getEntryBlock());
    gi.barrier(fb);
    fb.CreateRetVoid();
  }
}

int32_t lds::coopBlock(const ModelInfo &info) {
  // A thread per row of a D x D map, within one to eight warps.
  int64_t threads = (info.stateDim + 31) / 32 * 32;
  return static_cast<int32_t>(
      std::clamp<int64_t>(threads, 32, kGPUMaxCoopBlock));
}

int32_t lds::maxScanBlock(const ModelInfo &info, SolverId solver) {
  if (solver == SolverId::Newton && info.stateDim > kGPUMaxNewtonDim)
    return 0;
  int64_t perWarp = scanSharedBytes(info, solver, 1);
  int64_t warps =
      std::min<int64_t>(kGPUSharedBytes / perWarp, kGPUMaxScanBlock / 32);
  return static_cast<int32_t>(warps * 32);
}

int32_t lds::iterateBlock(const ModelInfo &info, SolverId solver) {
  if (!maxScanBlock(info, solver))
    return 0;
  // Newton's combine is D^3 flops, which thread 0 pays per warp of the
  // block; its kernels hold few threads per SM anyway.
  int64_t warps = solver == SolverId::Newton ? 1 : kGPUIterateBlock / 32;
  while (warps > 0 && iterateSharedBytes(info, solver, warps) > kGPUSharedBytes)
    --warps;
  return static_cast<int32_t>(warps * 32);
}

GPUKernelSet lds::addGPUKernels(Module &m, const ModelInfo &info,
                                GPUIntrinsics &intrinsics) {
  GPUKernelSet set;
  KernelBuilder kb(m, info, intrinsics);
  auto add = [&](Function *f) {
    set.kernels.emplace_back(f->getName().str(), f);
  };
  Function *f = kb.find("f");
  if (!f || !kb.find("check"))
    return set;
  if (Function *loop = kb.find("sequential"))
    add(kb.sequential(loop));
  add(kb.residual(f));

  // The solvers with GPU kernels, and the scan block they all allow: a
  // row scan block holds D-vectors of every thread in shared memory, so at
  // large D only the channel kernels (below) may serve.
  SmallVector<SolverId, 4> solvers, rowSolvers;
  int32_t block = kGPUMaxScanBlock;
  // Newton's cooperative kernels, where the build made its functions.
  Function *coopReduceLoop = kb.find("newton_coop.reduce");
  Function *coopSweepLoop = kb.find("newton_coop.sweep");
  Function *coopApply = kb.find("newton_coop.apply");
  bool coop = coopReduceLoop && coopSweepLoop && coopApply;
  for (SolverId s : {SolverId::Jacobi, SolverId::Picard, SolverId::QuasiNewton,
                     SolverId::Newton}) {
    std::string sym = getSolverSymbol(s).str();
    if (s == SolverId::Newton && coop)
      continue;
    if (!kb.find(sym + ".element") || !kb.find(sym + ".reduce") ||
        !kb.find(sym + ".sweep") || !kb.find(sym + ".combine") ||
        !kb.find(sym + ".apply"))
      continue;
    solvers.push_back(s);
    int32_t most = maxScanBlock(info, s);
    if (most < 32) {
      set.rowsTooLarge.push_back(s);
      continue;
    }
    block = std::min(block, most);
    rowSolvers.push_back(s);
  }
  // Without row scans any block size is valid (model_abi.h wants one).
  set.scanBlock = block;
  for (SolverId s : rowSolvers) {
    std::string sym = getSolverSymbol(s).str();
    add(kb.reduce(s, kb.find(sym + ".reduce")));
    add(kb.scan(s, block));
    add(kb.sweep(s, kb.find(sym + ".sweep")));
    set.hasSolver[int(s)] = 1;
    if (int32_t iterate = iterateBlock(info, s)) {
      add(kb.iterate(s, kb.find(sym + ".reduce"), kb.find(sym + ".sweep"),
                     iterate));
      set.iterateBlock[int(s)] = iterate;
    }
  }
  // A thread per channel, where the build sliced the model: beside the row
  // kernels, or alone (channels = 2) where the row scan does not fit.
  if (Function *loop = kb.find("sequential_ch")) {
    add(kb.sequentialChannels(loop));
    set.channels[int(SolverId::Sequential)] = 1;
    for (SolverId s : solvers) {
      std::string sym = getSolverSymbol(s).str();
      Function *reduce = kb.find(sym + ".reduce_ch");
      Function *sweep = kb.find(sym + ".sweep_ch");
      if (!reduce || !sweep || !kb.find(sym + ".apply_ch"))
        continue;
      add(kb.reduceChannels(s, reduce));
      add(kb.scanChannels(s));
      add(kb.sweepChannels(s, sweep));
      set.channels[int(s)] = set.hasSolver[int(s)] ? 1 : kGPUChannelsOnly;
      set.hasSolver[int(s)] = 1;
      if (kb.find(sym + ".combine_ch")) {
        add(kb.iterateChannels(s, reduce, sweep, kGPUChannelIterateBlock));
        set.channelIterateBlock[int(s)] = kGPUChannelIterateBlock;
      }
    }
  }
  if (coop) {
    kb.defineCoopHooks();
    int64_t es = elementBytes(info), d = info.stateDim, own = 0;
    for (const char *kind : {"element", "combine", "apply"})
      if (Function *f = m.getFunction(info.name + "_newton_coop_" + kind))
        own = std::max(own, coopScratchBytes(*f));
    int64_t bytes = coopArenaOffset(d * d + d, es) + (own + 63) / 64 * 64;
    add(kb.reduce(SolverId::Newton, coopReduceLoop, bytes));
    add(kb.coopScan(coopApply, bytes));
    add(kb.sweep(SolverId::Newton, coopSweepLoop, bytes));
    int n = int(SolverId::Newton);
    set.hasSolver[n] = 1;
    set.coopBlock[n] = coopBlock(info);
    set.coopScratch[n] = bytes;
  }
  return set;
}
