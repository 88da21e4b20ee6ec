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
