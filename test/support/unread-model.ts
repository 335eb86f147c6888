/**
 * Model bytes that a job checks no further: a stub in ONNX Runtime's own format (a FlatBuffer
 * whose identifier, bytes 4 to 8, is `ORTM`), whose graph the job manager leaves to the functions'
 * runtime. For jobs on a scripted backend, which never loads the model.
 */
export const UNREAD_MODEL_BYTES: Uint8Array = Uint8Array.from([
  ...[8, 0, 0, 0],
  ...Buffer.from('ORTM', 'latin1'),
  ...Buffer.from('a scripted backend never loads this model', 'latin1'),
]);
