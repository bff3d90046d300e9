import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, type CsvCell, csvCell, csvLine, exportToCsv } from './csv.js';
import type { ConsumerExport } from './export.js';

/** Reads one RFC 4180 record (the line without its CRLF) back into cells. */
function readRecord(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '' && !wasQuoted) {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      wasQuoted = false;
    } else if (ch === '"' || ch === '\r' || ch === '\n') throw new Error(`bare ${JSON.stringify(ch)} outside quotes at ${i}`);
    else cell += ch;
  }
  if (quoted) throw new Error('unterminated quote');
  cells.push(cell);
  return cells;
}

describe('CSV cells (RFC 4180, formula neutralisation)', () => {
  it.each<[string, CsvCell, string]>([
    ['plain text', 'kWh', 'kWh'],
    ['null', null, ''],
    ['a number', 1234.5, '1234.5'],
    ['a negative number stays a number', -0.25, '-0.25'],
    ['a comma', 'a,b', '"a,b"'],
    ['a double quote', 'say "hi"', '"say ""hi"""'],
    ['a line break', 'a\r\nb', '"a\r\nb"'],
    ['a formula', '=1+1', "'=1+1"],
    ['a plus', '+49 30 1234', "'+49 30 1234"],
    ['a minus in text', '-2+3', "'-2+3"],
    ['an at sign', '@SUM(A1)', "'@SUM(A1)"],
    ['a leading tab', '\t=1', "'\t=1"],
    ['a formula with a comma', '=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['a formula sign later in the text', 'a=b', 'a=b'],
  ])('%s', (_name, cell, text) => {
    expect(csvCell(cell)).toBe(text);
  });

  it('any row reads back cell for cell, text cells never start with a formula sign', () => {
    const cell = fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('=', '+', '-', '@', '"', ',', '\r\n', '\n'), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null));
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 8 }), (cells) => {
        const line = csvLine(cells);
        expect(line.endsWith('\r\n')).toBe(true);
        const back = readRecord(line.slice(0, -2));
        expect(back).toHaveLength(cells.length);
        cells.forEach((c, i) => {
          const got = back[i]!;
          if (c === null) expect(got).toBe('');
          else if (typeof c === 'number') expect(Number(got)).toBe(c === 0 ? 0 : c);
          else {
            expect(got).toBe(/^[=+\-@\t\r]/.test(c) ? `'${c}` : c);
            expect(got).not.toMatch(/^[=+\-@\t\r]/);
          }
        });
      }),
    );
  });
});

describe('export as CSV', () => {
  const x: ConsumerExport = {
    consumerId: 'c-1',
    exportedAt: '2026-11-23T12:00:00.000Z',
    registrations: [{ gateway: 'gw-1', meterId: '=m', protocol: 'wmbus', registeredAt: '2026-11-01T00:00:00.000Z', supersededAt: null, removedAt: null }],
    contracts: [
      {
        contractId: 'k-1',
        gateway: 'gw-1',
        meterId: '=m',
        consumerId: 'c-1',
        recipient: 'supplier-a',
        taf: 7,
        validFrom: '2026-01-01T00:00:00.000Z',
        validTo: '2027-01-01T00:00:00.000Z',
        issuedAt: '2026-11-01T00:00:00.000Z',
        removedAt: null,
        endedAt: null,
      },
    ],
    recipients: [
      {
        emt: 'supplier-a',
        messages: [
          {
            messageId: 'abc',
            provenance: 'direct',
            gateway: 'gw-1',
            pseudonym: null,
            meter: '=m',
            contractId: 'k-1',
            taf: 7,
            periodFrom: '2026-11-23T10:00:00.000Z',
            periodTo: '2026-11-23T10:15:00.000Z',
            signer: 'gw-1',
            receivedAt: '2026-11-23T10:16:00.000Z',
          },
        ],
        values: [{ messageId: 'abc', seq: 0, obis: '1-0:1.8.0', value: -1.5, unit: 'kWh, "net"', at: '2026-11-23T10:15:00.000Z', quality: null }],
      },
    ],
  };

  it('one header and one row per registration, contract, message and value, CRLF ended', () => {
    const text = exportToCsv(x);
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.slice(0, -2).split('\r\n').map(readRecord);
    expect(lines[0]).toEqual([...CSV_COLUMNS]);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    expect(lines.slice(1).map((l) => l[col('record')])).toEqual(['registration', 'contract', 'message', 'value']);
    for (const l of lines) expect(l).toHaveLength(CSV_COLUMNS.length);
    const value = lines[4]!;
    expect([value[col('meter')], value[col('value')], value[col('unit')], value[col('contract_id')]]).toEqual(["'=m", '-1.5', 'kWh, "net"', 'k-1']);
  });
});
