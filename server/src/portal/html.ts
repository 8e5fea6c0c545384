import escapeHtml from 'escape-html';

/** Markup that is already safe: a template's result, or trusted SVG from a library. */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

type Part = string | number | null | undefined | false | Html | Part[];

const render = (part: Part): string =>
  part === null || part === undefined || part === false ? '' : part instanceof Html ? part.value : Array.isArray(part) ? part.map(render).join('') : escapeHtml(String(part));

/** A template whose interpolated values are escaped, unless they are `Html` themselves; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  return new Html(strings.reduce((out, string, index) => out + string + (index < values.length ? render(values[index]) : ''), ''));
}
