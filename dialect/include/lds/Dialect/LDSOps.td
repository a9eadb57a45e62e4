//===- LDSOps.td - lds dialect operations ------------------*- tablegen -*-===//

#ifndef LDS_DIALECT_LDSOPS_TD
#define LDS_DIALECT_LDSOPS_TD

include "lds/Dialect/LDSDialect.td"
include "lds/Dialect/LDSAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpAsmInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def LDS_FloatTensor : StaticShapeTensorOf<[F32, F64]>;
def LDS_FloatScalar : Type<And<[LDS_FloatTensor.predicate,
                                 HasAnyRankOfPred<[0]>]>,
                           "0-d tensor of f32 or f64",
                           "::mlir::RankedTensorType">;
def LDS_FloatVector : Type<And<[LDS_FloatTensor.predicate,
                                 HasAnyRankOfPred<[1]>]>,
                           "1-d tensor of f32 or f64",
                           "::mlir::RankedTensorType">;
def LDS_FloatMatrix : Type<And<[LDS_FloatTensor.predicate,
                                 HasAnyRankOfPred<[2]>]>,
                           "2-d tensor of f32 or f64",
                           "::mlir::RankedTensorType">;
def LDS_IndexScalar : 0DTensorOf<[I32]>;
def LDS_BoolTensor : StaticShapeTensorOf<[I1]>;
def LDS_AnyTensor : StaticShapeTensorOf<[F32, F64, I32, I1]>;

//===----------------------------------------------------------------------===//
// Model structure
//===----------------------------------------------------------------------===//

def LDS_ModelOp : LDS_Op<"model", [Symbol, IsolatedFromAbove, SingleBlock,
                                    OpAsmOpInterface]> {
  let summary = "a model: the transition function x_t = f(x_{t-1}, u_t)";
  let description = [{
    Holds one model. The single block declares the model's signature with
    `lds.state`, `lds.input` and `lds.param` ops, computes the next state and
    ends with `lds.yield`, whose operands are the next values of the states in
    declaration order. The model's state vector `x` is the concatenation of
    its states in declaration order; its dimension is `D`.

    ```mlir
    lds.model @gru {
      %h = lds.state "h" : tensor<8xf32>
      %x = lds.input "x" : tensor<8xf32>
      %W = lds.param "W" : tensor<8x8xf32>
      %0 = lds.matmul %W, %x : tensor<8x8xf32>, tensor<8xf32> -> tensor<8xf32>
      %1 = lds.add %0, %h : tensor<8xf32>
      %2 = lds.tanh %1 : tensor<8xf32>
      lds.yield %2 : tensor<8xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The terminator holding the next-state values (see also getStates,
    /// getInputs and getParams in LDSOps.h).
    YieldOp getYield();
    /// Float element type of the model (f32 or f64).
    ::mlir::Type getFloatType();
    /// Total state dimension D (the states' element counts summed).
    int64_t getStateDim();
    static ::llvm::StringRef getDefaultDialect() { return "lds"; }
  }];
}

class LDS_DeclOp<string mnemonic> :
    // Not Pure: a declaration is part of the model's signature and must
    // survive dead-code elimination even when unused.
    LDS_Op<mnemonic, [HasParent<"ModelOp">,
                      DeclareOpInterfaceMethods<OpAsmOpInterface,
                                                ["getAsmResultNames"]>]> {
  let arguments = (ins StrAttr:$name);
  let assemblyFormat = "$name attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def LDS_StateOp : LDS_DeclOp<"state"> {
  let summary = "declares a piece of the recurrent state";
  let description = [{
    Declares a state `name` and yields its value at the previous step,
    `x_{t-1}`. A state is a float scalar or vector; the model's state vector
    concatenates the states in declaration order.

    ```mlir
    %h = lds.state "h" : tensor<8xf32>
    ```
  }];
  let results = (outs LDS_FloatTensor:$result);
}

def LDS_InputOp : LDS_DeclOp<"input"> {
  let summary = "declares a per-step input u_t";
  let description = [{
    Declares an input that takes one value per time step. A float input is a
    scalar or vector; an integer input is an `i32` scalar and may only index a
    parameter (`lds.gather`).

    ```mlir
    %x = lds.input "x" : tensor<8xf32>
    %w = lds.input "w" : tensor<i32>
    ```
  }];
  let results = (outs AnyTypeOf<[LDS_FloatTensor, LDS_IndexScalar]>:$result);
}

def LDS_ParamOp : LDS_DeclOp<"param"> {
  let summary = "declares a time-constant parameter";
  let description = [{
    Declares a parameter: constant over time, supplied at run time, shared by
    the batch. Values computed only from params and constants are
    time-constant, which derivative code and lowerings hoist out of the time
    loop.

    ```mlir
    %P = lds.param "P" : tensor<120x5x5xf32>
    ```
  }];
  let results = (outs LDS_FloatTensor:$result);
}

def LDS_YieldOp : LDS_Op<"yield", [Pure, Terminator, ReturnLike,
                                    HasParent<"ModelOp">]> {
  let summary = "the next value of every state";
  let description = [{
    Terminates an `lds.model`. Operand `i` is the next value of the `i`-th
    `lds.state`, with that state's type.

    ```mlir
    lds.yield %h_next, %c_next : tensor<8xf32>, tensor<8xf32>
    ```
  }];
  let arguments = (ins Variadic<LDS_FloatTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

//===----------------------------------------------------------------------===//
// Constants and shape ops
//===----------------------------------------------------------------------===//

def LDS_ConstantOp : LDS_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>]> {
  let summary = "a constant tensor";
  let description = [{
    A compile-time constant: a dense float tensor of the model's float type.

    ```mlir
    %one = lds.constant dense<1.000000e+00> : tensor<f32>
    %v = lds.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = "$value attr-dict";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def LDS_BroadcastOp : LDS_Op<"broadcast", [Pure]> {
  let summary = "replicates a tensor along new trailing dimensions";
  let description = [{
    The operand's shape is a prefix of the result's shape, and
    `result[i..., j...] = operand[i...]`. The front end uses it where a scalar
    meets a tensor in an elementwise operation (the operand is then a float
    scalar, or an `i1` condition of `lds.select`); derivative code uses it to
    scale the rows of a Jacobian (`tensor<8xf32> -> tensor<8x8xf32>`).

    ```mlir
    %b = lds.broadcast %s : tensor<f32> -> tensor<8xf32>
    %r = lds.broadcast %v : tensor<8xf32> -> tensor<8x4xf32>
    ```
  }];
  let arguments = (ins StaticShapeTensorOf<[F32, F64, I1]>:$operand);
  let results = (outs StaticShapeTensorOf<[F32, F64, I1]>:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasVerifier = 1;
}

def LDS_SliceOp : LDS_Op<"slice", [Pure]> {
  let summary = "a contiguous range of the leading dimension";
  let description = [{
    `result = operand[start:end]` along dimension 0, with
    `0 <= start < end <= dim(0)`; other dimensions are kept.

    ```mlir
    %r = lds.slice %g [0 : 8] : tensor<24xf32> -> tensor<8xf32>
    ```
  }];
  let arguments = (ins LDS_FloatTensor:$operand, I64Attr:$start,
                       I64Attr:$end);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = [{
    $operand `[` $start `:` $end `]` attr-dict `:` type($operand) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def LDS_ExtractOp : LDS_Op<"extract", [Pure]> {
  let summary = "one entry of the leading dimension, at a constant index";
  let description = [{
    `result = operand[index]`: drops dimension 0 (a vector gives a scalar, a
    matrix a row).

    ```mlir
    %x0 = lds.extract %x [0] : tensor<3xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins LDS_FloatTensor:$operand, I64Attr:$index);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = [{
    $operand `[` $index `]` attr-dict `:` type($operand) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LDS_GatherOp : LDS_Op<"gather", [Pure]> {
  let summary = "one entry of the leading dimension, at an integer input";
  let description = [{
    `result = table[index]` where `index` is an `i32` scalar (an integer
    input) and `table` is usually a parameter: S5's `P[w]` picks one of 120
    permutation matrices per step. An index outside `[0, dim(0))` is clamped
    by lowerings; the runtime validates integer inputs before solving.

    ```mlir
    %Pw = lds.gather %P [%w] : tensor<120x5x5xf32>, tensor<i32> -> tensor<5x5xf32>
    ```
  }];
  let arguments = (ins LDS_FloatTensor:$table, LDS_IndexScalar:$index);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = [{
    $table `[` $index `]` attr-dict `:` type($table) `,` type($index) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def LDS_ConcatOp : LDS_Op<"concat", [Pure]> {
  let summary = "concatenates along the leading dimension";
  let description = [{
    Joins one or more tensors end to end along dimension 0; all operands have
    the same rank (at least 1) and the same trailing dimensions. The language's
    `concat` joins vectors; derivative code also stacks Jacobian rows.

    ```mlir
    %v = lds.concat %a, %b : tensor<3xf32>, tensor<5xf32> -> tensor<8xf32>
    %m = lds.concat %p, %q : tensor<1x4xf32>, tensor<2x4xf32> -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Variadic<LDS_FloatTensor>:$operands);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = [{
    $operands attr-dict `:` type($operands) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LDS_DiagOp : LDS_Op<"diag", [Pure]> {
  let summary = "diagonal matrix from a vector";
  let description = [{
    `result[i, j] = i == j ? operand[i] : 0`. Derivative code uses it for the
    Jacobian of elementwise operations (and `diag(ones)` for the identity).

    ```mlir
    %d = lds.diag %v : tensor<8xf32> -> tensor<8x8xf32>
    ```
  }];
  let arguments = (ins LDS_FloatVector:$operand);
  let results = (outs LDS_FloatMatrix:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasVerifier = 1;
}

def LDS_DiagPartOp : LDS_Op<"diag_part", [Pure]> {
  let summary = "a (shifted) diagonal of a matrix";
  let description = [{
    `result[i] = operand[i, i - offset]` for `i` in `[0, rows)`, and 0 where
    `i - offset` is outside the columns. With `offset = 0` this is the main
    diagonal; derivative code uses offsets for the diagonal of a Jacobian
    block whose rows and columns start at different state offsets.

    ```mlir
    %d = lds.diag_part %m [0] : tensor<8x8xf32> -> tensor<8xf32>
    ```
  }];
  let arguments = (ins LDS_FloatMatrix:$operand, I64Attr:$offset);
  let results = (outs LDS_FloatVector:$result);
  let assemblyFormat = [{
    $operand `[` $offset `]` attr-dict `:` type($operand) `->` type($result)
  }];
  let hasVerifier = 1;
  // diag_part(transpose(M))[0] of a square M reads M itself.
  let hasFolder = 1;
}

def LDS_TransposeOp : LDS_Op<"transpose", [Pure]> {
  let summary = "matrix transpose";
  let description = [{
    `result[j, i] = operand[i, j]`: an `[m, n]` matrix gives an `[n, m]` one.

    ```mlir
    %t = lds.transpose %m : tensor<3x4xf32> -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins LDS_FloatMatrix:$operand);
  let results = (outs LDS_FloatMatrix:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasVerifier = 1;
  // transpose(transpose(M)) is M.
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and reductions
//===----------------------------------------------------------------------===//

def LDS_MatmulOp : LDS_Op<"matmul", [Pure]> {
  let summary = "matrix-vector or matrix-matrix product";
  let description = [{
    `[m,k] x [k] -> [m]` or `[m,k] x [k,n] -> [m,n]`. The language's
    vector-matrix product `v @ M` is emitted as `transpose(M) @ v`.

    ```mlir
    %y = lds.matmul %W, %x : tensor<24x8xf32>, tensor<8xf32> -> tensor<24xf32>
    ```
  }];
  let arguments = (ins LDS_FloatMatrix:$lhs, LDS_FloatTensor:$rhs);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def LDS_DotOp : LDS_Op<"dot", [Pure, AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "inner product of two vectors";
  let description = [{
    `result = sum_i lhs[i] * rhs[i]`: both operands have one type, the result
    is a scalar of their element type.

    ```mlir
    %s = lds.dot %a, %b : tensor<8xf32> -> tensor<f32>
    ```
  }];
  let arguments = (ins LDS_FloatVector:$lhs, LDS_FloatVector:$rhs);
  let results = (outs LDS_FloatScalar:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)";
  let hasVerifier = 1;
}

class LDS_ReductionOp<string mnemonic, string what> :
    LDS_Op<mnemonic, [Pure]> {
  let summary = what # " of all elements";
  let arguments = (ins LDS_FloatTensor:$operand);
  let results = (outs LDS_FloatScalar:$result);
  let assemblyFormat = "$operand attr-dict `:` type($operand) `->` type($result)";
  let hasVerifier = 1;
}

def LDS_SumOp : LDS_ReductionOp<"sum", "the sum"> {
  let description = [{
    Adds up every element of a tensor of any rank, giving a scalar.

    ```mlir
    %s = lds.sum %v : tensor<8xf32> -> tensor<f32>
    ```
  }];
}
def LDS_ReduceMaxOp : LDS_ReductionOp<"reduce_max", "the maximum"> {
  let description = [{
    The largest element of a tensor of any rank, as a scalar.

    ```mlir
    %m = lds.reduce_max %v : tensor<8xf32> -> tensor<f32>
    ```
  }];
}
def LDS_ReduceMinOp : LDS_ReductionOp<"reduce_min", "the minimum"> {
  let description = [{
    The smallest element of a tensor of any rank, as a scalar.

    ```mlir
    %m = lds.reduce_min %v : tensor<8xf32> -> tensor<f32>
    ```
  }];
}
def LDS_LogSumExpOp : LDS_ReductionOp<"logsumexp", "log(sum(exp(.)))"> {
  let description = [{
    Computed stably as `m + log(sum(exp(v - m)))` with `m = max(v)`.

    ```mlir
    %l = lds.logsumexp %v : tensor<2xf64> -> tensor<f64>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise ops
//===----------------------------------------------------------------------===//

class LDS_UnaryOp<string mnemonic, string formula> :
    LDS_Op<mnemonic, [Pure, SameOperandsAndResultType, Elementwise]> {
  let summary = "elementwise " # formula;
  let description = "Applies `" # formula # "` to every element.\n\n"
    "```mlir\n%y = lds." # mnemonic # " %x : tensor<8xf32>\n```";
  let arguments = (ins LDS_FloatTensor:$operand);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = "$operand attr-dict `:` type($result)";
}

def LDS_NegOp      : LDS_UnaryOp<"neg", "-x">;
def LDS_TanhOp     : LDS_UnaryOp<"tanh", "tanh(x)">;
def LDS_SigmoidOp  : LDS_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def LDS_ExpOp      : LDS_UnaryOp<"exp", "exp(x)">;
def LDS_LogOp      : LDS_UnaryOp<"log", "log(x)">;
def LDS_Log1pOp    : LDS_UnaryOp<"log1p", "log(1 + x)">;
def LDS_SoftplusOp : LDS_UnaryOp<"softplus", "log(1 + exp(x))">;
def LDS_ReluOp     : LDS_UnaryOp<"relu", "max(x, 0)">;
def LDS_SqrtOp     : LDS_UnaryOp<"sqrt", "sqrt(x)">;
def LDS_AbsOp      : LDS_UnaryOp<"abs", "|x|">;
def LDS_SinOp      : LDS_UnaryOp<"sin", "sin(x)">;
def LDS_CosOp      : LDS_UnaryOp<"cos", "cos(x)">;

class LDS_BinaryOp<string mnemonic, string formula, list<Trait> traits = []> :
    LDS_Op<mnemonic, !listconcat(traits,
                                 [Pure, SameOperandsAndResultType,
                                  Elementwise])> {
  let summary = "elementwise " # formula;
  let description = "Computes `" # formula # "` element by element; both "
    "operands have the result's type (scalars are broadcast explicitly with "
    "`lds.broadcast`).\n\n```mlir\n%z = lds." # mnemonic #
    " %x, %y : tensor<8xf32>\n```";
  let arguments = (ins LDS_FloatTensor:$lhs, LDS_FloatTensor:$rhs);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def LDS_AddOp : LDS_BinaryOp<"add", "x + y", [Commutative]>;
def LDS_SubOp : LDS_BinaryOp<"sub", "x - y">;
def LDS_MulOp : LDS_BinaryOp<"mul", "x * y", [Commutative]>;
def LDS_DivOp : LDS_BinaryOp<"div", "x / y">;
def LDS_MaxOp : LDS_BinaryOp<"max", "max(x, y)", [Commutative]>;
def LDS_MinOp : LDS_BinaryOp<"min", "min(x, y)", [Commutative]>;
def LDS_PowOp : LDS_BinaryOp<"pow", "x ^ y">;

def LDS_CmpOp : LDS_Op<"cmp", [Pure, Elementwise,
                                AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "elementwise comparison";
  let description = [{
    Compares two float tensors of one type element by element, giving an
    `i1` tensor of the same shape. Predicates: `lt le gt ge eq ne`.

    ```mlir
    %c = lds.cmp lt, %x, %y : tensor<8xf32> -> tensor<8xi1>
    ```
  }];
  let arguments = (ins LDS_CmpPredicate:$predicate, LDS_FloatTensor:$lhs,
                       LDS_FloatTensor:$rhs);
  let results = (outs LDS_BoolTensor:$result);
  let assemblyFormat = [{
    $predicate `,` $lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)
  }];
  // No C++ verifier: Elementwise checks that the result has the operands'
  // shape, the result constraint that its elements are i1.
}

def LDS_SelectOp : LDS_Op<"select", [Pure, Elementwise,
    AllTypesMatch<["true_value", "false_value", "result"]>]> {
  let summary = "elementwise choice";
  let description = [{
    `result[i] = cond[i] ? true_value[i] : false_value[i]`; the condition has
    the values' shape.

    ```mlir
    %r = lds.select %c, %a, %b : tensor<8xi1>, tensor<8xf32>
    ```
  }];
  let arguments = (ins LDS_BoolTensor:$cond, LDS_FloatTensor:$true_value,
                       LDS_FloatTensor:$false_value);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = [{
    $cond `,` $true_value `,` $false_value attr-dict `:` type($cond) `,`
    type($result)
  }];
  // No C++ verifier: Elementwise checks that the condition has the values'
  // shape.
}

//===----------------------------------------------------------------------===//
// Differentiation
//===----------------------------------------------------------------------===//

def LDS_GradOp : LDS_Op<"grad", [Pure, AllTypesMatch<["wrt", "result"]>]> {
  let summary = "gradient of a scalar with respect to a state";
  let description = [{
    `result = d value / d wrt`, the total derivative through the model's
    dataflow graph, where `wrt` is the result of an `lds.state` and `value` is
    a float scalar computed from it. The Jacobian derivation expands it with
    reverse-mode rules, and differentiates the expansion again when the
    Jacobian of a model that uses `grad` is needed (Langevin dynamics:
    `J = I + eps * Hessian(log p)`).

    ```mlir
    %g = lds.grad %logp wrt %x : tensor<f32>, tensor<32xf32>
    ```
  }];
  let arguments = (ins LDS_FloatScalar:$value, LDS_FloatTensor:$wrt);
  let results = (outs LDS_FloatTensor:$result);
  let assemblyFormat = [{
    $value `wrt` $wrt attr-dict `:` type($value) `,` type($wrt)
  }];
  let hasVerifier = 1;
}

#endif // LDS_DIALECT_LDSOPS_TD
