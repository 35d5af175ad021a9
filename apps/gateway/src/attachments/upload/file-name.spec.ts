import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_NAME_BYTES, safeFileName } from './file-name';

const bytes = (text: string) => Buffer.byteLength(text);

describe('safeFileName', () => {
  it('keeps the last path segment, after either slash', () => {
    assert.equal(safeFileName('../../etc/passwd'), 'passwd');
    assert.equal(safeFileName('..\\..\\windows\\win.ini'), 'win.ini');
    assert.equal(safeFileName('/abs/path/photo.jpg'), 'photo.jpg');
  });

  it('never answers a path component, whitespace or nothing: "file"', () => {
    for (const raw of [undefined, '', '   ', '.', '..', '../', 'dir/..', 'a/', '\u202E\u0000'])
      assert.equal(safeFileName(raw), 'file', String(raw));
  });

  it('removes control, line-separator and bidi characters', () => {
    assert.equal(safeFileName('evil\r\nSet-Cookie: x.txt'), 'evilSet-Cookie: x.txt');
    assert.equal(safeFileName('a\u0000b\u0007c\u007f\u0085.txt'), 'abc.txt');
    assert.equal(safeFileName('abc\u202Egpj.exe'), 'abcgpj.exe');
    assert.equal(safeFileName('\u2066x\u2069\u200E\u200F\u061C\u2028\u2029.pdf'), 'x.pdf');
  });

  it('keeps what is only unusual: emoji with joiners, quotes, Korean, Arabic', () => {
    for (const name of ['👩‍👩‍👧 family.png', 'say "hi"; ok.txt', '보고서.pdf', 'تقرير.docx']) assert.equal(safeFileName(name), name);
  });

  it('normalises to NFC', () => {
    assert.equal(safeFileName('e\u0301te\u0301.txt'), '\u00e9t\u00e9.txt');
    assert.equal(safeFileName('\u1100\u1161\u11a8.txt'), '각.txt');
  });

  it('cuts a long name to at most 255 UTF-8 bytes between characters, keeping its extension', () => {
    const latin = safeFileName(`${'a'.repeat(1000)}.pdf`);
    assert.equal(latin, `${'a'.repeat(MAX_NAME_BYTES - 4)}.pdf`);

    const korean = safeFileName(`${'한'.repeat(1000)}.txt`); // 3 bytes each
    assert.ok(bytes(korean) <= MAX_NAME_BYTES);
    assert.equal(korean, `${'한'.repeat(Math.floor((MAX_NAME_BYTES - 4) / 3))}.txt`);

    // 18 bytes, one character of five code points: 10 + 13 × 18 = 244, and the next family would
    // have its first three code points fit (255) and the rest cut off.
    const family = '👩‍👩‍👧';
    assert.equal(safeFileName(`${'x'.repeat(10)}${family.repeat(100)}`), `${'x'.repeat(10)}${family.repeat(13)}`);
  });

  it('cuts a long "extension" with the rest', () => {
    const name = safeFileName(`report.${'x'.repeat(1000)}`);
    assert.equal(name, `report.${'x'.repeat(MAX_NAME_BYTES - 7)}`);
  });

  it('keeps a name of exactly 255 bytes', () => {
    const name = `${'가'.repeat(84)}xyz`; // 252 + 3
    assert.equal(safeFileName(name), name);
  });
});
