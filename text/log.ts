/**
 * The logging interface every stage accepts: the project's logger (bot/logger.ts) satisfies it, tests pass
 * a silent one. One definition instead of one per module.
 */
export interface LoggerLike {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}
