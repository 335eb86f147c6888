/** What inference says about one input (pure data, the same in every layer and file). */

/** One predicted class. `label` is present when a labels file was given. */
export interface ClassScore {
  class: number;
  label?: string;
  /**
   * The class's score: its softmax probability (a classifier's logits), the model's own
   * probability (activation `none`) or its sigmoid (a multi-label model).
   */
  score: number;
}

/** Where an embed job's vector of one input is: a row of the job's `embeddings.parquet`. */
export interface EmbeddingRef {
  /** The vector's length. */
  dims: number;
  /** Its row in `embeddings.parquet` (0-based). */
  row: number;
}

/**
 * Whether an input's error may go away when it is tried again: `passing` (storage throttled,
 * a server fault, a broken connection) or `permanent` (no such object, access denied, not an
 * image). An error that does not say is permanent.
 */
export type InputErrorKind = (typeof INPUT_ERROR_KINDS)[number];

/** Every {@link InputErrorKind}: the one list that the result schema, the gRPC enum and the split check use. */
export const INPUT_ERROR_KINDS = ['passing', 'permanent'] as const;

/** The rule an input's `errorKind` follows, as a refusal says it (HTTP and gRPC replies alike). */
export const ERROR_KIND_RULE = `errorKind must be ${INPUT_ERROR_KINDS.map((k) => `'${k}'`).join(' or ')}, beside an error`;

/** Whether `kind` is an {@link InputErrorKind}. */
export function isInputErrorKind(kind: unknown): kind is InputErrorKind {
  return (INPUT_ERROR_KINDS as readonly unknown[]).includes(kind);
}

/**
 * The outcome for one input: exactly one of `top` (classify), `vector` or `embedding` (embed)
 * and `error` is set; `top` and `error` are null when not the one.
 */
export interface InputResult {
  key: string;
  top: ClassScore[] | null;
  error: string | null;
  /** With an error: whether trying the input again may help (absent: permanent). */
  errorKind?: InputErrorKind;
  /** An embed job's vector as a function returns it: little-endian float32 values, base64. */
  vector?: string;
  /** An embed job's line of `results.jsonl`: where the vector was written. */
  embedding?: EmbeddingRef;
}
