/** What inference says about one input (pure data, the same in every layer and file). */

/** One predicted class. `label` is present when a labels file was given. */
export interface ClassScore {
  class: number;
  label?: string;
  /** Softmax probability. */
  score: number;
}

/** The outcome for one input: `top` or `error`, never both. */
export interface InputResult {
  key: string;
  top: ClassScore[] | null;
  error: string | null;
}
