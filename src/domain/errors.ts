// The one error that means "the caller was wrong" (bad arguments, an unknown name, a file that
// cannot be read): any layer may throw it, and the command dispatcher turns it into a usage
// reply (CLI exit code 2). Every other error is ours: logged, and one clear line for the caller.
export class UsageError extends Error {
  override name = 'UsageError';
}
