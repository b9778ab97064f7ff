// Structural check of a template's markup before htm parses it: htm is lenient (any closing tag
// closes the open element), so mismatched or unclosed tags would silently render wrong HTML.
// Run once per call site; throws SB_ERR_TEMPLATE_SYNTAX naming the template's first line. It also
// self-closes void elements (`<br>` → `<br />`), which htm would otherwise leave open.

import { sbError } from "./errors.ts";

export const VOID_ELEMENTS = new Set([
  "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
]);

const FIELD = "\u0001"; // stands for a ${...} while checking
const nameChar = /[A-Za-z0-9_:.\-\u0001]/;

/** The template's first non-blank line, with fields shown as ${…}; used to name it in errors. */
export function firstLine(strings: readonly string[]): string {
  const text = strings.join("${…}");
  const line = text.split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

interface Open {
  name: string;
  line: number;
}

/** Checks the markup and returns the strings htm should parse: void elements self-closed. */
export function checkTemplate(strings: readonly string[]): readonly string[] {
  const src = strings.join(FIELD);
  const selfClose: number[] = []; // positions of the ">" of void elements written without "/"
  const fail = (detail: string): never => {
    throw sbError("SB_ERR_TEMPLATE_SYNTAX", firstLine(strings), detail);
  };
  const lineAt = (i: number) => src.slice(0, i).split("\n").length;
  const show = (name: string) => name.replaceAll(FIELD, "${…}");
  const stack: Open[] = [];
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    if (lt < 0) break;
    if (src.startsWith("<!--", lt)) {
      const end = src.indexOf("-->", lt + 4);
      if (end < 0) fail(`a comment opened on line ${lineAt(lt)} is never closed`);
      i = end + 3;
      continue;
    }
    const closing = src[lt + 1] === "/";
    // `<//>` closes whatever is open (htm's shorthand for closing a component).
    const shorthand = closing && src[lt + 2] === "/";
    let j = shorthand ? lt + 3 : closing ? lt + 2 : lt + 1;
    const nameStart = j;
    while (j < src.length && nameChar.test(src[j]!)) j++;
    const name = shorthand ? "/" : src.slice(nameStart, j).toLowerCase();
    if (closing) {
      const gt = src.indexOf(">", j);
      if (gt < 0 || src.slice(j, gt).trim() !== "") fail(`the closing tag on line ${lineAt(lt)} is not terminated by ">"`);
      if (VOID_ELEMENTS.has(name)) throw sbError("SB_ERR_TEMPLATE_VOID_CHILDREN", firstLine(strings), name);
      const open = stack.pop();
      if (!open) fail(`</${show(name)}> on line ${lineAt(lt)} closes nothing`);
      if (name !== "/" && name !== "" && name !== open!.name) {
        fail(`</${show(name)}> on line ${lineAt(lt)} does not match <${show(open!.name)}> opened on line ${open!.line}`);
      }
      i = gt + 1;
      continue;
    }
    if (name === "") fail(`a "<" on line ${lineAt(lt)} does not start a tag; write &lt; for a literal "<"`);
    // Scan the attributes up to the tag's ">", skipping quoted values.
    let quote = "";
    let k = j;
    for (; k < src.length; k++) {
      const c = src[k]!;
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === ">") {
        break;
      } else if (c === "<") {
        fail(`the tag <${show(name)}> on line ${lineAt(lt)} is not terminated by ">"`);
      }
    }
    if (k >= src.length) {
      fail(quote ? `a quoted attribute of <${show(name)}> on line ${lineAt(lt)} is never closed` : `the tag <${show(name)}> on line ${lineAt(lt)} is not terminated by ">"`);
    }
    const selfClosing = src[k - 1] === "/";
    if (!selfClosing && VOID_ELEMENTS.has(name)) selfClose.push(k);
    else if (!selfClosing) stack.push({ name, line: lineAt(lt) });
    i = k + 1;
  }
  const open = stack.pop();
  if (open) fail(`<${show(open.name)}> opened on line ${open.line} is never closed`);
  if (selfClose.length === 0) return strings;
  let out = "";
  let from = 0;
  for (const at of selfClose) {
    out += `${src.slice(from, at)} /`;
    from = at;
  }
  return (out + src.slice(from)).split(FIELD);
}
