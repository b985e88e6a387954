/**
 * Calico's selector language, as IPPool `nodeSelector` and BGPPeer
 * `nodeSelector`/`peerSelector` take it: a strict parser that accepts the
 * documented grammar and nothing else, so a selector Calico would reject (or
 * read differently) is a problem at plan time, not a calico-node log line.
 *
 *   expr    := and ("||" and)*
 *   and     := unary ("&&" unary)*
 *   unary   := "!" unary | primary
 *   primary := "(" expr ")" | "all()" | "has(" key ")" | key test
 *   test    := ("==" | "!=" | "contains" | "starts with" | "ends with") string
 *            | "in" set | "not in" set
 *   set     := "{" [string ("," string)*] "}"
 *   string  := '...' | "..."   (no escapes; no control characters)
 *
 * `global()` is left out: it selects namespaces, not nodes.
 * @see https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors
 */
import { isLabelKey } from "../shared/names.js";
import { type Problems, show } from "../shared/problems.js";

/** The characters a label key may be made of (checked against the key rule after tokenizing). */
const KEY_CHARS = /[A-Za-z0-9_./-]/;
const SPACE = /[ \t]/;

type Token =
  | { readonly t: "op"; readonly v: string; readonly at: number }
  | { readonly t: "key"; readonly v: string; readonly at: number }
  | { readonly t: "str"; readonly v: string; readonly at: number }
  | { readonly t: "end"; readonly at: number };

class SelectorSyntaxError extends Error {}

const OPERATORS = ["&&", "||", "==", "!=", "!", "(", ")", "{", "}", ","];

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i] as string;
    if (SPACE.test(ch)) {
      i++;
      continue;
    }
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f)
      throw new SelectorSyntaxError(`control character U+${code.toString(16).padStart(4, "0")} at ${i + 1}`);
    if (ch === "'" || ch === '"') {
      const close = s.indexOf(ch, i + 1);
      if (close < 0) throw new SelectorSyntaxError(`unterminated string starting at ${i + 1}`);
      const v = s.slice(i + 1, close);
      const bad = [...v].findIndex((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
      if (bad >= 0) throw new SelectorSyntaxError(`control character in the string starting at ${i + 1}`);
      out.push({ t: "str", v, at: i + 1 });
      i = close + 1;
      continue;
    }
    const op = OPERATORS.find((o) => s.startsWith(o, i));
    if (op !== undefined) {
      out.push({ t: "op", v: op, at: i + 1 });
      i += op.length;
      continue;
    }
    if (KEY_CHARS.test(ch)) {
      let j = i;
      while (j < s.length && KEY_CHARS.test(s[j] as string)) j++;
      out.push({ t: "key", v: s.slice(i, j), at: i + 1 });
      i = j;
      continue;
    }
    throw new SelectorSyntaxError(`unexpected ${JSON.stringify(ch)} at ${i + 1}`);
  }
  out.push({ t: "end", at: s.length + 1 });
  return out;
}

function describe(tok: Token): string {
  return tok.t === "end" ? "the end" : `${tok.t === "str" ? JSON.stringify(tok.v) : `"${tok.v}"`} at ${tok.at}`;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: readonly Token[]) {}

  private peek(offset = 0): Token {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)] as Token;
  }
  private next(): Token {
    const tok = this.peek();
    if (tok.t !== "end") this.i++;
    return tok;
  }
  private isOp(v: string, offset = 0): boolean {
    const tok = this.peek(offset);
    return tok.t === "op" && tok.v === v;
  }
  private isWord(v: string, offset = 0): boolean {
    const tok = this.peek(offset);
    return tok.t === "key" && tok.v === v;
  }
  private expectOp(v: string, what: string): void {
    if (!this.isOp(v)) throw new SelectorSyntaxError(`expected ${what}, found ${describe(this.peek())}`);
    this.next();
  }
  private string(after: string): void {
    const tok = this.next();
    if (tok.t !== "str") throw new SelectorSyntaxError(`expected a quoted string after ${after}, found ${describe(tok)}`);
  }
  private key(tok: Token): string {
    if (tok.t !== "key") throw new SelectorSyntaxError(`expected a label key, found ${describe(tok)}`);
    if (!isLabelKey(tok.v)) throw new SelectorSyntaxError(`"${tok.v}" at ${tok.at} is not a label key ([prefix/]name)`);
    return tok.v;
  }

  parse(): void {
    this.or();
    const rest = this.peek();
    if (rest.t !== "end") {
      throw new SelectorSyntaxError(rest.t === "op" && rest.v === ")" ? `unbalanced ")" at ${rest.at}` : `unexpected ${describe(rest)}`);
    }
  }
  private or(): void {
    this.and();
    while (this.isOp("||")) {
      this.next();
      this.and();
    }
  }
  private and(): void {
    this.unary();
    while (this.isOp("&&")) {
      this.next();
      this.unary();
    }
  }
  private unary(): void {
    if (this.isOp("!")) {
      this.next();
      this.unary();
      return;
    }
    this.primary();
  }
  private primary(): void {
    const tok = this.peek();
    if (this.isOp("(")) {
      this.next();
      this.or();
      if (!this.isOp(")")) throw new SelectorSyntaxError(`unbalanced "(" at ${tok.at}: expected ")", found ${describe(this.peek())}`);
      this.next();
      return;
    }
    if ((this.isWord("all") || this.isWord("has")) && this.isOp("(", 1)) {
      this.next();
      this.next();
      if (tok.t === "key" && tok.v === "has") this.key(this.next());
      this.expectOp(")", `")" to close ${tok.t === "key" ? tok.v : ""}(`);
      return;
    }
    if (this.isWord("global") && this.isOp("(", 1)) {
      throw new SelectorSyntaxError(`global() at ${tok.at} selects namespaces, not nodes`);
    }
    this.key(this.next());
    const op = this.next();
    if (op.t === "op" && (op.v === "==" || op.v === "!=")) {
      this.string(`"${op.v}"`);
      return;
    }
    if (op.t === "key" && op.v === "contains") {
      this.string('"contains"');
      return;
    }
    if (op.t === "key" && (op.v === "starts" || op.v === "ends")) {
      const w = this.next();
      if (w.t !== "key" || w.v !== "with") throw new SelectorSyntaxError(`expected "with" after "${op.v}", found ${describe(w)}`);
      this.string(`"${op.v} with"`);
      return;
    }
    if (op.t === "key" && op.v === "not") {
      const w = this.next();
      if (w.t !== "key" || w.v !== "in") throw new SelectorSyntaxError(`expected "in" after "not", found ${describe(w)}`);
      this.set();
      return;
    }
    if (op.t === "key" && op.v === "in") {
      this.set();
      return;
    }
    throw new SelectorSyntaxError(
      `expected an operator (==, !=, in, not in, contains, starts with, ends with) after the label key, found ${describe(op)}`,
    );
  }
  private set(): void {
    this.expectOp("{", '"{" to open the set');
    if (this.isOp("}")) {
      this.next();
      return;
    }
    for (;;) {
      this.string('"{" or ","');
      if (this.isOp("}")) {
        this.next();
        return;
      }
      this.expectOp(",", '"," or "}" in the set');
    }
  }
}

/** Why `selector` is not a Calico selector, or undefined when it is one. */
export function calicoSelectorError(selector: string): string | undefined {
  if (selector.trim() === "") return "it is empty";
  if (selector.length > 1024) return `it is ${selector.length} characters long (at most 1024)`;
  try {
    new Parser(tokenize(selector)).parse();
    return undefined;
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return e.message;
    throw e;
  }
}

/** Reports a selector Calico would not accept; returns whether it is valid. */
export function checkCalicoSelector(selector: string, path: string, p: Problems): boolean {
  const why = calicoSelectorError(selector);
  if (why === undefined) return true;
  p.error(
    path,
    "calico.selector",
    `${path}: ${show(selector)} is not a Calico selector (${why}); write e.g. "all()", "has(rack)" or "zone == 'a' && !has(edge)" (labels and quoted values joined with ==, !=, in {...}, not in {...}, &&, ||, !)`,
  );
  return false;
}
