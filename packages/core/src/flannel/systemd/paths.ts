/** The path rules for file names that reach the generated scripts of systemd mode. */

/** Local file paths in the generated script: letters, digits and ._+@=/- (relative or absolute). */
export const LOCAL_PATH = /^[A-Za-z0-9._+@=/-]+$/;

/**
 * The spec's folder relative to the bundle, as podnet puts it into the script (single-quoted):
 * any printable text, spaces included; no control characters (a newline would end the comment line).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern rejects control characters.
export const SPEC_DIR_PATH = /^[^\u0000-\u001f\u007f]+$/;
