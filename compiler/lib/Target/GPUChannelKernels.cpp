//===- GPUChannelKernels.cpp - a thread per state channel -----------------===//
//
// The kernels of a model that treats its state channels apart, built on its
// one-channel slices (lds-slice-channels; the chunk loops
// lds.<M>.sequential_ch and lds.<M>.<S>.{reduce,sweep}_ch). They do the row
// kernels' work (GPUKernels.cpp) with one thread per channel where those
// have one per row vector, neighbouring threads on neighbouring channels:
//
//   sequential_ch  thread x: channel x % D of item x / D, the whole window.
//   S_reduce_ch    thread x of grid.x, item ctaid.y: channel x % D of chunk
//                  x / D; its map's channel into agg (the row layout).
//   S_scan_ch      thread x < D, item ctaid.y: the channel's maps applied
//                  chunk after chunk to x_in, each carry into `carry`.
//   S_sweep_ch     thread as reduce: the chunk's channel of the new iterate;
//                  the channel's tests folded into the item's first failing
//                  row (atomic min) and non-finite flag.
//
// A warp's loads and stores of a step are then one run of neighbouring
// values (the row kernels' threads are a chunk of rows apart), and a
// thread's state, map and carry are single values in registers.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

using namespace lds;
using namespace lds::kernels;
using namespace llvm;

void KernelBuilder::setChannel(Value *c) {
  channel = c;
  size_t n = info.params.size();
  channelParams = localArray(ptr, n);
  Value *table = field(FParams);
  for (size_t k = 0; k < n; ++k) {
    const TensorInfo &p = info.params[k];
    auto *base = b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, table, k));
    int64_t bytes = p.dtype == DType::F64 ? 8 : 4;
    alignPointer(base, bytes);
    Value *at = isChannelVector(p)
                    ? b.CreateInBoundsGEP(b.getInt8Ty(), base,
                                          b.CreateMul(c, i64v(bytes)))
                    : base;
    b.CreateStore(at, b.CreateConstInBoundsGEP1_64(ptr, channelParams, k));
  }
}

std::pair<Value *, Value *> KernelBuilder::channelChunkAndItem() {
  Value *x = globalX();
  Value *c = b.CreateUDiv(x, i64v(d));
  Value *j = idx(GPUIntrinsics::Index::CtaidY);
  returnUnless(b.CreateAnd(b.CreateICmpSLT(j, field(FN)),
                           b.CreateICmpSLT(c, field(FNumChunks))));
  setChannel(b.CreateURem(x, i64v(d)));
  return {c, j};
}

Function *KernelBuilder::sequentialChannels(Function *loop) {
  begin("lds_gpu_" + info.name + "_sequential_ch");
  Value *x = globalX();
  Value *j = b.CreateUDiv(x, i64v(d));
  returnUnless(b.CreateICmpSLT(j, field(FN)));
  setChannel(b.CreateURem(x, i64v(d)));
  sequentialItem(loop, j);
  return finish();
}

Function *KernelBuilder::reduceChannels(SolverId s, Function *loop) {
  begin("lds_gpu_" + info.name + "_" + getSolverSymbol(s).str() + "_reduce_ch");
  int64_t aSize = aSizeOf(info, s);
  auto [c, j] = channelChunkAndItem();
  Value *slot = aggOf(j, field(FNumChunks), c, aSize + d);
  reduceChunk(s, loop, j, c, elemPtr(slot, channel),
              elemPtr(slot, b.CreateAdd(channel, i64v(aSize))));
  return finish();
}

Function *KernelBuilder::scanChannels(SolverId s) {
  std::string sym = getSolverSymbol(s).str();
  begin("lds_gpu_" + info.name + "_" + sym + "_scan_ch");
  Function *apply = find(sym + ".apply_ch");
  int64_t aSize = aSizeOf(info, s);
  Value *x = globalX();
  Value *j = idx(GPUIntrinsics::Index::CtaidY);
  returnUnless(
      b.CreateAnd(b.CreateICmpSLT(j, field(FN)), b.CreateICmpSLT(x, i64v(d))));
  setChannel(x);
  Value *seq = b.CreateLoad(i64, elemPtr8(field(FSeq), j));
  Value *lo = b.CreateLoad(i64, elemPtr8(field(FLo), j));
  Value *k = field(FNumChunks);
  Value *cur = localArray(fty, 1);
  copy(cur, xIn(seq, lo), 1);
  forRange(i64v(0), k, [&](Value *c) {
    Value *slot = aggOf(j, k, c, aSize + d);
    copy(elemPtr(carryOf(j, k, c), channel), cur, 1);
    call(apply, {elemPtr(slot, channel),
                 elemPtr(slot, b.CreateAdd(channel, i64v(aSize))), cur, cur});
  });
  return finish();
}

Function *KernelBuilder::sweepChannels(SolverId s, Function *loop) {
  begin("lds_gpu_" + info.name + "_" + getSolverSymbol(s).str() + "_sweep_ch");
  auto [c, j] = channelChunkAndItem();
  Value *k = field(FNumChunks);
  sweepChunk(s, loop, j, c, elemPtr(carryOf(j, k, c), channel), [&] {
    return elemPtr(carryOf(j, k, b.CreateAdd(c, i64v(1))), channel);
  });
  return finish();
}
