//===- StepFunctions.cpp - the derived functions of a model ---------------===//

#include "lds/Transforms/StepFunctions.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace lds;

std::string lds::getDerivedName(StringRef model, StringRef kind) {
  return (model + "_" + kind).str();
}

func::FuncOp lds::lookupDerived(ModuleOp module, StringRef model,
                                StringRef kind) {
  return module.lookupSymbol<func::FuncOp>(getDerivedName(model, kind));
}

func::FuncOp lds::createDerivedFunction(ModelOp model, StringRef kind,
                                        unsigned extraStateArgs,
                                        TypeRange results) {
  OpBuilder b(model->getContext());
  auto module = model->getParentOfType<ModuleOp>();
  b.setInsertionPointToEnd(module.getBody());

  Type floatType = model.getFloatType();
  auto xType = RankedTensorType::get({model.getStateDim()}, floatType);
  SmallVector<Type> argTypes{xType};
  SmallVector<std::pair<StringRef, StringRef>> argInfo{{"x", "state"}};
  for (unsigned i = 0; i < extraStateArgs; ++i) {
    argTypes.push_back(xType);
    argInfo.push_back({"v", "tangent"});
  }
  for (InputOp in : getInputs(model)) {
    argTypes.push_back(in.getType());
    argInfo.push_back({in.getName(), "input"});
  }
  for (ParamOp p : getParams(model)) {
    argTypes.push_back(p.getType());
    argInfo.push_back({p.getName(), "param"});
  }

  auto func = b.create<func::FuncOp>(model.getLoc(),
                                     getDerivedName(model.getSymName(), kind),
                                     b.getFunctionType(argTypes, results));
  func->setAttr("lds.model", FlatSymbolRefAttr::get(model.getSymNameAttr()));
  func->setAttr("lds.derived", b.getStringAttr(kind));
  for (auto [i, info] : llvm::enumerate(argInfo)) {
    func.setArgAttr(i, "lds.name", b.getStringAttr(info.first));
    func.setArgAttr(i, "lds.kind", b.getStringAttr(info.second));
  }
  func.addEntryBlock();
  return func;
}
