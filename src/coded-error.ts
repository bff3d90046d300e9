/**
 * The shape every subsystem's error class shares: a stable code from its closed union, the message, and a JSON
 * form of the two. Each subsystem keeps its own class (its name says where the error came from; the registry in
 * error-codes.ts lists them) and adds the fields only it has.
 */
export abstract class CodedError<C extends string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  /** What an API or a JSON line shows: never the stack, never the cause (it may hold what the message leaves out). */
  toJSON(): { code: C; message: string } {
    return { code: this.code, message: this.message };
  }
}

