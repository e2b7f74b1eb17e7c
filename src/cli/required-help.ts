import { Help, type Option } from 'commander';

/**
 * Help for every command: an option the command cannot run without says so. Commands made with
 * `.command()` inherit this from the program they are added to, so a command added later gets it
 * too.
 */
export const REQUIRED_MARKED_HELP: Partial<Help> = {
  optionDescription(this: Help, option: Option): string {
    const text = Help.prototype.optionDescription.call(this, option);
    return option.mandatory ? `${text} (required)` : text;
  },
};
