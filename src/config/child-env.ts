/**
 * Variables that carry the agent's (or the server's) own identity and settings: OpenStack
 * credentials (OS_PASSWORD, OS_TOKEN, OS_APPLICATION_CREDENTIAL_SECRET, ... and the rest of OS_*,
 * which only make sense with them) and every PERMAFROST_* setting.
 */
const PRIVATE_NAMES = [/^OS_/i, /^PERMAFROST_/i];

/**
 * The environment of every process Permafrost starts (exec actions, tar, compressors): its own,
 * minus the private variables, plus `extra`. Children run as the same user, so this stops leaks
 * through a command's output, logs or a careless script, not a hostile command (which can read
 * what the user can read: use --disable-exec for job authors you do not trust).
 */
export function childEnv(extra: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !PRIVATE_NAMES.some((p) => p.test(name))) out[name] = value;
  }
  return { ...out, ...extra };
}
