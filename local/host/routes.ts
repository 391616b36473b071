// HTTP route templates in the subset the functions use: literal segments, `{name}`,
// `{name:constraint}` (the constraint is not checked), `{name?}` and a trailing `{*rest}`.
// Matching is case-insensitive, as in the Functions host (ASP.NET routing).

export interface RouteMatch {
  params: Record<string, string>;
}

type Segment =
  | { kind: "literal"; text: string }
  | { kind: "parameter"; name: string; optional: boolean; catchAll: boolean };

export interface CompiledRoute {
  template: string;
  match(path: string): RouteMatch | undefined;
}

export function compileRoute(template: string): CompiledRoute {
  const segments = splitPath(template).map((text): Segment => {
    const parameter = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?(\?)?\}$/.exec(text);
    if (!parameter) {
      if (text.includes("{") || text.includes("}")) {
        throw new TypeError(`route "${template}": segment "${text}" mixes text and parameters, which the local host does not support`);
      }
      return { kind: "literal", text: text.toLowerCase() };
    }
    return { kind: "parameter", name: parameter[2] ?? "", optional: parameter[3] === "?", catchAll: parameter[1] === "*" };
  });
  return {
    template,
    match(path) {
      const parts = splitPath(path);
      const params: Record<string, string> = {};
      for (const [index, segment] of segments.entries()) {
        const part = parts[index];
        if (segment.kind === "literal") {
          if (part === undefined || safeDecode(part).toLowerCase() !== segment.text) return undefined;
          continue;
        }
        if (segment.catchAll) {
          const rest = parts.slice(index).map(safeDecode).join("/");
          if (rest !== "") params[segment.name] = rest;
          return { params };
        }
        if (part === undefined) {
          if (!segment.optional) return undefined;
          continue;
        }
        params[segment.name] = safeDecode(part);
      }
      return parts.length <= segments.length ? { params } : undefined;
    },
  };
}

function splitPath(path: string): string[] {
  return path.split("/").filter((part) => part !== "");
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
