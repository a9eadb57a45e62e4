// RUN: lds-opt %s -split-input-file -verify-diagnostics

// One case per verifier error path of the lds dialect (dialect/lib/LDSOps.cpp)
// and per ODS constraint that a front end or a pass could plausibly violate.
// Every message is checked in full.

// Model structure.

// expected-error @+1 {{'lds.model' op declares no state: a model needs at least one 'lds.state'}}
lds.model @no_state {
  lds.yield
}

// -----

// expected-error @+1 {{'lds.model' op body must end with 'lds.yield'}}
lds.model @no_yield {
  %x = lds.state "x" : tensor<4xf32>
  %y = lds.neg %x : tensor<4xf32>
}

// -----

lds.model @yield_not_last {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.yield' op must be the last operation of the model body}}
  lds.yield %x : tensor<4xf32>
  %y = lds.neg %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{'lds.model' op expects a non-empty block}}
lds.model @empty {
}

// -----

// expected-error @+1 {{'lds.model' op region #0 ('body') failed to verify constraint: region with 1 blocks}}
"lds.model"() <{sym_name = "no_block"}> ({}) : () -> ()

// -----

lds.model @yield_count {
  %x = lds.state "x" : tensor<4xf32>
  %y = lds.state "y" : tensor<f32>
  // expected-error @+1 {{'lds.yield' op yields 1 value but the model declares 2 states}}
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @yield_count_extra {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.yield' op yields 2 values but the model declares 1 state}}
  lds.yield %x, %x : tensor<4xf32>, tensor<4xf32>
}

// -----

lds.model @yield_type {
  %x = lds.state "x" : tensor<4xf32>
  %y = lds.state "y" : tensor<f32>
  // expected-error @+1 {{'lds.yield' op value #0 has type 'tensor<f32>' but state 'x' has type 'tensor<4xf32>'}}
  lds.yield %y, %x : tensor<f32>, tensor<4xf32>
}

// -----

lds.model @yield_bool {
  %x = lds.state "x" : tensor<4xf32>
  %c = lds.cmp lt, %x, %x : tensor<4xf32> -> tensor<4xi1>
  // expected-error @+1 {{'lds.yield' op operand #0 must be variadic of statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<4xi1>'}}
  lds.yield %c : tensor<4xi1>
}

// -----

func.func @yield_outside_model() {
  // expected-error @+1 {{'lds.yield' op expects parent op 'lds.model'}}
  lds.yield
}

// -----

lds.model @duplicate_state {
  // expected-note @+1 {{previously declared here}}
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.state' op redeclares 'x'}}
  %y = lds.state "x" : tensor<4xf32>
  lds.yield %x, %y : tensor<4xf32>, tensor<4xf32>
}

// -----

lds.model @duplicate_across_kinds {
  %x = lds.state "x" : tensor<4xf32>
  // expected-note @+1 {{previously declared here}}
  %u = lds.input "u" : tensor<4xf32>
  // expected-error @+1 {{'lds.param' op redeclares 'u'}}
  %p = lds.param "u" : tensor<4xf32>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @mixed_float_param {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.param' op uses 'f64' in a model whose float type is 'f32' (the element type of its first state 'x')}}
  %p = lds.param "p" : tensor<4xf64>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @mixed_float_state {
  %x = lds.state "x" : tensor<4xf64>
  // expected-error @+1 {{'lds.state' op uses 'f32' in a model whose float type is 'f64' (the element type of its first state 'x')}}
  %y = lds.state "y" : tensor<f32>
  lds.yield %x, %y : tensor<4xf64>, tensor<f32>
}

// -----

lds.model @mixed_float_constant {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.constant' op uses 'f64' in a model whose float type is 'f32' (the element type of its first state 'x')}}
  %c = lds.constant dense<1.0> : tensor<f64>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @outer {
  %x = lds.state "x" : tensor<f32>
  // expected-error @+1 {{'lds.model' op symbol's parent must have the SymbolTable trait}}
  lds.model @nested {
    %y = lds.state "y" : tensor<f32>
    lds.yield %y : tensor<f32>
  }
  lds.yield %x : tensor<f32>
}

// -----

// expected-note @+1 {{see existing symbol definition here}}
lds.model @twice {
  %x = lds.state "x" : tensor<f32>
  lds.yield %x : tensor<f32>
}
// expected-error @+1 {{redefinition of symbol named 'twice'}}
lds.model @twice {
  %x = lds.state "x" : tensor<f32>
  lds.yield %x : tensor<f32>
}

// -----

// Declarations.

func.func @state_outside_model() {
  // expected-error @+1 {{'lds.state' op expects parent op 'lds.model'}}
  %x = lds.state "x" : tensor<4xf32>
  return
}

// -----

func.func @param_outside_model() {
  // expected-error @+1 {{'lds.param' op expects parent op 'lds.model'}}
  %p = lds.param "p" : tensor<4xf32>
  return
}

// -----

lds.model @state_rank2 {
  // expected-error @+1 {{'lds.state' op 'x' must be a scalar or a vector, got 'tensor<2x2xf32>'}}
  %x = lds.state "x" : tensor<2x2xf32>
  lds.yield %x : tensor<2x2xf32>
}

// -----

lds.model @input_rank2 {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.input' op 'u' must be a scalar or a vector, got 'tensor<4x4xf32>'}}
  %u = lds.input "u" : tensor<4x4xf32>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @param_rank4 {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.param' op 'p' must be of rank at most 3, got 'tensor<2x2x2x2xf32>'}}
  %p = lds.param "p" : tensor<2x2x2x2xf32>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @empty_name {
  // expected-error @+1 {{'lds.state' op needs a non-empty name}}
  %x = lds.state "" : tensor<4xf32>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @no_elements {
  // expected-error @+1 {{'lds.state' op 'x' has no elements: 'tensor<0xf32>'}}
  %x = lds.state "x" : tensor<0xf32>
  lds.yield %x : tensor<0xf32>
}

// -----

lds.model @state_int {
  // expected-error @+1 {{'lds.state' op result #0 must be statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<4xi32>'}}
  %x = lds.state "x" : tensor<4xi32>
  lds.yield %x : tensor<4xi32>
}

// -----

lds.model @state_f16 {
  // expected-error @+1 {{'lds.state' op result #0 must be statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<4xf16>'}}
  %x = lds.state "x" : tensor<4xf16>
  lds.yield %x : tensor<4xf16>
}

// -----

lds.model @state_dynamic {
  // expected-error @+1 {{'lds.state' op result #0 must be statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<?xf32>'}}
  %x = lds.state "x" : tensor<?xf32>
  lds.yield %x : tensor<?xf32>
}

// -----

lds.model @state_unranked {
  // expected-error @+1 {{'lds.state' op result #0 must be statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<*xf32>'}}
  %x = "lds.state"() {name = "x"} : () -> tensor<*xf32>
  lds.yield
}

// -----

lds.model @state_not_tensor {
  // expected-error @+1 {{custom op 'lds.state' invalid kind of type specified}}
  %x = lds.state "x" : f32
  lds.yield %x : f32
}

// -----

lds.model @input_int_vector {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.input' op result #0 must be statically shaped tensor of 32-bit float or 64-bit float values or 0D tensor of 32-bit signless integer values, but got 'tensor<4xi32>'}}
  %w = lds.input "w" : tensor<4xi32>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @param_int {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.param' op result #0 must be statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<i32>'}}
  %p = lds.param "p" : tensor<i32>
  lds.yield %x : tensor<4xf32>
}

// -----

// Constants.

lds.model @constant_sparse {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.constant' op value must be a dense elements attribute}}
  %c = lds.constant sparse<[[0]], [1.0]> : tensor<4xf32>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @constant_int {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.constant' op result #0 must be statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<4xi32>'}}
  %c = lds.constant dense<1> : tensor<4xi32>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @constant_type_mismatch {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.constant' op failed to verify that all of {value, result} have same type}}
  %c = "lds.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<2xf32>
  lds.yield %x : tensor<4xf32>
}

// -----

// Shape ops.

lds.model @broadcast_not_prefix {
  %x = lds.state "x" : tensor<4xf32>
  // expected-error @+1 {{'lds.broadcast' op operand shape must be a prefix of the result shape, got 'tensor<4xf32>' and 'tensor<2x4xf32>'}}
  %b = lds.broadcast %x : tensor<4xf32> -> tensor<2x4xf32>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @broadcast_element_type {
  %x = lds.state "x" : tensor<4xf32>
  %s = lds.sum %x : tensor<4xf32> -> tensor<f32>
  // expected-error @+1 {{'lds.broadcast' op operand and result element types differ: 'tensor<f32>' vs 'tensor<4xf64>'}}
  %b = lds.broadcast %s : tensor<f32> -> tensor<4xf64>
  lds.yield %x : tensor<4xf32>
}

// -----

lds.model @slice_scalar {
  %x = lds.state "x" : tensor<f32>
  // expected-error @+1 {{'lds.slice' op cannot slice a scalar}}
  %s = lds.slice %x [0 : 1] : tensor<f32> -> tensor<f32>
  lds.yield %x : tensor<f32>
}

// -----

lds.model @slice_out_of_range {
  %x = lds.state "x" : tensor<8xf32>
  // expected-error @+1 {{'lds.slice' op range [2:10] is not a non-empty range within [0:8]}}
  %s = lds.slice %x [2 : 10] : tensor<8xf32> -> tensor<8xf32>
  lds.yield %x : tensor<8xf32>
}

// -----

lds.model @slice_empty {
  %x = lds.state "x" : tensor<8xf32>
  // expected-error @+1 {{'lds.slice' op range [3:3] is not a non-empty range within [0:8]}}
  %s = lds.slice %x [3 : 3] : tensor<8xf32> -> tensor<0xf32>
  lds.yield %x : tensor<8xf32>
}

// -----

lds.model @slice_negative {
  %x = lds.state "x" : tensor<8xf32>
  // expected-error @+1 {{'lds.slice' op range [-1:3] is not a non-empty range within [0:8]}}
  %s = lds.slice %x [-1 : 3] : tensor<8xf32> -> tensor<4xf32>
  lds.yield %x : tensor<8xf32>
}

// -----

lds.model @slice_result {
  %x = lds.state "x" : tensor<8xf32>
  // expected-error @+1 {{'lds.slice' op result type 'tensor<4xf32>' should be 'tensor<3xf32>'}}
  %s = lds.slice %x [2 : 5] : tensor<8xf32> -> tensor<4xf32>
  lds.yield %x : tensor<8xf32>
}

// -----

lds.model @slice_matrix_result {
  %x = lds.state "x" : tensor<8xf32>
  %m = lds.param "m" : tensor<6x3xf32>
  // expected-error @+1 {{'lds.slice' op result type 'tensor<2xf32>' should be 'tensor<2x3xf32>'}}
  %s = lds.slice %m [0 : 2] : tensor<6x3xf32> -> tensor<2xf32>
  lds.yield %x : tensor<8xf32>
}

// -----

lds.model @extract_scalar {
  %x = lds.state "x" : tensor<f32>
  // expected-error @+1 {{'lds.extract' op cannot index a scalar}}
  %e = lds.extract %x [0] : tensor<f32> -> tensor<f32>
  lds.yield %x : tensor<f32>
}

// -----

lds.model @extract_index {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.extract' op index 3 is outside [0, 3)}}
  %e = lds.extract %x [3] : tensor<3xf32> -> tensor<f32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @extract_negative_index {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.extract' op index -1 is outside [0, 3)}}
  %e = lds.extract %x [-1] : tensor<3xf32> -> tensor<f32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @extract_result {
  %x = lds.state "x" : tensor<3xf32>
  %m = lds.param "m" : tensor<3x4xf32>
  // expected-error @+1 {{'lds.extract' op result type 'tensor<3xf32>' should be 'tensor<4xf32>'}}
  %e = lds.extract %m [1] : tensor<3x4xf32> -> tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @gather_scalar_table {
  %x = lds.state "x" : tensor<3xf32>
  %t = lds.param "t" : tensor<f32>
  %w = lds.input "w" : tensor<i32>
  // expected-error @+1 {{'lds.gather' op cannot index a scalar}}
  %g = lds.gather %t [%w] : tensor<f32>, tensor<i32> -> tensor<f32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @gather_result {
  %x = lds.state "x" : tensor<3xf32>
  %t = lds.param "t" : tensor<5x3x3xf32>
  %w = lds.input "w" : tensor<i32>
  // expected-error @+1 {{'lds.gather' op result type 'tensor<5x3xf32>' should be 'tensor<3x3xf32>'}}
  %g = lds.gather %t [%w] : tensor<5x3x3xf32>, tensor<i32> -> tensor<5x3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @gather_float_index {
  %x = lds.state "x" : tensor<3xf32>
  %t = lds.param "t" : tensor<5x3xf32>
  %w = lds.input "w" : tensor<f32>
  // expected-error @+1 {{'lds.gather' op operand #1 must be 0D tensor of 32-bit signless integer values, but got 'tensor<f32>'}}
  %g = lds.gather %t [%w] : tensor<5x3xf32>, tensor<f32> -> tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @concat_no_operands {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.concat' op needs at least one operand}}
  %c = "lds.concat"() : () -> tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @concat_sizes {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.concat' op result type 'tensor<7xf32>' should be 'tensor<6xf32>'}}
  %c = lds.concat %x, %x : tensor<3xf32>, tensor<3xf32> -> tensor<7xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @concat_element_type {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.concat' op operand type 'tensor<3xf32>' does not match the result's element type 'f64'}}
  %c = lds.concat %x : tensor<3xf32> -> tensor<3xf64>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @concat_trailing_dims {
  %x = lds.state "x" : tensor<3xf32>
  %m = lds.param "m" : tensor<2x3xf32>
  // expected-error @+1 {{'lds.concat' op operands 'tensor<2x3xf32>' and 'tensor<3xf32>' differ in rank or trailing dimensions}}
  %c = lds.concat %m, %x : tensor<2x3xf32>, tensor<3xf32> -> tensor<5xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @concat_scalars {
  %x = lds.state "x" : tensor<3xf32>
  %s = lds.param "s" : tensor<f32>
  // expected-error @+1 {{'lds.concat' op cannot concatenate scalars; broadcast them to tensor<1x...> first}}
  %c = lds.concat %s, %s : tensor<f32>, tensor<f32> -> tensor<2xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @transpose_vector {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.transpose' op operand #0 must be 2-d tensor of f32 or f64, but got 'tensor<3xf32>'}}
  %t = lds.transpose %x : tensor<3xf32> -> tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @transpose_shape {
  %x = lds.state "x" : tensor<3xf32>
  %m = lds.param "m" : tensor<3x4xf32>
  // expected-error @+1 {{'lds.transpose' op result type 'tensor<3x4xf32>' should be 'tensor<4x3xf32>'}}
  %t = lds.transpose %m : tensor<3x4xf32> -> tensor<3x4xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

// Linear algebra and reductions.

lds.model @matmul_inner_dims {
  %x = lds.state "x" : tensor<3xf32>
  %m = lds.param "m" : tensor<4x4xf32>
  // expected-error @+1 {{'lds.matmul' op inner dimensions differ: lhs 'tensor<4x4xf32>' has 4 columns but rhs 'tensor<3xf32>' has 3 rows}}
  %y = lds.matmul %m, %x : tensor<4x4xf32>, tensor<3xf32> -> tensor<4xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @matmul_inner_dims_matrix {
  %x = lds.state "x" : tensor<3xf32>
  %a = lds.param "a" : tensor<3x4xf32>
  %b = lds.param "b" : tensor<3x4xf32>
  // expected-error @+1 {{'lds.matmul' op inner dimensions differ: lhs 'tensor<3x4xf32>' has 4 columns but rhs 'tensor<3x4xf32>' has 3 rows}}
  %y = lds.matmul %a, %b : tensor<3x4xf32>, tensor<3x4xf32> -> tensor<3x4xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @matmul_result {
  %x = lds.state "x" : tensor<3xf32>
  %m = lds.param "m" : tensor<4x3xf32>
  // expected-error @+1 {{'lds.matmul' op result type 'tensor<3xf32>' should be 'tensor<4xf32>'}}
  %y = lds.matmul %m, %x : tensor<4x3xf32>, tensor<3xf32> -> tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @matmul_result_matrix {
  %x = lds.state "x" : tensor<3xf32>
  %a = lds.param "a" : tensor<2x3xf32>
  %b = lds.param "b" : tensor<3x5xf32>
  // expected-error @+1 {{'lds.matmul' op result type 'tensor<2xf32>' should be 'tensor<2x5xf32>'}}
  %y = lds.matmul %a, %b : tensor<2x3xf32>, tensor<3x5xf32> -> tensor<2xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @matmul_scalar_rhs {
  %x = lds.state "x" : tensor<f32>
  %m = lds.param "m" : tensor<4x3xf32>
  // expected-error @+1 {{'lds.matmul' op right operand must be a vector or a matrix, got 'tensor<f32>'}}
  %y = lds.matmul %m, %x : tensor<4x3xf32>, tensor<f32> -> tensor<4xf32>
  lds.yield %x : tensor<f32>
}

// -----

lds.model @matmul_vector_lhs {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.matmul' op operand #0 must be 2-d tensor of f32 or f64, but got 'tensor<3xf32>'}}
  %y = lds.matmul %x, %x : tensor<3xf32>, tensor<3xf32> -> tensor<f32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @matmul_element_types {
  %x = lds.state "x" : tensor<3xf32>
  %m = lds.param "m" : tensor<3x3xf64>
  // expected-error @+1 {{'lds.matmul' op lhs and rhs element types differ: 'tensor<3x3xf64>' vs 'tensor<3xf32>'}}
  %y = lds.matmul %m, %x : tensor<3x3xf64>, tensor<3xf32> -> tensor<3xf64>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @dot_mismatch {
  %x = lds.state "x" : tensor<3xf32>
  %y = lds.param "y" : tensor<4xf32>
  // expected-error @+1 {{'lds.dot' op failed to verify that all of {lhs, rhs} have same type}}
  %d = "lds.dot"(%x, %y) : (tensor<3xf32>, tensor<4xf32>) -> tensor<f32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @dot_result_element_type {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.dot' op operand and result element types differ: 'tensor<3xf32>' vs 'tensor<f64>'}}
  %d = lds.dot %x, %x : tensor<3xf32> -> tensor<f64>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @dot_matrix {
  %x = lds.state "x" : tensor<3xf32>
  %m = lds.param "m" : tensor<3x3xf32>
  // expected-error @+1 {{'lds.dot' op operand #0 must be 1-d tensor of f32 or f64, but got 'tensor<3x3xf32>'}}
  %d = lds.dot %m, %m : tensor<3x3xf32> -> tensor<f32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @sum_element_type {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.sum' op operand and result element types differ: 'tensor<3xf32>' vs 'tensor<f64>'}}
  %s = lds.sum %x : tensor<3xf32> -> tensor<f64>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @reduce_max_element_type {
  %x = lds.state "x" : tensor<3xf64>
  // expected-error @+1 {{'lds.reduce_max' op operand and result element types differ: 'tensor<3xf64>' vs 'tensor<f32>'}}
  %s = lds.reduce_max %x : tensor<3xf64> -> tensor<f32>
  lds.yield %x : tensor<3xf64>
}

// -----

lds.model @reduce_min_element_type {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.reduce_min' op operand and result element types differ: 'tensor<3xf32>' vs 'tensor<f64>'}}
  %s = lds.reduce_min %x : tensor<3xf32> -> tensor<f64>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @logsumexp_element_type {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.logsumexp' op operand and result element types differ: 'tensor<3xf32>' vs 'tensor<f64>'}}
  %s = lds.logsumexp %x : tensor<3xf32> -> tensor<f64>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @sum_not_scalar {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.sum' op result #0 must be 0-d tensor of f32 or f64, but got 'tensor<1xf32>'}}
  %s = lds.sum %x : tensor<3xf32> -> tensor<1xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

// Elementwise ops.

lds.model @unary_type_mismatch {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.tanh' op requires the same type for all operands and results}}
  %y = "lds.tanh"(%x) : (tensor<3xf32>) -> tensor<4xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @binary_type_mismatch {
  %x = lds.state "x" : tensor<3xf32>
  %s = lds.sum %x : tensor<3xf32> -> tensor<f32>
  // expected-error @+1 {{'lds.add' op requires the same type for all operands and results}}
  %y = "lds.add"(%x, %s) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @binary_int {
  %x = lds.state "x" : tensor<3xf32>
  %w = lds.input "w" : tensor<i32>
  // expected-error @+1 {{'lds.add' op operand #0 must be statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<i32>'}}
  %y = lds.add %w, %w : tensor<i32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @cmp_result_shape {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.cmp' op all non-scalar operands/results must have the same shape and base type}}
  %c = lds.cmp lt, %x, %x : tensor<3xf32> -> tensor<4xi1>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @cmp_result_float {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.cmp' op result #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %c = lds.cmp lt, %x, %x : tensor<3xf32> -> tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @cmp_operand_mismatch {
  %x = lds.state "x" : tensor<3xf32>
  %y = lds.param "y" : tensor<4xf32>
  // expected-error @+1 {{'lds.cmp' op failed to verify that all of {lhs, rhs} have same type}}
  %c = "lds.cmp"(%x, %y) {predicate = 0 : i32} : (tensor<3xf32>, tensor<4xf32>) -> tensor<3xi1>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @cmp_bad_predicate {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{custom op 'lds.cmp' expected string or keyword containing one of the following enum values for attribute 'predicate' [lt, le, gt, ge, eq, ne]}}
  %c = lds.cmp olt, %x, %x : tensor<3xf32> -> tensor<3xi1>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @select_shapes {
  %x = lds.state "x" : tensor<3xf32>
  %y = lds.param "y" : tensor<4xf32>
  %c = lds.cmp lt, %y, %y : tensor<4xf32> -> tensor<4xi1>
  // expected-error @+1 {{'lds.select' op all non-scalar operands/results must have the same shape and base type}}
  %s = lds.select %c, %x, %x : tensor<4xi1>, tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @select_float_condition {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.select' op operand #0 must be statically shaped tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %s = lds.select %x, %x, %x : tensor<3xf32>, tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

lds.model @select_value_mismatch {
  %x = lds.state "x" : tensor<3xf32>
  %y = lds.param "y" : tensor<4xf32>
  %c = lds.cmp lt, %x, %x : tensor<3xf32> -> tensor<3xi1>
  // expected-error @+1 {{'lds.select' op failed to verify that all of {true_value, false_value, result} have same type}}
  %s = "lds.select"(%c, %x, %y) : (tensor<3xi1>, tensor<3xf32>, tensor<4xf32>) -> tensor<3xf32>
  lds.yield %x : tensor<3xf32>
}

// -----

// Gradients.

lds.model @grad_wrt_param {
  %x = lds.state "x" : tensor<3xf32>
  %p = lds.param "p" : tensor<3xf32>
  %s = lds.dot %x, %p : tensor<3xf32> -> tensor<f32>
  // expected-error @+1 {{'lds.grad' op can only differentiate with respect to a state ('lds.state' result), but wrt is defined by 'lds.param'}}
  %g = lds.grad %s wrt %p : tensor<f32>, tensor<3xf32>
  lds.yield %g : tensor<3xf32>
}

// -----

lds.model @grad_wrt_computed {
  %x = lds.state "x" : tensor<3xf32>
  %y = lds.tanh %x : tensor<3xf32>
  %s = lds.sum %y : tensor<3xf32> -> tensor<f32>
  // expected-error @+1 {{'lds.grad' op can only differentiate with respect to a state ('lds.state' result), but wrt is defined by 'lds.tanh'}}
  %g = lds.grad %s wrt %y : tensor<f32>, tensor<3xf32>
  lds.yield %g : tensor<3xf32>
}

// -----

lds.model @grad_element_types {
  %x = lds.state "x" : tensor<3xf32>
  %s = lds.constant dense<1.0> : tensor<f64>
  // expected-error @+1 {{'lds.grad' op value and wrt element types differ: 'tensor<f64>' vs 'tensor<3xf32>'}}
  %g = lds.grad %s wrt %x : tensor<f64>, tensor<3xf32>
  lds.yield %g : tensor<3xf32>
}

// -----

lds.model @grad_of_vector {
  %x = lds.state "x" : tensor<3xf32>
  // expected-error @+1 {{'lds.grad' op operand #0 must be 0-d tensor of f32 or f64, but got 'tensor<3xf32>'}}
  %g = lds.grad %x wrt %x : tensor<3xf32>, tensor<3xf32>
  lds.yield %g : tensor<3xf32>
}

