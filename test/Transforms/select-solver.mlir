// Solver choice of lds-select-solver: one hand-written model per rule of the
// policy (docs/solvers.md), the CPU and CUDA thresholds, the sequential
// fallback, --solver overrides and bad options; then the examples.
//
// RUN: lds-opt %s --lds-analyze-structure --lds-select-solver | FileCheck %s --check-prefixes=CHECK,ALL
// RUN: lds-opt %s --lds-select-solver=target=cuda | FileCheck %s --check-prefixes=CHECK,CUDA
// RUN: lds-opt %s --lds-select-solver=target=cpu | FileCheck %s --check-prefixes=CHECK,CPU
// RUN: lds-opt %s --lds-select-solver="solver=picard target=cpu" | FileCheck %s --check-prefix=FORCED
// RUN: not lds-opt %s --lds-select-solver=solver=bogus 2>&1 | FileCheck %s --check-prefix=BAD-SOLVER
// RUN: not lds-opt %s --lds-select-solver=target=tpu 2>&1 | FileCheck %s --check-prefix=BAD-TARGET
//
// The examples (as written, so costs are estimated from the model bodies):
// RUN: lds-compile %examples/gru.lds --emit=lds | lds-opt --lds-analyze-structure --lds-select-solver | FileCheck %s --check-prefix=GRU
// RUN: lds-compile %examples/s5.lds --emit=lds | lds-opt --lds-analyze-structure --lds-select-solver | FileCheck %s --check-prefix=S5
// RUN: lds-compile %examples/langevin.lds --emit=lds | lds-opt --lds-analyze-structure --lds-select-solver | FileCheck %s --check-prefix=LANGEVIN
// RUN: lds-compile %examples/elementwise.lds --emit=lds | lds-opt --lds-analyze-structure --lds-select-solver | FileCheck %s --check-prefix=ELEMENTWISE
// RUN: lds-compile %examples/lstm.lds --emit=lds | lds-opt --lds-analyze-structure --lds-select-solver | FileCheck %s --check-prefix=LSTM
// RUN: lds-compile %examples/lstm.lds --emit=lds | lds-opt --lds-select-solver=target=cpu | FileCheck %s --check-prefix=LSTM
// RUN: lds-compile %examples/gru.lds --emit=lds | lds-opt --lds-select-solver="solver=quasi-newton" | FileCheck %s --check-prefix=GRU-FORCED
// With the derived functions present (lds-compile --emit=mlir), J and diag J
// are counted from them; the choices stay the same:
// RUN: lds-compile %examples/gru.lds --emit=mlir | lds-opt --lds-select-solver | FileCheck %s --check-prefix=GRU
// RUN: lds-compile %examples/langevin.lds --emit=mlir | lds-opt --lds-select-solver | FileCheck %s --check-prefix=LANGEVIN

// GRU: lds.model @gru attributes
// GRU-SAME: lds.solver = "newton"
// GRU-SAME: lds.solver_reason = "the Jacobian is dense and D = 8 <= 32 on

// GRU-FORCED: lds.solver = "quasi-newton"
// GRU-FORCED-SAME: lds.solver_reason = "requested with --solver (auto would choose newton)"

// S5: lds.model @s5 attributes
// S5-SAME: lds.solver = "newton"
// S5-SAME: lds.solver_reason = "f is affine in the state and D = 5 <= 32 on cuda, so Newton's linearisation is exact and one dense scan solves the recursion"

// LANGEVIN: lds.model @langevin attributes
// LANGEVIN-SAME: lds.solver = "picard"
// LANGEVIN-SAME: lds.solver_reason = "f = x + c * g(x, u) with a small constant c = 1e-05, so J = I + O(c)

// ELEMENTWISE: lds.model @elementwise attributes
// ELEMENTWISE-SAME: lds.solver = "quasi-newton"

// LSTM: lds.model @lstm attributes
// LSTM-SAME: lds.solver = "newton"
// LSTM-SAME: D = 16 <=

// BAD-SOLVER: error: lds-select-solver: unknown solver 'bogus'
// BAD-TARGET: error: lds-select-solver: unknown target 'tpu'

// FORCED-LABEL: lds.model @zero attributes
// FORCED-SAME: lds.solver = "picard"
// FORCED-SAME: lds.solver_by_target = {cpu = "picard"}
// FORCED-SAME: lds.solver_reason = "requested with --solver (auto would choose jacobi)"
// FORCED-LABEL: lds.model @rnn4 attributes
// FORCED-SAME: lds.solver = "picard"
// FORCED-SAME: lds.solver_reason = "requested with --solver (auto would choose newton)"

// CHECK-LABEL: lds.model @zero attributes
// CHECK-SAME: lds.solver = "jacobi"
// CHECK-SAME: lds.solver_reason = "no next state depends on the state, so Jacobi (A_t = 0) is exact in one iteration"
lds.model @zero {
  %x = state "x" : tensor<4xf32>
  %u = input "u" : tensor<4xf32>
  %0 = tanh %u : tensor<4xf32>
  yield %0 : tensor<4xf32>
}

// CHECK-LABEL: lds.model @identity attributes
// CHECK-SAME: lds.solver = "picard"
// CHECK-SAME: lds.solver_reason = "f is the state plus terms independent of it (J = I), so Picard
lds.model @identity {
  %x = state "x" : tensor<4xf32>
  %u = input "u" : tensor<4xf32>
  %0 = add %x, %u : tensor<4xf32>
  yield %0 : tensor<4xf32>
}

// Affine but beyond the Newton limit on CUDA (D = 40 > 32): one dense scan
// would cost O(D^3) a step, so the later rules apply (quasi-Newton).
// CHECK-LABEL: lds.model @affine40 attributes
// CHECK-SAME: lds.affine
// CUDA-SAME: lds.solver = "quasi-newton"
// CUDA-SAME: lds.solver_reason = "the Jacobian is dense with D = 40 (largest dense block 40 > 32 on cuda)
// CPU-SAME: lds.solver = "newton"
// CPU-SAME: lds.solver_reason = "f is affine in the state and D = 40 <= 64 on cpu
lds.model @affine40 {
  %x = state "x" : tensor<40xf32>
  %u = input "u" : tensor<40xf32>
  %W = param "W" : tensor<40x40xf32>
  %0 = matmul %W, %x : tensor<40x40xf32>, tensor<40xf32> -> tensor<40xf32>
  %1 = add %0, %u : tensor<40xf32>
  yield %1 : tensor<40xf32>
}

// Affine wins over identity-plus-small-scale: Newton is exact in one scan.
// CHECK-LABEL: lds.model @gauss attributes
// CHECK-SAME: lds.solver = "newton"
// CHECK-SAME: lds.solver_reason = "f is affine in the state and D = 4 <= {{32 on cuda|64 on cpu}}, so Newton's linearisation is exact and one dense scan solves the recursion"
lds.model @gauss {
  %x = state "x" : tensor<4xf32>
  %m = param "m" : tensor<4xf32>
  %L = param "L" : tensor<4x4xf32>
  %0 = sub %x, %m : tensor<4xf32>
  %1 = matmul %L, %0 : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %2 = dot %0, %1 : tensor<4xf32> -> tensor<f32>
  %3 = grad %2 wrt %x : tensor<f32>, tensor<4xf32>
  %c = constant dense<-1.000000e-02> : tensor<4xf32>
  %4 = mul %c, %3 : tensor<4xf32>
  %5 = add %x, %4 : tensor<4xf32>
  yield %5 : tensor<4xf32>
}

// Affine with a diagonal Jacobian: quasi-Newton is exact too, at O(D).
// CHECK-LABEL: lds.model @affine_diag attributes
// CHECK-SAME: lds.solver = "quasi-newton"
// CHECK-SAME: lds.solver_reason = "f is affine in the state with a diagonal Jacobian, so quasi-Newton (A_t = diag J = J) is exact: one scan at O(D) per step"
lds.model @affine_diag {
  %x = state "x" : tensor<4xf32>
  %u = input "u" : tensor<4xf32>
  %a = param "a" : tensor<4xf32>
  %0 = mul %a, %x : tensor<4xf32>
  %1 = add %0, %u : tensor<4xf32>
  yield %1 : tensor<4xf32>
}

// CHECK-LABEL: lds.model @diag attributes
// CHECK-SAME: lds.solver = "quasi-newton"
// CHECK-SAME: lds.solver_reason = "the Jacobian is diagonal, so quasi-Newton (A_t = diag J) is Newton at O(D) per step"
lds.model @diag {
  %x = state "x" : tensor<100xf64>
  %u = input "u" : tensor<100xf64>
  %0 = mul %x, %u : tensor<100xf64>
  %1 = tanh %0 : tensor<100xf64>
  yield %1 : tensor<100xf64>
}

// x + 1e-3 * tanh(W x): dense and nonlinear, but J = I + O(1e-3).
// CHECK-LABEL: lds.model @small_step attributes
// CHECK-SAME: lds.identity_plus_scaled = 1.000000e-03 : f64
// CHECK-SAME: lds.solver = "picard"
// CHECK-SAME: lds.solver_reason = "f = x + c * g(x, u) with a small constant c = 0.001, so J = I + O(c) and Picard (A_t = I) needs few iterations at O(D) per step"
lds.model @small_step {
  %x = state "x" : tensor<4xf32>
  %W = param "W" : tensor<4x4xf32>
  %0 = matmul %W, %x : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = tanh %0 : tensor<4xf32>
  %c = constant dense<1.000000e-03> : tensor<f32>
  %2 = broadcast %c : tensor<f32> -> tensor<4xf32>
  %3 = mul %2, %1 : tensor<4xf32>
  %4 = add %x, %3 : tensor<4xf32>
  yield %4 : tensor<4xf32>
}

// The same with c = 0.5: too far from the identity for Picard.
// CHECK-LABEL: lds.model @big_step attributes
// CHECK-SAME: lds.identity_plus_scaled = 5.000000e-01 : f64
// CHECK-SAME: lds.solver = "newton"
lds.model @big_step {
  %x = state "x" : tensor<4xf32>
  %W = param "W" : tensor<4x4xf32>
  %0 = matmul %W, %x : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = tanh %0 : tensor<4xf32>
  %c = constant dense<5.000000e-01> : tensor<4xf32>
  %3 = mul %1, %c : tensor<4xf32>
  %4 = add %x, %3 : tensor<4xf32>
  yield %4 : tensor<4xf32>
}

// The cost model, by hand (f32, D = 4, no inputs): f = 2*4*4 (matmul) +
// 10*4 (tanh) = 72 flops; dense, not affine, so J ~ D * f = 288 and
// diag J ~ 2 * f = 144.
//   newton:       72 + 288 + 2*16 (b_t) + 2*64 + 2*16 (combine) = 552 flops,
//                 4 * (3*4 + 2*16) = 176 bytes, 4 * (2*4 + 16) = 96 resident
//   quasi-newton: 72 + 144 + 5*4 = 236 flops, 4 * (12 + 8) = 80 bytes, 48
//   picard:       72 + 2*4 = 80 flops, 48 bytes, 32
//   jacobi:       72 flops, 48 bytes, 32
//   sequential:   72 flops, 4*4 = 16 bytes, 16
// CHECK-LABEL: lds.model @rnn4 attributes
// CHECK-SAME: lds.costs = {jacobi = {bytes = 48 : i64, flops = 72 : i64, memory = 32 : i64}, newton = {bytes = 176 : i64, flops = 552 : i64, memory = 96 : i64}, picard = {bytes = 48 : i64, flops = 80 : i64, memory = 32 : i64}, "quasi-newton" = {bytes = 80 : i64, flops = 236 : i64, memory = 48 : i64}, sequential = {bytes = 16 : i64, flops = 72 : i64, memory = 16 : i64}}
// CHECK-SAME: lds.solver = "newton"
// ALL-SAME: lds.solver_by_target = {cpu = "newton", cuda = "newton"}
// ALL-SAME: lds.solver_reason = "the Jacobian is dense and D = 4 <= 32 on cuda, so Newton's O(D^3) scan is affordable and converges in few iterations"
// CPU-SAME: lds.solver_by_target = {cpu = "newton"}
// CPU-SAME: lds.solver_reason = "the Jacobian is dense and D = 4 <= 64 on cpu, so
lds.model @rnn4 {
  %x = state "x" : tensor<4xf32>
  %W = param "W" : tensor<4x4xf32>
  %0 = matmul %W, %x : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = tanh %0 : tensor<4xf32>
  yield %1 : tensor<4xf32>
}

// D = 48 is small enough for Newton on a CPU (<= 64), not on CUDA (<= 32);
// for --target=all the CUDA choice is the model's, the CPU one is recorded.
// CHECK-LABEL: lds.model @dense48 attributes
// ALL-SAME: lds.solver = "quasi-newton"
// ALL-SAME: lds.solver_by_target = {cpu = "newton", cuda = "quasi-newton"}
// ALL-SAME: lds.solver_reason = "the Jacobian is dense with D = 48 (largest dense block 48 > 32 on cuda), so quasi-Newton (A_t = diag J, O(D) per step) replaces Newton's O(D^3) scan (cuda; cpu uses newton: the Jacobian is dense and D = 48 <= 64 on cpu, so Newton's O(D^3) scan is affordable and converges in few iterations)"
// CUDA-SAME: lds.solver = "quasi-newton"
// CPU-SAME: lds.solver = "newton"
lds.model @dense48 {
  %x = state "x" : tensor<48xf32>
  %W = param "W" : tensor<48x48xf32>
  %0 = matmul %W, %x : tensor<48x48xf32>, tensor<48xf32> -> tensor<48xf32>
  %1 = tanh %0 : tensor<48xf32>
  yield %1 : tensor<48xf32>
}

// D = 80 is too large for Newton everywhere.
// CHECK-LABEL: lds.model @dense80 attributes
// CHECK-SAME: lds.solver = "quasi-newton"
// CPU-SAME: lds.solver_reason = "the Jacobian is dense with D = 80 (largest dense block 80 > 64 on cpu), so
lds.model @dense80 {
  %x = state "x" : tensor<80xf32>
  %W = param "W" : tensor<80x80xf32>
  %0 = matmul %W, %x : tensor<80x80xf32>, tensor<80xf32> -> tensor<80xf32>
  %1 = tanh %0 : tensor<80xf32>
  yield %1 : tensor<80xf32>
}

// Block-diagonal: Newton's kernels keep A_t dense (D x D), so D = 48, not
// the widest block (40), must meet the threshold, and Newton is costed
// densely (by hand, f32, no inputs): f = 2*1600 + 2*64 (matmuls) + 10*48
// (tanh) = 3808, J = 40 * f = 152320 (forward mode over the widest
// block), b_t = 2*48^2 = 4608, combine = 2*48^3 + 2*48^2 = 225792: 386528
// flops; 4 * (3*48 + 2*48^2) = 19008 bytes, 4 * (2*48 + 48^2) = 9600
// resident. (Per block it would be 13872 bytes and a combine of 130432.)
// CHECK-LABEL: lds.model @blocks attributes
// CHECK-SAME: newton = {bytes = 19008 : i64, flops = 386528 : i64, memory = 9600 : i64}
// ALL-SAME: lds.jacobian = "block_diagonal"
// CUDA-SAME: lds.solver = "quasi-newton"
// CUDA-SAME: lds.solver_reason = "the Jacobian is block-diagonal with D = 48 (largest dense block 40 > 32 on cuda)
// CPU-SAME: lds.solver = "newton"
// CPU-SAME: lds.solver_reason = "the Jacobian is block-diagonal (blocks of at most 40) and D = 48 <= 64 on cpu, so Newton's dense O(D^3) scan is affordable and converges in few iterations"
lds.model @blocks {
  %h = state "h" : tensor<40xf32>
  %c = state "c" : tensor<8xf32>
  %W = param "W" : tensor<40x40xf32>
  %V = param "V" : tensor<8x8xf32>
  %0 = matmul %W, %h : tensor<40x40xf32>, tensor<40xf32> -> tensor<40xf32>
  %1 = tanh %0 : tensor<40xf32>
  %2 = matmul %V, %c : tensor<8x8xf32>, tensor<8xf32> -> tensor<8xf32>
  %3 = tanh %2 : tensor<8xf32>
  yield %1, %3 : tensor<40xf32>, tensor<8xf32>
}

// Blocks within the threshold, D beyond it: Newton's dense scan is not
// affordable on CUDA (D = 40 > 32), however small the blocks (16).
// CHECK-LABEL: lds.model @small_blocks attributes
// ALL-SAME: lds.jacobian = "block_diagonal"
// CUDA-SAME: lds.solver = "quasi-newton"
// CUDA-SAME: lds.solver_reason = "the Jacobian is block-diagonal (blocks of at most 16), but Newton's scan is dense and D = 40 > 32 on cuda, so quasi-Newton (A_t = diag J, O(D) per step) replaces it"
// CPU-SAME: lds.solver = "newton"
lds.model @small_blocks {
  %a = state "a" : tensor<16xf32>
  %b = state "b" : tensor<16xf32>
  %c = state "c" : tensor<8xf32>
  %W = param "W" : tensor<16x16xf32>
  %0 = matmul %W, %a : tensor<16x16xf32>, tensor<16xf32> -> tensor<16xf32>
  %1 = tanh %0 : tensor<16xf32>
  %2 = matmul %W, %b : tensor<16x16xf32>, tensor<16xf32> -> tensor<16xf32>
  %3 = tanh %2 : tensor<16xf32>
  %4 = tanh %c : tensor<8xf32>
  yield %1, %3, %4 : tensor<16xf32>, tensor<16xf32>, tensor<8xf32>
}

// Derived functions are counted instead of estimated. Here J and diag J cost
// 65536 + 1024 flops each (a 32x32 matrix product and a sum), f 72: even a
// quasi-Newton iteration costs more than 16 CPU threads recover over the
// 72-flop sequential step, so the CPU runs sequentially; CUDA's 10000 lanes
// still win.
// CHECK-LABEL: lds.model @slow attributes
// CHECK-SAME: lds.costs = {jacobi = {bytes = 48 : i64, flops = 72 : i64, memory = 32 : i64}, newton = {bytes = 176 : i64, flops = 66824 : i64, memory = 96 : i64}, picard = {bytes = 48 : i64, flops = 80 : i64, memory = 32 : i64}, "quasi-newton" = {bytes = 80 : i64, flops = 66652 : i64, memory = 48 : i64}, sequential = {bytes = 16 : i64, flops = 72 : i64, memory = 16 : i64}}
// ALL-SAME: lds.solver = "newton"
// ALL-SAME: lds.solver_by_target = {cpu = "sequential", cuda = "newton"}
// CUDA-SAME: lds.solver = "newton"
// CPU-SAME: lds.solver = "sequential"
// CPU-SAME: lds.solver_reason = "one parallel iteration costs at least 66652 flops per step, more than 16 lanes running 72-flop sequential steps can recover on cpu, so parallel evaluation cannot win"
lds.model @slow {
  %x = state "x" : tensor<4xf32>
  %W = param "W" : tensor<4x4xf32>
  %0 = matmul %W, %x : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = tanh %0 : tensor<4xf32>
  yield %1 : tensor<4xf32>
}
func.func @slow_f(%x: tensor<4xf32> {lds.kind = "state", lds.name = "x"}, %W: tensor<4x4xf32> {lds.kind = "param", lds.name = "W"}) -> tensor<4xf32> attributes {lds.derived = "f", lds.model = @slow} {
  %0 = lds.matmul %W, %x : tensor<4x4xf32>, tensor<4xf32> -> tensor<4xf32>
  %1 = lds.tanh %0 : tensor<4xf32>
  return %1 : tensor<4xf32>
}
func.func @slow_jac(%x: tensor<4xf32> {lds.kind = "state", lds.name = "x"}, %W: tensor<4x4xf32> {lds.kind = "param", lds.name = "W"}) -> tensor<4x4xf32> attributes {lds.derived = "jac", lds.model = @slow} {
  %c = lds.constant dense<1.000000e+00> : tensor<32x32xf32>
  %0 = lds.matmul %c, %c : tensor<32x32xf32>, tensor<32x32xf32> -> tensor<32x32xf32>
  %1 = lds.sum %0 : tensor<32x32xf32> -> tensor<f32>
  %2 = lds.broadcast %1 : tensor<f32> -> tensor<4x4xf32>
  return %2 : tensor<4x4xf32>
}
func.func @slow_jac_diag(%x: tensor<4xf32> {lds.kind = "state", lds.name = "x"}, %W: tensor<4x4xf32> {lds.kind = "param", lds.name = "W"}) -> tensor<4xf32> attributes {lds.derived = "jac_diag", lds.model = @slow} {
  %c = lds.constant dense<1.000000e+00> : tensor<32x32xf32>
  %0 = lds.matmul %c, %c : tensor<32x32xf32>, tensor<32x32xf32> -> tensor<32x32xf32>
  %1 = lds.sum %0 : tensor<32x32xf32> -> tensor<f32>
  %2 = lds.broadcast %1 : tensor<f32> -> tensor<4xf32>
  return %2 : tensor<4xf32>
}
