// The grammar of the server's log lines, for tests that read a whole run's
// stderr: LOG_FORMAT=text gives "<ts> level=<level> key=value ..." lines,
// LOG_FORMAT=json one JSON object a line.
import assert from 'node:assert/strict';

// A text line: "<ts> level=<level>" then fields key=value or key="value"
// and bare words; a quoted value holds no raw quote (log_write escapes
// them as \x22), so the line splits into fields one way only.
export const TEXT_LINE = /^\S+ level=(error|warn|info|debug)( (([A-Za-z_][A-Za-z0-9_.]*)=("[^"]*"|[^\s"]*)|[^\s="]+))*$/;

export const logLines = (text) => text.split('\n').filter((l) => l.trim() !== '');

const unescape = (v) => v.replace(/\\x([0-9a-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));

// The fields of a well-formed text line (TEXT_LINE) as an object, values
// unquoted and unescaped (\xHH); bare words are joined into msg, as the
// JSON format does.
export function textFields(line) {
  const o = { ts: line.slice(0, line.indexOf(' ')) };
  const words = [];
  const re = / (?:([A-Za-z_][A-Za-z0-9_.]*)=(?:"([^"]*)"|([^\s"]*))|([^\s="]+))/gy;
  re.lastIndex = o.ts.length;
  for (let m; (m = re.exec(line)) !== null;) {
    if (m[4] !== undefined) words.push(m[4]);
    else o[m[1]] = unescape(m[2] ?? m[3]);
  }
  if (words.length && o.msg === undefined) o.msg = words.join(' ');
  return o;
}

// Asserts that every line of text is one well-formed line of format
// ('text' or 'json'); returns them as objects ({level, ts, ...fields},
// text fields unescaped), so a test can look for what it expects.
export function parseLogLines(text, format) {
  const out = [];
  for (const l of logLines(text)) {
    if (format === 'json') {
      let o;
      assert.doesNotThrow(() => { o = JSON.parse(l); }, `not one JSON object: ${l}`);
      assert.ok(o !== null && typeof o === 'object' && !Array.isArray(o), l);
      assert.ok(['error', 'warn', 'info', 'debug'].includes(o.level), `level: ${l}`);
      assert.equal(typeof o.ts, 'string', l);
      out.push(o);
    } else {
      assert.match(l, TEXT_LINE, 'one well-formed key=value line');
      out.push(textFields(l));
    }
  }
  return out;
}
