//===- GenerateKernels.cpp - per-step solver kernels ----------------------===//
//
// Builds the kernels of runtime/include/lds/model_abi.h from the derived
// step functions: each solver's linearisation (element), the scan combine
// and apply, and the stopping test. Bodies are cloned from @M_f, @M_jac and
// @M_jac_diag, so one CSE pass shares their common subexpressions (the
// primal values f and J both need are computed once).
//
//===----------------------------------------------------------------------===//

#include "lds/Transforms/Passes.h"
#include "lds/Transforms/ScanElement.h"
#include "lds/Transforms/StepFunctions.h"

#include "mlir/IR/IRMapping.h"

namespace lds {
#define GEN_PASS_DEF_GENERATEKERNELS
#include "lds/Transforms/Passes.h.inc"
} // namespace lds

using namespace mlir;
using namespace lds;

namespace {

/// The solvers with kernels, as (name in lds.solver, name in symbols).
constexpr std::pair<llvm::StringLiteral, llvm::StringLiteral> kSolvers[] = {
    {"newton", "newton"},
    {"quasi-newton", "quasi_newton"},
    {"picard", "picard"},
    {"jacobi", "jacobi"}};

/// Clones `src`'s body at `b`'s insertion point with its arguments replaced
/// by `args`; returns the values it would return.
SmallVector<Value> inlineBody(OpBuilder &b, func::FuncOp src, ValueRange args) {
  IRMapping map;
  map.map(src.getArguments(), args);
  SmallVector<Value> results;
  for (Operation &op : src.front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands())
        results.push_back(map.lookup(v));
      break;
    }
    b.clone(op, map);
  }
  return results;
}

/// A function `name` at the end of the module, tagged for `model`, with
/// named arguments.
func::FuncOp createKernel(ModelOp model, StringRef kind,
                          ArrayRef<std::pair<StringRef, Type>> args,
                          TypeRange results) {
  OpBuilder b(model->getContext());
  auto module = model->getParentOfType<ModuleOp>();
  b.setInsertionPointToEnd(module.getBody());
  SmallVector<Type> types;
  for (auto &arg : args)
    types.push_back(arg.second);
  auto func = b.create<func::FuncOp>(model.getLoc(),
                                     getDerivedName(model.getSymName(), kind),
                                     b.getFunctionType(types, results));
  func->setAttr("lds.model", FlatSymbolRefAttr::get(model.getSymNameAttr()));
  func->setAttr("lds.derived", b.getStringAttr(kind));
  for (auto [i, arg] : llvm::enumerate(args))
    func.setArgAttr(i, "lds.name", b.getStringAttr(arg.first));
  func.addEntryBlock();
  return func;
}

struct GenerateKernelsPass
    : public lds::impl::GenerateKernelsBase<GenerateKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (ModelOp model : llvm::to_vector(module.getOps<ModelOp>())) {
      StringRef name = model.getSymName();
      func::FuncOp f = lookupDerived(module, name, kDerivedF);
      func::FuncOp jac = lookupDerived(module, name, kDerivedJac);
      func::FuncOp diag = lookupDerived(module, name, kDerivedJacDiag);
      if (!f || !jac || !diag) {
        model.emitOpError("has no derived functions (run "
                          "lds-derive-jacobian first)");
        return signalPassFailure();
      }
      if (lookupDerived(module, name, "check"))
        continue;
      generateCheck(model);
      for (auto [solver, symbol] : kSolvers)
        generateSolver(model, solver, symbol, f, jac, diag);
    }
  }

  void generateCheck(ModelOp model) {
    Type floatType = model.getFloatType();
    auto x = RankedTensorType::get({model.getStateDim()}, floatType);
    auto tol = RankedTensorType::get({2}, floatType);
    auto scalar = RankedTensorType::get({}, floatType);
    func::FuncOp func = createKernel(
        model, "check", {{"x_new", x}, {"x_old", x}, {"tol", tol}}, {scalar});
    OpBuilder b = OpBuilder::atBlockEnd(&func.front());
    Emitter e(b, model.getLoc(), floatType);
    Value excess = emitToleranceExcess(
        e, func.getArgument(0), func.getArgument(1), func.getArgument(2));
    b.create<func::ReturnOp>(model.getLoc(), excess);
  }

  void generateSolver(ModelOp model, StringRef solver, StringRef symbol,
                      func::FuncOp f, func::FuncOp jac, func::FuncOp diag) {
    AKind kind = getAKind(solver);
    Type floatType = model.getFloatType();
    int64_t d = model.getStateDim();
    auto vec = RankedTensorType::get({d}, floatType);
    RankedTensorType aType;
    if (kind == AKind::Dense)
      aType = RankedTensorType::get({d, d}, floatType);
    else if (kind == AKind::Diagonal)
      aType = vec;
    bool hasA = static_cast<bool>(aType);
    Location loc = model.getLoc();

    // element(x, inputs..., params...) -> ([A,] b)
    SmallVector<Type> elementResults;
    if (hasA)
      elementResults.push_back(aType);
    elementResults.push_back(vec);
    func::FuncOp element = createDerivedFunction(
        model, (symbol + "_element").str(), 0, elementResults);
    {
      OpBuilder b = OpBuilder::atBlockEnd(&element.front());
      Emitter e(b, loc, floatType);
      ValueRange args = element.getArguments();
      Value x = args[0];
      Value fx = inlineBody(b, f, args)[0];
      SmallVector<Value> results;
      if (kind == AKind::Dense) {
        Value a = inlineBody(b, jac, args)[0];
        results = {a, e.sub(fx, e.matmul(a, x))};
      } else if (kind == AKind::Diagonal) {
        Value a = inlineBody(b, diag, args)[0];
        results = {a, e.sub(fx, e.mul(a, x))};
      } else if (kind == AKind::Identity) {
        results = {e.sub(fx, x)};
      } else {
        results = {fx};
      }
      b.create<func::ReturnOp>(loc, results);
    }

    // combine([A2,] b2, [A1,] b1) -> ([A,] b)
    SmallVector<std::pair<StringRef, Type>> combineArgs;
    if (hasA)
      combineArgs.push_back({"a2", aType});
    combineArgs.push_back({"b2", vec});
    if (hasA)
      combineArgs.push_back({"a1", aType});
    combineArgs.push_back({"b1", vec});
    func::FuncOp combine = createKernel(model, (symbol + "_combine").str(),
                                        combineArgs, elementResults);
    {
      OpBuilder b = OpBuilder::atBlockEnd(&combine.front());
      Emitter e(b, loc, floatType);
      ValueRange args = combine.getArguments();
      Value a2 = hasA ? args[0] : Value(), b2 = args[hasA ? 1 : 0];
      Value a1 = hasA ? args[2] : Value(), b1 = args[hasA ? 3 : 1];
      auto [a, bb] = emitCombine(e, kind, a2, b2, a1, b1);
      SmallVector<Value> results;
      if (hasA)
        results.push_back(a);
      results.push_back(bb);
      b.create<func::ReturnOp>(loc, results);
    }

    // apply([A,] b, x) -> A x + b
    SmallVector<std::pair<StringRef, Type>> applyArgs;
    if (hasA)
      applyArgs.push_back({"a", aType});
    applyArgs.push_back({"b", vec});
    applyArgs.push_back({"x", vec});
    func::FuncOp apply =
        createKernel(model, (symbol + "_apply").str(), applyArgs, {vec});
    {
      OpBuilder b = OpBuilder::atBlockEnd(&apply.front());
      Emitter e(b, loc, floatType);
      ValueRange args = apply.getArguments();
      Value a = hasA ? args[0] : Value();
      Value out = emitApply(e, kind, a, args[hasA ? 1 : 0], args.back());
      b.create<func::ReturnOp>(loc, out);
    }
  }
};

} // namespace
