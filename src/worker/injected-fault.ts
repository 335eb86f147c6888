/** Raised by the `failAfterFirstSplit` fault, so that experiments can tell it from real failures. */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
}
