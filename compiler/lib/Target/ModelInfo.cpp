//===- ModelInfo.cpp - what the runtime needs to know of a model ----------===//

#include "lds/Target/ModelInfo.h"
#include "lds/Dialect/LDSOps.h"
#include "lds/Transforms/Structure.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace lds;

SolverId lds::parseSolverName(StringRef name) {
  return llvm::StringSwitch<SolverId>(name)
      .Case("sequential", SolverId::Sequential)
      .Case("jacobi", SolverId::Jacobi)
      .Case("picard", SolverId::Picard)
      .Case("quasi-newton", SolverId::QuasiNewton)
      .Case("newton", SolverId::Newton)
      .Default(SolverId::Auto);
}

StringRef lds::getSolverSymbol(SolverId solver) {
  switch (solver) {
  case SolverId::Jacobi:
    return "jacobi";
  case SolverId::Picard:
    return "picard";
  case SolverId::QuasiNewton:
    return "quasi_newton";
  case SolverId::Newton:
    return "newton";
  default:
    return "";
  }
}

StringRef lds::getSolverName(SolverId solver) {
  return solver == SolverId::QuasiNewton ? "quasi-newton"
                                         : getSolverSymbol(solver);
}

static DType dtypeOf(Type t) {
  if (t.isF64())
    return DType::F64;
  if (t.isInteger(32))
    return DType::I32;
  return DType::F32;
}

static TensorInfo tensorInfo(StringRef name, Type type) {
  auto t = cast<RankedTensorType>(type);
  TensorInfo info;
  info.name = name.str();
  info.dtype = dtypeOf(t.getElementType());
  info.shape.assign(t.getShape().begin(), t.getShape().end());
  info.size = t.getNumElements();
  return info;
}

static double flopsOf(DictionaryAttr costs, StringRef solver) {
  auto entry = costs ? costs.getAs<DictionaryAttr>(solver) : nullptr;
  auto flops = entry ? entry.getAs<IntegerAttr>("flops") : nullptr;
  return flops ? double(flops.getInt()) : 0.0;
}

std::vector<ModelInfo> lds::collectModelInfo(ModuleOp module) {
  std::vector<ModelInfo> infos;
  for (ModelOp model : module.getOps<ModelOp>()) {
    ModelInfo info;
    info.name = model.getSymName().str();
    info.dtype = dtypeOf(model.getFloatType());
    info.stateDim = model.getStateDim();
    for (StateOp s : getStates(model))
      info.states.push_back(tensorInfo(s.getName(), s.getType()));
    for (InputOp in : getInputs(model)) {
      TensorInfo t = tensorInfo(in.getName(), in.getType());
      // An integer input is an index: its valid range is the leading
      // dimension of what it gathers from (the smallest, if several).
      for (Operation *user : in->getUsers())
        if (auto g = dyn_cast<GatherOp>(user)) {
          int64_t dim = g.getTable().getType().getDimSize(0);
          t.indexRange = t.indexRange ? std::min(t.indexRange, dim) : dim;
        }
      info.inputs.push_back(t);
    }
    for (ParamOp p : getParams(model))
      info.params.push_back(tensorInfo(p.getName(), p.getType()));
    if (auto solver = model->getAttrOfType<StringAttr>(kSolverAttr))
      info.defaultSolver = parseSolverName(solver.getValue());
    auto costs = model->getAttrOfType<DictionaryAttr>(kCostsAttr);
    info.flopsPerStep = flopsOf(costs, "sequential");
    for (SolverId id : {SolverId::Jacobi, SolverId::Picard,
                        SolverId::QuasiNewton, SolverId::Newton})
      info.solverFlops[int(id)] = flopsOf(costs, getSolverName(id));
    info.isAffine = model->hasAttr(kAffineAttr);
    if (auto jac = model->getAttrOfType<StringAttr>(kJacobianAttr))
      info.jacobianKind = llvm::StringSwitch<int32_t>(jac.getValue())
                              .Case(kJacDiagonal, 1)
                              .Case(kJacIdentity, 2)
                              .Case(kJacZero, 3)
                              .Case(kJacBlockDiagonal, 4)
                              .Case(kJacGathered, 5)
                              .Default(0);
    if (info.jacobianKind == 0 && model->hasAttr(kIdentityPlusScaledAttr))
      info.jacobianKind = 2;
    infos.push_back(std::move(info));
  }
  return infos;
}

void lds::readChannelStrides(ModuleOp module, std::vector<ModelInfo> &infos) {
  for (ModelInfo &info : infos) {
    auto model = module.lookupSymbol<ModelOp>(info.name);
    auto strides =
        model ? model->getAttrOfType<DictionaryAttr>("lds.channel_strides")
              : nullptr;
    auto read = [&](std::vector<TensorInfo> &tensors, StringRef kind) {
      for (TensorInfo &t : tensors) {
        auto stride =
            strides ? strides.getAs<IntegerAttr>((kind + ":" + t.name).str())
                    : nullptr;
        t.channelStride = stride ? stride.getInt() : 0;
      }
    };
    read(info.inputs, "input");
    read(info.params, "param");
  }
}

bool lds::isExactSolver(const ModelInfo &info, SolverId solver) {
  return info.isAffine &&
         (solver == SolverId::Newton ||
          (solver == SolverId::QuasiNewton && info.jacobianKind == 1));
}
