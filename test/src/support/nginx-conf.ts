/**
 * A reader for the nginx configurations nginx/render.mjs produces: enough of nginx's grammar
 * (words, quoted strings, comments, blocks) to check directives by their place in the tree
 * rather than by searching the text, where a header set in the wrong block would still match.
 */
export interface Directive {
  name: string;
  args: string[];
  /** The block's directives, for a directive that opens one (`location … { … }`). */
  block?: Directive[];
}

export function parseNginxConf(text: string): Directive[] {
  const tokens = tokenize(text);
  let at = 0;
  const readBlock = (closing: boolean): Directive[] => {
    const directives: Directive[] = [];
    let words: string[] = [];
    while (at < tokens.length) {
      const token = tokens[at++];
      if (token.kind === 'end') {
        if (words.length === 0) throw new Error('`;` without a directive');
        directives.push({ name: words[0], args: words.slice(1) });
        words = [];
      } else if (token.kind === 'open') {
        if (words.length === 0) throw new Error('`{` without a directive');
        directives.push({ name: words[0], args: words.slice(1), block: readBlock(true) });
        words = [];
      } else if (token.kind === 'close') {
        if (!closing || words.length > 0) throw new Error('unexpected `}`');
        return directives;
      } else {
        words.push(token.value);
      }
    }
    if (closing || words.length > 0) throw new Error('unexpected end of configuration');
    return directives;
  };
  return readBlock(false);
}

type Token = { kind: 'word'; value: string } | { kind: 'open' } | { kind: 'close' } | { kind: 'end' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else if (c === '{' || c === '}' || c === ';') {
      tokens.push(c === '{' ? { kind: 'open' } : c === '}' ? { kind: 'close' } : { kind: 'end' });
      i++;
    } else if (c === '"' || c === "'") {
      let value = '';
      for (i++; text[i] !== c; i++) {
        if (i >= text.length) throw new Error('unterminated string');
        if (text[i] === '\\' && text[i + 1] === c) i++;
        value += text[i];
      }
      i++;
      tokens.push({ kind: 'word', value });
    } else {
      let value = '';
      while (i < text.length && !/[\s{};]/.test(text[i])) value += text[i++];
      tokens.push({ kind: 'word', value });
    }
  }
  return tokens;
}

/** Every directive named `name` in `directives`, at any depth. */
export function findAll(directives: Directive[], name: string): Directive[] {
  return directives.flatMap((d) => [...(d.name === name ? [d] : []), ...findAll(d.block ?? [], name)]);
}

/** The directives named `name` directly inside `block` (not in nested blocks). */
export function own(block: Directive[] | undefined, name: string): Directive[] {
  return (block ?? []).filter((d) => d.name === name);
}

/** A location's headers set upstream, by lower-cased name: `proxy_set_header X-Real-IP $remote_addr` → x-real-ip. */
export function proxyHeaders(location: Directive): Map<string, string> {
  return new Map(own(location.block, 'proxy_set_header').map((d) => [d.args[0].toLowerCase(), d.args[1]]));
}

/** A location's `add_header` answers, by lower-cased name, with whether they carry `always`. */
export function addedHeaders(location: Directive): Map<string, { value: string; always: boolean }> {
  return new Map(
    own(location.block, 'add_header').map((d) => [d.args[0].toLowerCase(), { value: d.args[1], always: d.args[2] === 'always' }]),
  );
}

/** `location = /` → "= /"; `location /assets/` → "/assets/". */
export function locationName(location: Directive): string {
  return location.args.join(' ');
}
