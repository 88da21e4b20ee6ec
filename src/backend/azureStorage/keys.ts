/**
 * Table keys cannot hold '/', '\', '#', '?' or control characters, so DurableTask.AzureStorage
 * escapes instance ids into PartitionKeys with '^' (KeySanitation); we use the same scheme so
 * both read each other's rows: '^' -> '^^', '/' '\' '#' '?' -> '^0'..'^3', a control character
 * c -> '^' + (U+00C0 + c).
 */
const SPECIAL = ['/', '\\', '#', '?'];

function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

export function escapePartitionKey(instanceId: string): string {
  let out = '';
  for (const ch of instanceId) {
    const code = ch.charCodeAt(0);
    const special = SPECIAL.indexOf(ch);
    if (ch === '^') out += '^^';
    else if (special >= 0) out += `^${special}`;
    else if (isControl(code)) out += `^${String.fromCharCode(0xc0 + code)}`;
    else out += ch;
  }
  return out;
}

export function unescapePartitionKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i];
    if (ch !== '^' || i + 1 >= key.length) {
      out += ch;
      continue;
    }
    const next = key[++i];
    const digit = '0123'.indexOf(next);
    if (next === '^') out += '^';
    else if (digit >= 0) out += SPECIAL[digit];
    else if (next.charCodeAt(0) >= 0xc0) out += String.fromCharCode(next.charCodeAt(0) - 0xc0);
    else out += next;
  }
  return out;
}
