/**
 * Azure Queue Storage carries message text inside XML, and XML 1.0 cannot carry some UTF-16 code
 * units: C0 controls other than tab/LF/CR, U+FFFE, U+FFFF and unpaired surrogates. A message with
 * one of them is refused by Azure and makes the emulator return empty batches, hiding every other
 * message in the batch, so none may ever reach a queue unescaped.
 */
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The first character XML cannot carry, or undefined. */
export function findXmlInvalidChar(text: string): { index: number; code: number } | undefined {
  XML_INVALID.lastIndex = 0;
  const match = XML_INVALID.exec(text);
  return match ? { index: match.index, code: match[0].charCodeAt(0) } : undefined;
}

/** `\uXXXX` (lower-case hex), the form JSON writers use. */
export function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Rewrites a JSON text so it holds only characters XML can carry. Such characters can only occur
 * inside JSON strings (the syntax is ASCII), where a `\uXXXX` escape means the same character, so
 * every JSON reader (JSON.parse, Newtonsoft) gets back exactly the original value.
 */
export function xmlSafeJson(jsonText: string): string {
  return jsonText.replace(XML_INVALID, (ch) => unicodeEscape(ch.charCodeAt(0)));
}
