/**
 * A small RFC 4180 CSV reader (pure): quoted fields with `""` escapes and line breaks inside
 * quotes, LF or CRLF line ends, a leading byte-order mark. Each record carries the line number
 * it starts on, so that messages can point at it.
 */

/** One CSV record. */
export interface CsvRecord {
  /** 1-based line number where the record starts. */
  line: number;
  fields: string[];
}

/** Records of `text`; blank lines are skipped. `unterminated` is the line of an unclosed quote, if any. */
export function parseCsv(text: string): { records: CsvRecord[]; unterminated: number | null } {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let fields: string[] = [];
  let field = '';
  let recordLine = 1;
  let inQuotes = false;
  let quoteLine = 0;
  let sawAnything = false;

  const endRecord = (): void => {
    fields.push(field);
    if (sawAnything || fields.length > 1 || field !== '') records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    sawAnything = false;
  };

  for (; i < text.length; i++) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field.trim() === '') {
      inQuotes = true;
      quoteLine = line;
      sawAnything = true;
      field = '';
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      sawAnything = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
    }
  }
  if (inQuotes) return { records, unterminated: quoteLine };
  if (sawAnything || field !== '') endRecord();
  return { records, unterminated: null };
}
