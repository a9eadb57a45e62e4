// RUN: lds-opt %s --split-input-file --lds-distribute-over-block \
// RUN:   -verify-diagnostics

// What lds-distribute-over-block cannot split over a thread block is an
// error, not a function that races.

// A buffer inside a loop would be one per iteration: it has no fixed place
// in the block scratch.
func.func @nested_buffer(%out: memref<4xf32>) attributes {lds.cooperative} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    // expected-error @+1 {{'memref.alloca' op cooperative function has a buffer outside its entry block}}
    %b = memref.alloca() : memref<f32>
    memref.store %one, %b[] : memref<f32>
    %v = memref.load %b[] : memref<f32>
    memref.store %v, %out[%i] : memref<4xf32>
  }
  return
}

// -----

// A loop that stores and yields a value: thread 0 alone cannot run it, as the
// other threads would lack the value, and every thread would write.
func.func @writes_with_results(%x: memref<4xf32>, %out: memref<f32>)
    attributes {lds.cooperative} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloca() : memref<4xf32>
  // expected-error @+1 {{'scf.for' op cooperative function has a memory-writing op with results}}
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %x[%i] : memref<4xf32>
    %s = arith.addf %acc, %v : f32
    memref.store %s, %buf[%i] : memref<4xf32>
    scf.yield %s : f32
  }
  memref.store %sum, %out[] : memref<f32>
  return
}

// -----

// Every thread would allocate its own heap buffer.
func.func @heap(%out: memref<4xf32>) attributes {lds.cooperative} {
  // expected-error @+1 {{'memref.alloc' op cooperative function has a heap buffer}}
  %b = memref.alloc() : memref<4xf32>
  memref.copy %b, %out : memref<4xf32> to memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  return
}

// -----

// expected-error @+1 {{'func.func' op cooperative function has more than one block}}
func.func @blocks(%out: memref<f32>) attributes {lds.cooperative} {
  %one = arith.constant 1.0 : f32
  cf.br ^next
^next:
  memref.store %one, %out[] : memref<f32>
  return
}

// -----

// expected-error @+1 {{'func.func' op cooperative function has no body}}
func.func private @external(memref<f32>) attributes {lds.cooperative}

// -----

// The pass's external functions must have the types the GPU target defines.
// expected-error @+1 {{'func.func' op must have type '() -> index'}}
func.func private @lds_coop_ntid() -> i32

func.func @f(%out: memref<f32>) attributes {lds.cooperative} {
  return
}
