// Flint's roles register as flint-<role>; the API names them as Cinder does (cinder-volume,
// cinder-scheduler, …) because clients and Tempest pick services by those names.
export function cinderBinary(binary: string): string {
  return binary.replace(/^flint-/, 'cinder-');
}

export function flintBinary(binary: string): string {
  return binary.replace(/^cinder-/, 'flint-');
}
