//===- LDSDialect.td - the lds dialect ---------------------*- tablegen -*-===//
//
// The `lds` dialect holds a model's one-step transition function
// x_t = f(x_{t-1}, u_t) as a graph of value-semantic tensor operations.
//
//===----------------------------------------------------------------------===//

#ifndef LDS_DIALECT_LDSDIALECT_TD
#define LDS_DIALECT_LDSDIALECT_TD

include "mlir/IR/OpBase.td"

def LDS_Dialect : Dialect {
  let name = "lds";
  let cppNamespace = "::lds";
  let summary = "Nonlinear recurrences solved in parallel over time";
  let description = [{
    The `lds` dialect describes the transition function `f` of a recurrence
    `x_t = f(x_{t-1}, u_t)`. A model is an `lds.model` whose body declares its
    state pieces (`lds.state`), per-step inputs (`lds.input`) and
    time-constant parameters (`lds.param`), computes with value-semantic ops
    on statically shaped tensors, and ends with `lds.yield` of the next value
    of every state, in declaration order.

    Every value is a `tensor` with a static shape; a scalar is a rank-0
    tensor. Floats are `f32` or `f64` (one per model), integer inputs `i32`
    and comparison results `i1`. Elementwise ops take operands of one type:
    scalar broadcasting is explicit (`lds.broadcast`), which keeps derivative
    rules local. Keeping declarations as ops lets analyses ask directly whether
    a value is time-constant (derived only from params and constants) or
    depends on the state.

    ```mlir
    lds.model @decay {
      %x = lds.state "x" : tensor<4xf32>
      %a = lds.param "a" : tensor<4xf32>
      %u = lds.input "u" : tensor<4xf32>
      %0 = lds.mul %a, %x : tensor<4xf32>
      %1 = lds.add %0, %u : tensor<4xf32>
      lds.yield %1 : tensor<4xf32>
    }
    ```
  }];
  
  let hasConstantMaterializer = 1;
}

class LDS_Op<string mnemonic, list<Trait> traits = []> :
    Op<LDS_Dialect, mnemonic, traits>;

#endif // LDS_DIALECT_LDSDIALECT_TD
