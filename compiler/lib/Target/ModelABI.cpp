//===- ModelABI.cpp - kernel wrappers and model descriptors ---------------===//
//
// The lowered kernels take one pointer per argument (`M_f(x, u0, u1, p0, ...,
// out)`); the runtime calls every model the same way (`step(x, inputs,
// params, out)` with arrays of pointers). This file adds those uniform
// wrappers and the `lds_model` descriptor of runtime/include/lds/
// model_abi.h as LLVM IR; the struct types below mirror its C layout.
//
//===----------------------------------------------------------------------===//

#include "lds/Target/CPUTarget.h"

#include "lds/Conversion/LowerToLLVM.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace lds;
using namespace llvm;

namespace {

/// Kernels up to this many LLVM instructions (before optimisation) are
/// forced inline into the loops that call them, where the loop is the
/// point (a step of f is often too large for LLVM's own threshold). Larger
/// kernels stay calls: a call costs nothing next to their bodies, and
/// inlining them into several loops multiplied the code LLVM optimises
/// (Langevin's compile time went from 11 s to 30 s and more).
constexpr unsigned kForceInlineLimit = 1500;

void inlineIfSmall(CallInst *call) {
  if (call->getCalledFunction()->getInstructionCount() <= kForceInlineLimit)
    call->addFnAttr(Attribute::AlwaysInline);
}

/// Stack a kernel call may take beyond its buffers (spills, saved
/// registers, the runtime's own frames): added to stackBytes' estimate.
constexpr int64_t kFrameSlack = 64 << 10;

/// The stack bytes a call of `f` may take, from its buffers: its static
/// allocas and, per call site, its callee's (an inlined callee's buffers
/// move into f's frame). Kernels do not recurse; a cycle would count once.
int64_t chainBytes(Function *f, DenseMap<Function *, int64_t> &memo) {
  auto [it, fresh] = memo.try_emplace(f, 0);
  if (!fresh || f->isDeclaration())
    return it->second;
  const DataLayout &layout = f->getParent()->getDataLayout();
  int64_t bytes = 0;
  for (Instruction &inst : instructions(*f)) {
    if (auto *alloca = dyn_cast<AllocaInst>(&inst)) {
      if (std::optional<TypeSize> size = alloca->getAllocationSize(layout))
        bytes += int64_t(size->getFixedValue());
    } else if (auto *call = dyn_cast<CallInst>(&inst)) {
      if (Function *callee = call->getCalledFunction())
        bytes += chainBytes(callee, memo);
    }
  }
  memo[f] = bytes;
  return bytes;
}

/// The ABI version of model_abi.h this file implements.
constexpr int32_t kABIVersion = 4;

class ABIBuilder {
public:
  ABIBuilder(Module &m) : m(m), ctx(m.getContext()) {
    ptr = PointerType::getUnqual(ctx);
    i32 = Type::getInt32Ty(ctx);
    i64 = Type::getInt64Ty(ctx);
    f64 = Type::getDoubleTy(ctx);
    // lds_tensor_info {name, dtype, rank, shape[3], size, index_range}
    tensorInfoTy = StructType::create(
        ctx, {ptr, i32, i32, ArrayType::get(i64, 3), i64, i64},
        "lds_tensor_info");
    // lds_solver_kernels {element, combine, apply, a_kind, a_size, flops}
    solverTy = StructType::create(ctx, {ptr, ptr, ptr, i32, i64, f64},
                                  "lds_solver_kernels");
    // lds_model: abi_version .. flops_per_step, step .. check, solvers,
    // is_affine, jacobian_kind, sequential, chunks, gpu, lanes,
    // sequential_lanes, alloc_failure_hook,
    // stack_bytes
    Type *abiFields[] = {i32, ptr, i32, i64, i32, ptr,
                         i32, ptr, i32, ptr, i32, f64};
    Type *kernelFields[] = {ptr, ptr, ptr, ptr};
    // lds_chunk_kernels {reduce, sweep}
    chunkTy = StructType::create(ctx, {ptr, ptr}, "lds_chunk_kernels");
    Type *tailFields[] = {ArrayType::get(solverTy, 6),
                          i32,
                          i32,
                          ptr,
                          ArrayType::get(chunkTy, 6),
                          ptr,
                          i32,
                          ptr,
                          ptr,
                          i64};
    SmallVector<Type *> fields(std::begin(abiFields), std::end(abiFields));
    fields.append(std::begin(kernelFields), std::end(kernelFields));
    fields.append(std::begin(tailFields), std::end(tailFields));
    modelTy = StructType::create(ctx, fields, "lds_model");
  }

  void add(const ModelInfo &info);

private:
  Function *kernel(StringRef name) { return m.getFunction(name); }
  /// The module's alloc-failure hook (model_abi.h, alloc_failure_hook), or
  /// NULL if no kernel has a heap block.
  Constant *allocFailureHook() {
    if (GlobalVariable *hook = m.getGlobalVariable(kAllocFailureHook, true))
      return hook;
    return ConstantPointerNull::get(cast<PointerType>(ptr));
  }
  Constant *string(StringRef s, const Twine &name);
  Constant *tensorInfos(ArrayRef<TensorInfo> infos, const Twine &name);
  /// A wrapper `name(ptr... fixed)` whose body loads the per-input and
  /// per-param pointers and calls `callee` with them in place.
  Function *wrap(const Twine &name, Function *callee,
                 ArrayRef<std::string> layout, const ModelInfo &info);
  /// `name(x, inputs, params, out)` (lds_step_fn) writing the A of `element`
  /// (Newton's: J; quasi-Newton's: diag J) to out, its b to scratch.
  Function *jacobianFromElement(const Twine &name, Function *element,
                                const ModelInfo &info);
  /// `name(x_prev, inputs, input_step_bytes, params, n, out)`: a loop over
  /// n steps of the kernel `callee`, which it inlines: lds_sequential_fn
  /// around `M_f` for `lanes` 0, lds_sequential_lanes_fn around `M_f_lanes`
  /// (lds-widen-lanes) for `lanes` sequences.
  Function *sequential(const Twine &name, Function *callee,
                       const ModelInfo &info, int64_t lanes = 0);

  /// The solver kernels a chunk loop calls, and their shapes.
  struct ChunkKernels {
    Function *element, *combine, *apply, *check;
    bool hasA;     // element, combine and apply take A
    int64_t aSize; // values in A
    /// Block-cooperative (GPU): element, combine and apply take the
    /// functions' scratch last; the loop takes a block's scratch last,
    /// which holds the step's element (A, b) then theirs
    /// (coopArenaOffset), and every thread of the block runs it.
    bool coop = false;
    /// Values in b and x: D, or 1 for the one-channel slices (@M_*_ch),
    /// whose chunk loops step down one channel of the rows.
    int64_t width = 0;
    /// The sweep folds the stopping tests instead of storing them: its
    /// last argument is an i64[2], set to the first failing step (n if
    /// none) and to 1 if a test was NaN (0 if not). `exact`: each row is
    /// tested against itself (finiteness), not the guess.
    bool fold = false, exact = false;
  };
  /// In `fn` (a chunk loop taking a block's scratch last when `k.coop`):
  /// where one step's A and b go, and the tail the kernels take after
  /// their outputs (the functions' scratch, or nothing).
  struct StepBuffers {
    Value *a, *b;
    SmallVector<Value *, 1> tail;
  };
  StepBuffers stepBuffers(IRBuilder<> &b, Function *fn, const ChunkKernels &k,
                          const ModelInfo &info);
  /// The cooperative Newton of `info` (@M_newton_coop_*), if the GPU build
  /// added it: wrappers and chunk loops lds.<M>.newton_coop.*.
  void addCooperative(const ModelInfo &info);
  /// The chunk loops of the one-channel slices (@M_*_ch, lds-slice-channels),
  /// if the GPU build added them: lds.<M>.sequential_ch and
  /// lds.<M>.<S>.{reduce,sweep}_ch, called with pointers to one channel of
  /// the rows and of the inputs and params (TensorInfo::channelStride).
  void addChannels(const ModelInfo &info);
  /// The per-step arguments of a chunk loop: input bases and strides and
  /// the param pointers, loaded in the entry block.
  struct StepArgs {
    SmallVector<Value *> bases, strides, params;
    /// `callee(x, inputs at step t..., params..., tail...)`, inlined.
    void call(IRBuilder<> &b, Function *callee, Value *x, Value *t,
              ArrayRef<Value *> tail) const;
  };
  StepArgs loadStepArgs(IRBuilder<> &b, Value *inputs, Value *stepBytes,
                        Value *params, const ModelInfo &info);
  /// `name(x_first, guess_rows, inputs, input_step_bytes, params, n, a, b)`
  /// (lds_reduce_fn), with `scratch` last when k.coop.
  Function *reduce(const Twine &name, const ChunkKernels &k,
                   const ModelInfo &info);
  /// `name(guess_first, x_in, guess_rows, inputs, input_step_bytes, params,
  /// n, out_rows, tol, excess)` (lds_sweep_fn), with `scratch` last when
  /// k.coop; `excess` is the folded result when k.fold.
  Function *sweep(const Twine &name, const ChunkKernels &k,
                  const ModelInfo &info);

  Module &m;
  LLVMContext &ctx;
  Type *ptr, *i32, *i64, *f64;
  StructType *tensorInfoTy, *solverTy, *chunkTy, *modelTy;
};

} // namespace

Constant *ABIBuilder::string(StringRef s, const Twine &name) {
  Constant *data = ConstantDataArray::getString(ctx, s);
  auto *g = new GlobalVariable(m, data->getType(), /*isConstant=*/true,
                               GlobalValue::PrivateLinkage, data, name);
  g->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
  return g;
}

Constant *ABIBuilder::tensorInfos(ArrayRef<TensorInfo> infos,
                                  const Twine &name) {
  if (infos.empty())
    return ConstantPointerNull::get(cast<PointerType>(ptr));
  SmallVector<Constant *> elems;
  for (auto [i, t] : llvm::enumerate(infos)) {
    SmallVector<Constant *, 3> shape;
    for (int k = 0; k < 3; ++k)
      shape.push_back(
          ConstantInt::get(i64, k < int(t.shape.size()) ? t.shape[k] : 0));
    elems.push_back(ConstantStruct::get(
        tensorInfoTy,
        {string(t.name, name + ".name" + Twine(i)),
         ConstantInt::get(i32, int(t.dtype)),
         ConstantInt::get(i32, int(t.shape.size())),
         ConstantArray::get(ArrayType::get(i64, 3), shape),
         ConstantInt::get(i64, t.size), ConstantInt::get(i64, t.indexRange)}));
  }
  auto *arrayTy = ArrayType::get(tensorInfoTy, elems.size());
  return new GlobalVariable(m, arrayTy, true, GlobalValue::PrivateLinkage,
                            ConstantArray::get(arrayTy, elems), name);
}

/// `layout` names the wrapper's parameters and how each maps to the callee:
/// "in" / "params" are pointer arrays expanded into one callee argument per
/// input / param; any other name is passed through; "-" is a wrapper
/// parameter the callee does not take (A of Picard and Jacobi).
Function *ABIBuilder::wrap(const Twine &name, Function *callee,
                           ArrayRef<std::string> layout,
                           const ModelInfo &info) {
  SmallVector<Type *> params(layout.size(), ptr);
  auto *fnTy = FunctionType::get(Type::getVoidTy(ctx), params, false);
  auto *fn = Function::Create(fnTy, GlobalValue::InternalLinkage, name, m);
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", fn));
  SmallVector<Value *> args;
  for (auto [i, role] : llvm::enumerate(layout)) {
    Value *arg = fn->getArg(i);
    if (role == "-")
      continue;
    size_t count = role == "in"       ? info.inputs.size()
                   : role == "params" ? info.params.size()
                                      : 0;
    if (role != "in" && role != "params") {
      args.push_back(arg);
      continue;
    }
    for (size_t k = 0; k < count; ++k)
      args.push_back(
          b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, arg, k)));
  }
  b.CreateCall(callee, args);
  b.CreateRetVoid();
  return fn;
}

Function *ABIBuilder::sequential(const Twine &name, Function *callee,
                                 const ModelInfo &info, int64_t lanes) {
  auto *fnTy = FunctionType::get(Type::getVoidTy(ctx),
                                 {ptr, ptr, ptr, ptr, i64, ptr}, false);
  auto *fn = Function::Create(fnTy, GlobalValue::InternalLinkage, name, m);
  Value *xPrev = fn->getArg(0), *inputs = fn->getArg(1),
        *stepBytes = fn->getArg(2), *params = fn->getArg(3), *n = fn->getArg(4),
        *out = fn->getArg(5);
  auto *entry = BasicBlock::Create(ctx, "entry", fn);
  auto *loop = BasicBlock::Create(ctx, "loop", fn);
  auto *exit = BasicBlock::Create(ctx, "exit", fn);
  IRBuilder<> b(entry);
  auto loadPtr = [&](Value *array, int64_t k) {
    return b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, array, k));
  };

  // The loop-invariant pointers, in the entry block: each lane's x_prev and
  // out (the arguments themselves for one sequence), the input bases
  // (bases[i * count + l]: input i of lane l, in the callee's order) and
  // strides, and the params.
  size_t numInputs = info.inputs.size();
  int64_t count = std::max<int64_t>(lanes, 1);
  SmallVector<Value *> prevs, outs, bases, strides, paramPtrs;
  for (int64_t l = 0; l < count; ++l) {
    prevs.push_back(lanes ? loadPtr(xPrev, l) : xPrev);
    outs.push_back(lanes ? loadPtr(out, l) : out);
  }
  for (size_t i = 0; i < numInputs; ++i) {
    strides.push_back(
        b.CreateLoad(i64, b.CreateConstInBoundsGEP1_64(i64, stepBytes, i)));
    for (int64_t l = 0; l < count; ++l)
      bases.push_back(loadPtr(inputs, l * numInputs + i));
  }
  for (size_t k = 0; k < info.params.size(); ++k)
    paramPtrs.push_back(loadPtr(params, k));
  int64_t rowBytes = info.stateDim * (info.dtype == DType::F64 ? 8 : 4);
  b.CreateCondBr(b.CreateICmpSGT(n, ConstantInt::get(i64, 0)), loop, exit);

  b.SetInsertPoint(loop);
  PHINode *t = b.CreatePHI(i64, 2, "t");
  t->addIncoming(ConstantInt::get(i64, 0), entry);
  SmallVector<PHINode *> prevPhis;
  SmallVector<Value *> args, rows;
  for (int64_t l = 0; l < count; ++l) {
    PHINode *prev = b.CreatePHI(ptr, 2, "prev");
    prev->addIncoming(prevs[l], entry);
    prevPhis.push_back(prev);
    args.push_back(prev);
  }
  Value *offset = b.CreateMul(t, ConstantInt::get(i64, rowBytes));
  for (int64_t l = 0; l < count; ++l)
    rows.push_back(b.CreateInBoundsGEP(b.getInt8Ty(), outs[l], offset, "row"));
  // The kernel's arguments: x, one pointer per input (this step's value)
  // and per param, out; each of x, the inputs and out once per lane.
  for (size_t i = 0; i < numInputs; ++i) {
    Value *step = b.CreateMul(t, strides[i]);
    for (int64_t l = 0; l < count; ++l)
      args.push_back(
          b.CreateInBoundsGEP(b.getInt8Ty(), bases[i * count + l], step));
  }
  args.append(paramPtrs.begin(), paramPtrs.end());
  args.append(rows.begin(), rows.end());
  // f's body is above the inliner's threshold once other wrappers call it
  // too; the loop is the point, so force it in.
  inlineIfSmall(b.CreateCall(callee, args));
  Value *next = b.CreateAdd(t, ConstantInt::get(i64, 1), "t.next");
  t->addIncoming(next, loop);
  for (int64_t l = 0; l < count; ++l)
    prevPhis[l]->addIncoming(rows[l], loop);
  b.CreateCondBr(b.CreateICmpSLT(next, n), loop, exit);

  b.SetInsertPoint(exit);
  b.CreateRetVoid();
  return fn;
}

ABIBuilder::StepArgs ABIBuilder::loadStepArgs(IRBuilder<> &b, Value *inputs,
                                              Value *stepBytes, Value *params,
                                              const ModelInfo &info) {
  StepArgs s;
  for (size_t i = 0; i < info.inputs.size(); ++i) {
    s.bases.push_back(
        b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, inputs, i)));
    s.strides.push_back(
        b.CreateLoad(i64, b.CreateConstInBoundsGEP1_64(i64, stepBytes, i)));
  }
  for (size_t k = 0; k < info.params.size(); ++k)
    s.params.push_back(
        b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, params, k)));
  return s;
}

void ABIBuilder::StepArgs::call(IRBuilder<> &b, Function *callee, Value *x,
                                Value *t, ArrayRef<Value *> tail) const {
  SmallVector<Value *> args{x};
  for (size_t i = 0; i < bases.size(); ++i)
    args.push_back(b.CreateInBoundsGEP(b.getInt8Ty(), bases[i],
                                       b.CreateMul(t, strides[i])));
  args.append(params.begin(), params.end());
  args.append(tail.begin(), tail.end());
  inlineIfSmall(b.CreateCall(callee, args));
}

Function *ABIBuilder::reduce(const Twine &name, const ChunkKernels &k,
                             const ModelInfo &info) {
  SmallVector<Type *, 9> types{ptr, ptr, ptr, ptr, ptr, i64, ptr, ptr};
  if (k.coop)
    types.push_back(ptr);
  auto *fnTy = FunctionType::get(Type::getVoidTy(ctx), types, false);
  auto *fn = Function::Create(fnTy, GlobalValue::InternalLinkage, name, m);
  Value *xFirst = fn->getArg(0), *guessRows = fn->getArg(1),
        *inputs = fn->getArg(2), *stepBytes = fn->getArg(3),
        *params = fn->getArg(4), *n = fn->getArg(5), *accA = fn->getArg(6),
        *accB = fn->getArg(7);
  auto *entry = BasicBlock::Create(ctx, "entry", fn);
  auto *first = BasicBlock::Create(ctx, "first", fn);
  auto *loop = BasicBlock::Create(ctx, "loop", fn);
  auto *exit = BasicBlock::Create(ctx, "exit", fn);
  IRBuilder<> b(entry);
  int64_t rowBytes = info.stateDim * (info.dtype == DType::F64 ? 8 : 4);
  // This step's element (A, b), hoisted out of the loop.
  StepBuffers buf = stepBuffers(b, fn, k, info);
  Value *sa = buf.a, *sb = buf.b;
  StepArgs step = loadStepArgs(b, inputs, stepBytes, params, info);
  b.CreateCondBr(b.CreateICmpSGT(n, b.getInt64(0)), first, exit);

  // Step 0's element is the accumulated map.
  b.SetInsertPoint(first);
  SmallVector<Value *, 2> accOut;
  if (k.hasA)
    accOut.push_back(accA);
  accOut.push_back(accB);
  SmallVector<Value *, 3> firstOut(accOut.begin(), accOut.end());
  firstOut.append(buf.tail.begin(), buf.tail.end());
  step.call(b, k.element, xFirst, b.getInt64(0), firstOut);
  b.CreateCondBr(b.CreateICmpSGT(n, b.getInt64(1)), loop, exit);

  b.SetInsertPoint(loop);
  PHINode *t = b.CreatePHI(i64, 2, "t");
  t->addIncoming(b.getInt64(1), first);
  Value *guess = b.CreateInBoundsGEP(
      b.getInt8Ty(), guessRows,
      b.CreateMul(b.CreateSub(t, b.getInt64(1)), b.getInt64(rowBytes)));
  SmallVector<Value *, 2> elemOut;
  if (k.hasA)
    elemOut.push_back(sa);
  elemOut.push_back(sb);
  elemOut.append(buf.tail.begin(), buf.tail.end());
  step.call(b, k.element, guess, t, elemOut);
  // The accumulated map runs first, then this step's.
  SmallVector<Value *, 6> combineArgs;
  if (k.hasA)
    combineArgs.push_back(sa);
  combineArgs.push_back(sb);
  if (k.hasA)
    combineArgs.push_back(accA);
  combineArgs.push_back(accB);
  combineArgs.append(accOut.begin(), accOut.end());
  combineArgs.append(buf.tail.begin(), buf.tail.end());
  inlineIfSmall(b.CreateCall(k.combine, combineArgs));
  Value *next = b.CreateAdd(t, b.getInt64(1), "t.next");
  t->addIncoming(next, loop);
  b.CreateCondBr(b.CreateICmpSLT(next, n), loop, exit);

  b.SetInsertPoint(exit);
  b.CreateRetVoid();
  return fn;
}

Function *ABIBuilder::sweep(const Twine &name, const ChunkKernels &k,
                            const ModelInfo &info) {
  SmallVector<Type *, 11> types{ptr, ptr, ptr, ptr, ptr,
                                ptr, i64, ptr, ptr, ptr};
  if (k.coop)
    types.push_back(ptr);
  auto *fnTy = FunctionType::get(Type::getVoidTy(ctx), types, false);
  auto *fn = Function::Create(fnTy, GlobalValue::InternalLinkage, name, m);
  Value *guessFirst = fn->getArg(0), *xIn = fn->getArg(1),
        *guessRows = fn->getArg(2), *inputs = fn->getArg(3),
        *stepBytes = fn->getArg(4), *params = fn->getArg(5), *n = fn->getArg(6),
        *out = fn->getArg(7), *tol = fn->getArg(8), *excess = fn->getArg(9);
  auto *entry = BasicBlock::Create(ctx, "entry", fn);
  auto *loop = BasicBlock::Create(ctx, "loop", fn);
  auto *exit = BasicBlock::Create(ctx, "exit", fn);
  IRBuilder<> b(entry);
  int64_t es = info.dtype == DType::F64 ? 8 : 4;
  int64_t rowBytes = info.stateDim * es;
  StepBuffers buf = stepBuffers(b, fn, k, info);
  Value *sa = buf.a, *sb = buf.b;
  StepArgs step = loadStepArgs(b, inputs, stepBytes, params, info);
  Type *fty = es == 8 ? b.getDoubleTy() : b.getFloatTy();
  Value *test = k.fold ? b.CreateAlloca(fty) : nullptr;
  b.CreateCondBr(b.CreateICmpSGT(n, b.getInt64(0)), loop, exit);

  b.SetInsertPoint(loop);
  PHINode *t = b.CreatePHI(i64, 2, "t");
  PHINode *guessPrev = b.CreatePHI(ptr, 2, "guess.prev");
  PHINode *prev = b.CreatePHI(ptr, 2, "prev");
  PHINode *bad = k.fold ? b.CreatePHI(i64, 2, "bad") : nullptr;
  PHINode *nan = k.fold ? b.CreatePHI(b.getInt1Ty(), 2, "nan") : nullptr;
  if (k.fold) {
    bad->addIncoming(n, entry);
    nan->addIncoming(b.getFalse(), entry);
  }
  t->addIncoming(b.getInt64(0), entry);
  guessPrev->addIncoming(guessFirst, entry);
  prev->addIncoming(xIn, entry);
  Value *offset = b.CreateMul(t, b.getInt64(rowBytes));
  Value *guess = b.CreateInBoundsGEP(b.getInt8Ty(), guessRows, offset, "guess");
  Value *row = b.CreateInBoundsGEP(b.getInt8Ty(), out, offset, "row");
  SmallVector<Value *, 2> elemOut;
  if (k.hasA)
    elemOut.push_back(sa);
  elemOut.push_back(sb);
  SmallVector<Value *, 5> applyArgs(elemOut.begin(), elemOut.end());
  elemOut.append(buf.tail.begin(), buf.tail.end());
  step.call(b, k.element, guessPrev, t, elemOut);
  applyArgs.push_back(prev);
  applyArgs.push_back(row);
  applyArgs.append(buf.tail.begin(), buf.tail.end());
  inlineIfSmall(b.CreateCall(k.apply, applyArgs));
  Value *ex = k.fold ? test
                     : b.CreateInBoundsGEP(b.getInt8Ty(), excess,
                                           b.CreateMul(t, b.getInt64(es)));
  inlineIfSmall(b.CreateCall(k.check, {row, k.exact ? row : guess, tol, ex}));
  Value *badNext = nullptr, *nanNext = nullptr;
  if (k.fold) {
    Value *e = b.CreateLoad(fty, test);
    Value *fails = b.CreateFCmpUGT(e, ConstantFP::get(e->getType(), 0.0));
    badNext = b.CreateSelect(b.CreateAnd(fails, b.CreateICmpEQ(bad, n)), t, bad,
                             "bad.next");
    nanNext = b.CreateOr(nan, b.CreateFCmpUNO(e, e), "nan.next");
    bad->addIncoming(badNext, loop);
    nan->addIncoming(nanNext, loop);
    nanNext = b.CreateZExt(nanNext, i64);
  }
  Value *next = b.CreateAdd(t, b.getInt64(1), "t.next");
  t->addIncoming(next, loop);
  guessPrev->addIncoming(guess, loop);
  prev->addIncoming(row, loop);
  b.CreateCondBr(b.CreateICmpSLT(next, n), loop, exit);

  b.SetInsertPoint(exit);
  if (k.fold) {
    PHINode *badOut = b.CreatePHI(i64, 2), *nanOut = b.CreatePHI(i64, 2);
    badOut->addIncoming(n, entry);
    badOut->addIncoming(badNext, loop);
    nanOut->addIncoming(b.getInt64(0), entry);
    nanOut->addIncoming(nanNext, loop);
    b.CreateStore(badOut, excess);
    b.CreateStore(nanOut, b.CreateConstInBoundsGEP1_64(i64, excess, 1));
  }
  b.CreateRetVoid();
  return fn;
}

ABIBuilder::StepBuffers ABIBuilder::stepBuffers(IRBuilder<> &b, Function *fn,
                                                const ChunkKernels &k,
                                                const ModelInfo &info) {
  int64_t es = info.dtype == DType::F64 ? 8 : 4;
  Type *fty = es == 8 ? b.getDoubleTy() : b.getFloatTy();
  int64_t aValues = k.hasA ? k.aSize : 0;
  if (!k.coop) {
    Value *a = k.hasA ? b.CreateAlloca(ArrayType::get(fty, k.aSize)) : nullptr;
    int64_t width = k.width ? k.width : info.stateDim;
    return {a, b.CreateAlloca(ArrayType::get(fty, width)), {}};
  }
  // Shared by the block's threads: the block's scratch.
  Value *scratch = fn->getArg(fn->arg_size() - 1);
  Value *a = k.hasA ? scratch : nullptr;
  Value *bv =
      b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), scratch, aValues * es);
  Value *own = b.CreateConstInBoundsGEP1_64(
      b.getInt8Ty(), scratch, coopArenaOffset(aValues + info.stateDim, es));
  return {a, bv, {own}};
}

Function *ABIBuilder::jacobianFromElement(const Twine &name, Function *element,
                                          const ModelInfo &info) {
  auto *fnTy =
      FunctionType::get(Type::getVoidTy(ctx), {ptr, ptr, ptr, ptr}, false);
  auto *fn = Function::Create(fnTy, GlobalValue::InternalLinkage, name, m);
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", fn));
  Type *fty = info.dtype == DType::F64 ? b.getDoubleTy() : b.getFloatTy();
  Value *scratchB = b.CreateAlloca(ArrayType::get(fty, info.stateDim));
  SmallVector<Value *> args{fn->getArg(0)};
  for (size_t i = 0; i < info.inputs.size(); ++i)
    args.push_back(
        b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, fn->getArg(1), i)));
  for (size_t k = 0; k < info.params.size(); ++k)
    args.push_back(
        b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, fn->getArg(2), k)));
  args.push_back(fn->getArg(3));
  args.push_back(scratchB);
  b.CreateCall(element, args);
  b.CreateRetVoid();
  return fn;
}

void ABIBuilder::add(const ModelInfo &info) {
  std::string n = info.name;
  auto nullPtr = ConstantPointerNull::get(cast<PointerType>(ptr));
  auto wrapStep = [&](StringRef kind) -> Constant * {
    Function *callee = kernel(n + "_" + kind.str());
    if (!callee)
      return nullPtr;
    return wrap("lds." + n + "." + kind, callee, {"x", "in", "params", "out"},
                info);
  };

  Constant *step = wrapStep("f");
  Constant *seq = nullPtr;
  if (Function *f = kernel(n + "_f"))
    seq = sequential("lds." + n + ".sequential", f, info);
  // @M_f_lanes takes the state, each input and out once per lane.
  Constant *seqLanes = nullPtr;
  int64_t lanes = 0;
  if (Function *f = kernel(n + "_f_lanes")) {
    int64_t perLane = 2 + int64_t(info.inputs.size());
    lanes = (int64_t(f->arg_size()) - int64_t(info.params.size())) / perLane;
    seqLanes = sequential("lds." + n + ".sequential_lanes", f, info, lanes);
  }
  // J and its diagonal are the A of Newton's and quasi-Newton's element;
  // reading them there spares LLVM a second copy of the derivative code
  // (the standalone kernels are then unused and dropped).
  auto jacobianVia = [&](StringRef kind, StringRef solver) -> Constant * {
    if (Function *element = kernel(n + "_" + solver.str() + "_element"))
      return jacobianFromElement("lds." + n + "." + kind, element, info);
    return wrapStep(kind);
  };
  Constant *jac = jacobianVia("jac", "newton");
  Constant *jacDiag = jacobianVia("jac_diag", "quasi_newton");
  Constant *check = nullPtr;
  if (Function *c = kernel(n + "_check"))
    check = wrap("lds." + n + ".check", c, {"a", "b", "tol", "out"}, info);

  SmallVector<Constant *, 6> solvers, chunks;
  int64_t d = info.stateDim;
  Function *rawCheck = kernel(n + "_check");
  Constant *noChunks = ConstantStruct::get(chunkTy, {nullPtr, nullPtr});
  for (int id = 0; id < 6; ++id) {
    auto solver = SolverId(id);
    StringRef sym = getSolverSymbol(solver);
    Function *element =
        sym.empty() ? nullptr : kernel(n + "_" + sym.str() + "_element");
    if (!element) {
      solvers.push_back(ConstantStruct::get(
          solverTy, {nullPtr, nullPtr, nullPtr, ConstantInt::get(i32, 0),
                     ConstantInt::get(i64, 0), ConstantFP::get(f64, 0.0)}));
      chunks.push_back(noChunks);
      continue;
    }
    int aKind = solver == SolverId::Newton        ? 3
                : solver == SolverId::QuasiNewton ? 2
                : solver == SolverId::Picard      ? 1
                                                  : 0;
    bool hasA = aKind >= 2;
    std::string a = hasA ? "a" : "-", a1 = hasA ? "a1" : "-",
                a2 = hasA ? "a2" : "-";
    std::string prefix = "lds." + n + "." + sym.str();
    Function *combine = kernel(n + "_" + sym.str() + "_combine");
    Function *apply = kernel(n + "_" + sym.str() + "_apply");
    solvers.push_back(ConstantStruct::get(
        solverTy,
        {wrap(prefix + ".element", element, {"x", "in", "params", a, "b"},
              info),
         wrap(prefix + ".combine", combine, {a2, "b2", a1, "b1", a, "b"}, info),
         wrap(prefix + ".apply", apply, {a, "b", "x", "out"}, info),
         ConstantInt::get(i32, aKind),
         ConstantInt::get(i64, aKind == 3   ? d * d
                               : aKind == 2 ? d
                                            : 0),
         ConstantFP::get(f64, info.solverFlops[id])}));

    // The fused chunk loops keep one element's (A, b) on the stack: left
    // out (the runtime steps per row) where that would be large.
    ChunkKernels ck{element,  combine, apply,
                    rawCheck, hasA,    aKind == 3 ? d * d : d};
    int64_t scratchBytes =
        ((hasA ? ck.aSize : 0) + d) * (info.dtype == DType::F64 ? 8 : 4);
    if (!combine || !apply || !rawCheck || scratchBytes > (256 << 10)) {
      chunks.push_back(noChunks);
      continue;
    }
    chunks.push_back(
        ConstantStruct::get(chunkTy, {reduce(prefix + ".reduce", ck, info),
                                      sweep(prefix + ".sweep", ck, info)}));
  }

  addCooperative(info);
  addChannels(info);

  // The deepest call chain of the kernels the runtime calls (the wrappers
  // lds.<name>.*, made above).
  DenseMap<Function *, int64_t> memo;
  int64_t stack = 0;
  for (Function &f : m.functions())
    if (f.getName().starts_with("lds." + n + "."))
      stack = std::max(stack, chainBytes(&f, memo));
  Constant *gpu = ConstantPointerNull::get(cast<PointerType>(ptr));
  Constant *fields[] = {
      ConstantInt::get(i32, kABIVersion),
      string(n, "lds." + n + ".name"),
      ConstantInt::get(i32, int(info.dtype)),
      ConstantInt::get(i64, info.stateDim),
      ConstantInt::get(i32, info.states.size()),
      tensorInfos(info.states, "lds." + n + ".states"),
      ConstantInt::get(i32, info.inputs.size()),
      tensorInfos(info.inputs, "lds." + n + ".inputs"),
      ConstantInt::get(i32, info.params.size()),
      tensorInfos(info.params, "lds." + n + ".params"),
      ConstantInt::get(i32, int(info.defaultSolver)),
      ConstantFP::get(f64, info.flopsPerStep),
      step,
      jac,
      jacDiag,
      check,
      ConstantArray::get(ArrayType::get(solverTy, 6), solvers),
      ConstantInt::get(i32, info.isAffine ? 1 : 0),
      ConstantInt::get(i32, info.jacobianKind),
      seq,
      ConstantArray::get(ArrayType::get(chunkTy, 6), chunks),
      gpu,
      ConstantInt::get(i32, lanes),
      seqLanes,
      allocFailureHook(),
      ConstantInt::get(i64, stack + kFrameSlack)};
  assert(fields[kDescriptorGPUField] == gpu && "the gpu field moved");
  Constant *descriptor = ConstantStruct::get(modelTy, fields);
  auto *global =
      new GlobalVariable(m, modelTy, true, GlobalValue::InternalLinkage,
                         descriptor, "lds." + n + ".model");

  // const lds_model *lds_model_<name>(void)
  auto *accessor =
      Function::Create(FunctionType::get(ptr, false),
                       GlobalValue::ExternalLinkage, "lds_model_" + n, m);
  IRBuilder<> b(BasicBlock::Create(ctx, "entry", accessor));
  b.CreateRet(global);
}

void ABIBuilder::addCooperative(const ModelInfo &info) {
  std::string n = info.name, prefix = "lds." + n + ".newton_coop";
  Function *element = kernel(n + "_newton_coop_element");
  Function *combine = kernel(n + "_newton_coop_combine");
  Function *apply = kernel(n + "_newton_coop_apply");
  Function *check = kernel(n + "_check");
  if (!element || !combine || !apply || !check)
    return;
  // The wrappers the scan kernel calls take the functions' scratch last.
  wrap(prefix + ".combine", combine, {"a2", "b2", "a1", "b1", "a", "b", "s"},
       info);
  wrap(prefix + ".apply", apply, {"a", "b", "x", "out", "s"}, info);
  int64_t d = info.stateDim;
  ChunkKernels ck{element, combine, apply, check, true, d * d, true};
  reduce(prefix + ".reduce", ck, info);
  sweep(prefix + ".sweep", ck, info);
}

void ABIBuilder::addChannels(const ModelInfo &info) {
  std::string n = info.name;
  Function *f = kernel(n + "_f_ch"), *check = kernel(n + "_check_ch");
  if (!f || !check)
    return;
  wrap("lds." + n + ".f_ch", f, {"x", "in", "params", "out"}, info);
  wrap("lds." + n + ".check_ch", check, {"a", "b", "tol", "out"}, info);
  sequential("lds." + n + ".sequential_ch", f, info);
  for (SolverId s :
       {SolverId::Jacobi, SolverId::Picard, SolverId::QuasiNewton}) {
    std::string sym = getSolverSymbol(s).str();
    Function *element = kernel(n + "_" + sym + "_element_ch");
    Function *combine = kernel(n + "_" + sym + "_combine_ch");
    Function *apply = kernel(n + "_" + sym + "_apply_ch");
    if (!element || !combine || !apply)
      continue;
    bool hasA = s == SolverId::QuasiNewton;
    ChunkKernels ck{element, combine, apply, check, hasA, 1};
    ck.width = 1;
    std::string prefix = "lds." + n + "." + sym;
    wrap(prefix + ".apply_ch", apply, {hasA ? "a" : "-", "b", "x", "out"},
         info);
    wrap(prefix + ".combine_ch", combine,
         {hasA ? "a2" : "-", "b2", hasA ? "a1" : "-", "b1", hasA ? "a" : "-",
          "b"},
         info);
    reduce(prefix + ".reduce_ch", ck, info);
    ck.fold = true;
    ck.exact = isExactSolver(info, s);
    sweep(prefix + ".sweep_ch", ck, info);
  }
}

void lds::addModelABI(Module &module, const std::vector<ModelInfo> &infos) {
  ABIBuilder builder(module);
  for (const ModelInfo &info : infos)
    builder.add(info);
  // The kernels themselves are reached through the descriptor only.
  for (Function &f : module.functions())
    if (!f.isDeclaration() && !f.getName().starts_with("lds_model_") &&
        f.hasExternalLinkage())
      f.setLinkage(GlobalValue::InternalLinkage);
}
