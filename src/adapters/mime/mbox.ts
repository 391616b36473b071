// Splits an mbox file into its messages. The format is trivial (a "From " line at the start of a line
// opens each message), so a small splitter is used rather than a dependency.
// Bodies are unescaped the mboxrd way: one ">" is removed from any line matching /^>+From /. For mboxo
// files this also turns a quoted ">From " that was in the original body into "From ", the format's known
// ambiguity. A blank line before the next separator belongs to the format, not to the message.

const SEPARATOR = /^From /;
const ESCAPED_FROM = /^>+From /;

export function splitMbox(source: Buffer): Buffer[] {
  const text = source.toString("latin1"); // byte-preserving: each byte maps to one char and back
  const lines = text.split(/(?<=\n)/); // keep each line's own terminator (LF or CRLF)
  const messages: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (SEPARATOR.test(line)) {
      current = [];
      messages.push(current);
      continue;
    }
    // Content before the first separator is kept as a message only if it holds something.
    if (!current) {
      if (line.trim() === "") continue;
      current = [];
      messages.push(current);
    }
    current.push(ESCAPED_FROM.test(line) ? line.slice(1) : line);
  }
  return messages
    .map((m) => {
      const last = m[m.length - 1];
      if (last !== undefined && (last === "\n" || last === "\r\n")) m.pop();
      return Buffer.from(m.join(""), "latin1");
    })
    .filter((b) => b.toString("latin1").trim() !== "");
}
