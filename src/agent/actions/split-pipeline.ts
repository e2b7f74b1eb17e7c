/**
 * Splits an exec command the way the stock agent does: `|` separates the stages of a pipeline and
 * spaces separate the arguments of a stage. There is no shell, so no quoting, variables or globs:
 * `echo $HOME` passes `$HOME` literally. Runs of spaces count as one separator (the stock agent
 * splits on single spaces and would pass empty arguments, which no command wants).
 *
 * A stage with no words (`a || b`, a trailing `|`) comes back as an empty array for the caller to
 * reject.
 */
export function splitPipeline(command: string): string[][] {
  return command.split('|').map((stage) => stage.split(' ').filter((word) => word !== ''));
}
