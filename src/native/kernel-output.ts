/**
 * Output arrays for native kernels that overwrite every element: allocated without the zero
 * fill `new Float32Array(n)` does (a memset of every byte, about as costly as a fast kernel's own
 * pass over a large output, on every tensor a forward pass creates).
 */
export function kernelOutput(n: number): Float32Array {
  return new Float32Array(Buffer.allocUnsafeSlow(n * Float32Array.BYTES_PER_ELEMENT).buffer, 0, n);
}
