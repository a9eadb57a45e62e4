//===- Passes.td - lds transformation passes ---------------*- tablegen -*-===//

#ifndef LDS_TRANSFORMS_PASSES_TD
#define LDS_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def OutlineStep : Pass<"lds-outline-step", "mlir::ModuleOp"> {
  let summary = "outline each model's step function f into a func.func";
  let description = [{
    For every `lds.model @M`, adds `func.func @M_f(%x: tensor<DxF>, inputs...,
    params...) -> tensor<DxF>` computing the concatenated next state from the
    concatenated state `x` (the declarations become function arguments with
    `lds.name`/`lds.kind` attributes). The model itself is left unchanged.

    ```mlir
    func.func @gru_f(%x: tensor<8xf32> {lds.kind = "state", lds.name = "h"},
                     %in: tensor<8xf32> {lds.kind = "input", lds.name = "x"},
                     ...) -> tensor<8xf32>
        attributes {lds.derived = "f", lds.model = @gru}
    ```
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def ExpandGrad : Pass<"lds-expand-grad", "mlir::func::FuncOp"> {
  let summary = "replace lds.grad by its reverse-mode expansion";
  let description = [{
    Rewrites `lds.grad %s wrt %x` in a function into explicit ops computing
    the gradient by reverse-mode accumulation of adjoints from `%s` back to
    `%x`, using each op's derivative rule. The expansion is ordinary lds code,
    so the Jacobian derivation can differentiate it again (Hessians for
    Langevin dynamics).
  }];
}

def DeriveJacobian : Pass<"lds-derive-jacobian", "mlir::ModuleOp"> {
  let summary = "derive the Jacobian, its diagonal and a JVP of each step";
  let description = [{
    For every outlined step function `@M_f` adds `@M_jvp` (J v),
    `@M_jac` (dense D×D J) and `@M_jac_diag` (diag J). Tangents are tracked
    symbolically (zero, state selection, diagonal scaling, matrix products),
    so the dense Jacobian is formed only where needed and the diagonal is
    computed without forming J where the expression allows (e.g.
    diag(W diag(s) V) as row-wise dot products).
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def AnalyzeStructure : Pass<"lds-analyze-structure", "mlir::ModuleOp"> {
  let summary = "classify each model's Jacobian structure";
  let description = [{
    Attaches to every `lds.model` its Jacobian structure (zero, identity,
    diagonal, block-diagonal, gathered-from-param, dense), whether f is affine
    in the state, and whether f is the identity plus a scaled term
    (`x + c * g(x)`) with the scale `c`. Reads only the model (lds.grad
    included: it depends on x through the Hessian of its operand), so it can
    run before or after the derived functions are built. See
    docs/solvers.md.

    ```mlir
    lds.model @langevin attributes {lds.identity_plus_scaled = 1.0e-05 : f64,
        lds.jacobian = "dense", lds.state_deps = [["dense"]]} { ... }
    lds.model @s5 attributes {lds.affine, lds.jacobian = "gathered",
        lds.state_deps = [["dense"]]} { ... }
    ```
  }];
}

def SelectSolver : Pass<"lds-select-solver", "mlir::ModuleOp"> {
  let summary = "choose a fixed-point solver per model";
  let description = [{
    Applies the policy of docs/solvers.md to the structure attributes and
    per-target cost estimates (flops, bytes and memory per step and
    iteration of each solver), attaching the choice and the reason to every
    `lds.model` (`lds.solver`, `lds.solver_reason`, `lds.solver_by_target`,
    `lds.costs`). The `solver` option overrides the choice. Costs of f, J and
    diag J are counted from the derived functions `@M_f`, `@M_jac` and
    `@M_jac_diag` when present (run it after lds-derive-jacobian), estimated
    from the model otherwise; the structure attributes are computed when
    lds-analyze-structure has not run.
  }];
  let options = [
    Option<"solver", "solver", "std::string", /*default=*/"\"auto\"",
           "auto, newton, quasi-newton, picard, jacobi or sequential">,
    Option<"target", "target", "std::string", /*default=*/"\"all\"",
           "cpu, cuda or all (all: the CUDA choice, both recorded)">,
  ];
}

def GenerateKernels : Pass<"lds-generate-kernels", "mlir::ModuleOp"> {
  let summary = "per-step solver kernels from the derived functions";
  let description = [{
    For every model with derived functions, adds the per-step kernels the
    runtime schedules (runtime/include/lds/model_abi.h):
    `@M_check(x_new, x_old, tol)`, the stopping test; and for each iterative
    solver S in newton, quasi_newton, picard, jacobi:
    `@M_S_element(x, inputs..., params...)` → (A, b), the linearisation
    x_t = A x_{t-1} + b around the current guess (A is D×D for Newton, a
    diagonal for quasi-Newton, absent for Picard (I) and Jacobi (0));
    `@M_S_combine(A2, b2, A1, b1)` → (A, b), the scan combine; and
    `@M_S_apply(A, b, x)` → A x + b. The scan math comes from one builder
    (ScanElement.h) shared with the GPU kernels.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def SliceChannels : Pass<"lds-slice-channels", "mlir::ModuleOp"> {
  let summary = "one-channel slices of a model that treats its channels apart";
  let description = [{
    For a model whose step is channel-wise (every value that depends on the
    state is computed elementwise, and the inputs and params of shape [D]
    are read only at the same index), adds `@M_<kind>_ch` for f, the
    stopping test and the element, combine and apply of Jacobi, Picard and
    quasi-Newton: the same function with every D-vector a 1-vector (the
    state, the inputs and params of shape [D], the maps). Called with
    pointers to channel c, a slice computes channel c; the test's slice
    gives the channel's own excess. The GPU's channel kernels
    (GPUChannelKernels.cpp) run one channel per thread. Records on the model
    `lds.channels`: the solvers sliced (with `sequential` for f), or why
    the model is not channel-wise. Run after lds-generate-kernels.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

#endif // LDS_TRANSFORMS_PASSES_TD
