/**
 * Route templates as the Functions host accepts them: literal segments, `{name}`, optional
 * `{name?}`, constrained `{name:int}` / `{name:alpha}`, and a final catch-all `{*rest}`.
 */
export interface CompiledRoute {
  template: string;
  match(path: string): Record<string, string> | undefined;
}

const CONSTRAINTS: Record<string, string> = {
  int: '-?\\d+',
  long: '-?\\d+',
  alpha: '[A-Za-z]+',
  bool: 'true|false',
  guid: '[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}',
};

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A route parameter that is not validly percent-encoded: the request is bad, not the server. */
export class BadRouteParameterError extends Error {
  constructor(name: string) {
    super(`The route parameter '${name}' is not validly percent-encoded.`);
    this.name = 'BadRouteParameterError';
  }
}

function decodePathParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRouteParameterError(name);
  }
}

export function compileRoute(template: string): CompiledRoute {
  const names: string[] = [];
  let pattern = '^';
  const segments = template.replace(/^\/+|\/+$/g, '').split('/').filter(Boolean);
  segments.forEach((segment, index) => {
    const slash = index === 0 ? '' : '/';
    const param = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?(\?)?\}$/.exec(segment);
    if (!param) {
      pattern += slash + escapeRegex(segment);
      return;
    }
    const [, catchAll, name, constraint, optional] = param;
    names.push(name);
    const value = catchAll ? '(.*)' : `(${constraint && CONSTRAINTS[constraint.toLowerCase()] ? CONSTRAINTS[constraint.toLowerCase()] : '[^/]+'})`;
    pattern += optional || catchAll ? `(?:${slash}${value})?` : `${slash}${value}`;
  });
  const regex = new RegExp(`${pattern}/?$`, 'i');
  return {
    template,
    match(path: string) {
      const m = regex.exec(path);
      if (!m) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        if (m[i + 1] !== undefined) params[name] = decodePathParam(name, m[i + 1]);
      });
      return params;
    },
  };
}
