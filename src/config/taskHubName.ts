/** What the extension's code accepts (its message says 45; its check allows 50). */
const HUB_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]{2,49}$/;

export function validateTaskHubName(name: string): void {
  if (typeof name !== 'string' || !HUB_NAME_PATTERN.test(name)) {
    throw new Error(
      `Task hub name '${name}' is invalid: it must be 3 to 50 characters, start with a letter and contain ` +
        'only letters and digits.',
    );
  }
}

/** The extension's default when host.json names no hub: the app name (`WEBSITE_SITE_NAME`), else this. */
export const FALLBACK_HUB_NAME = 'TestHubName';

/**
 * The default task hub name as the Functions extension derives it: `WEBSITE_SITE_NAME`, else
 * "TestHubName", sanitized instead of rejected: letters and digits only, "t" before a leading digit,
 * at most 45 characters, "Hub" appended when shorter than 3, "DefaultTaskHub" when nothing is left.
 */
export function defaultTaskHubName(env: NodeJS.ProcessEnv): string {
  const kept = [...(env.WEBSITE_SITE_NAME ?? FALLBACK_HUB_NAME)].filter((c) => /[\p{L}\p{Nd}]/u.test(c));
  if (kept.length === 0) return 'DefaultTaskHub';
  if (/\p{N}/u.test(kept[0])) kept.unshift('t');
  const name = kept.slice(0, 45).join('');
  return name.length < 3 ? `${name}Hub` : name;
}
