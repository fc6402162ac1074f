/**
 * Byte-level parsing of one CSV field (numbers, timestamps) straight from the read buffer, so
 * the loader never builds a string per value. Each parser returns NaN for text it does not
 * accept; the caller turns that into an error naming file, row and column.
 */

const ZERO = 48;
const NINE = 57;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;

/** Exact powers of ten: a mantissa below 2^53 divided by one of them is correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_EXACT = 2 ** 53;

const isDigit = (b: number): boolean => b >= ZERO && b <= NINE;

/**
 * Decimal number in buf[start, end): `[+-]digits[.digits][(e|E)[+-]digits]`, or the words
 * NaN / Inf / Infinity (case-insensitive, optionally signed), which some exporters write for
 * missing values and which validation then reports. Anything else gives null. (A number or
 * null, not an object, so that the hot loop allocates nothing.)
 */
export function parseNumber(buf: Uint8Array, start: number, end: number): number | null {
  let i = start;
  let negative = false;
  if (i < end && (buf[i] === MINUS || buf[i] === PLUS)) negative = buf[i++] === MINUS;
  let mantissa = 0;
  let digits = 0;
  let fraction = 0;
  while (i < end && isDigit(buf[i])) { mantissa = mantissa * 10 + (buf[i++] - ZERO); digits++; }
  if (i < end && buf[i] === DOT) {
    i++;
    while (i < end && isDigit(buf[i])) { mantissa = mantissa * 10 + (buf[i++] - ZERO); digits++; fraction++; }
  }
  if (digits === 0) return parseWord(buf, i, end, negative);
  let exponent = 0;
  if (i < end && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    let expNegative = false;
    if (i < end && (buf[i] === MINUS || buf[i] === PLUS)) expNegative = buf[i++] === MINUS;
    const expStart = i;
    while (i < end && isDigit(buf[i]) && i - expStart < 5) exponent = exponent * 10 + (buf[i++] - ZERO);
    if (i === expStart) return null;
    if (expNegative) exponent = -exponent;
  }
  if (i !== end) return null;
  const power = exponent - fraction;
  if (mantissa < MAX_EXACT && power >= -22 && power <= 22) {
    const value = power < 0 ? mantissa / POW10[-power] : mantissa * POW10[power];
    return negative ? -value : value;
  }
  // Outside the exact fast path (many digits, large exponent): let V8 round it correctly.
  const value = Number(fieldText(buf, start, end));
  return Number.isNaN(value) ? null : value;
}

function parseWord(buf: Uint8Array, start: number, end: number, negative: boolean): number | null {
  const word = fieldText(buf, start, end).toLowerCase();
  if (word === 'nan') return NaN;
  if (word === 'inf' || word === 'infinity') return negative ? -Infinity : Infinity;
  return null;
}

/** The bytes buf[start, end) as text (latin1: numbers and names are ASCII). */
export function fieldText(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}

/** Unit of a numeric timestamp column, decided once per file from the first data row. */
export type TimestampUnit = 's' | 'ms' | 'us' | 'ns';

/**
 * Numeric timestamps carry no unit, so it is inferred from the magnitude of the first value:
 * below 1e11 it is seconds (1e11 ms would be 1973-03-03, 1e11 s the year 5138), below 1e14
 * milliseconds, below 1e17 microseconds (Binance spot since 2025), else nanoseconds.
 */
export function timestampUnit(firstValue: number): TimestampUnit {
  const v = Math.abs(firstValue);
  if (v < 1e11) return 's';
  if (v < 1e14) return 'ms';
  if (v < 1e17) return 'us';
  return 'ns';
}

export const MS_PER_UNIT: Record<TimestampUnit, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

/** True when the field looks like an ISO-8601 date (`YYYY-`), not a number. */
export function looksLikeIsoDate(buf: Uint8Array, start: number, end: number): boolean {
  return end - start >= 10 && isDigit(buf[start]) && isDigit(buf[start + 3]) && buf[start + 4] === MINUS;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ISO-8601 `YYYY-MM-DD[(T| )HH:MM[:SS[.fff...]]][Z|+HH:MM|+HHMM|+HH]` to ms since the epoch.
 * A time without an offset is taken as UTC (the candle schema is UTC). NaN when malformed.
 */
export function parseIsoTimestamp(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  const num = (width: number): number => {
    if (i + width > end) return NaN;
    let v = 0;
    for (let k = 0; k < width; k++) {
      const b = buf[i + k];
      if (!isDigit(b)) return NaN;
      v = v * 10 + (b - ZERO);
    }
    i += width;
    return v;
  };
  const expect = (byte: number): boolean => (i < end && buf[i] === byte ? (i++, true) : false);
  const year = num(4);
  if (!expect(MINUS)) return NaN;
  const month = num(2);
  if (!expect(MINUS)) return NaN;
  const day = num(2);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= DAYS_IN_MONTH[month - 1])) return NaN;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return NaN;
  let hour = 0, minute = 0, second = 0, ms = 0, offsetMin = 0;
  if (i < end && (buf[i] === 84 || buf[i] === 116 || buf[i] === 32)) {
    i++;
    hour = num(2);
    if (!expect(58)) return NaN;
    minute = num(2);
    if (expect(58)) {
      second = num(2);
      if (expect(DOT) || expect(44)) {
        // Fractional seconds of any precision; only milliseconds are kept.
        let scale = 100;
        const fracStart = i;
        while (i < end && isDigit(buf[i])) { ms += (buf[i++] - ZERO) * scale; scale /= 10; }
        if (i === fracStart) return NaN;
      }
    }
    if (!(hour <= 23 && minute <= 59 && second <= 59)) return NaN;
    if (expect(90) || expect(122)) {
      // Z: UTC
    } else if (i < end && (buf[i] === PLUS || buf[i] === MINUS)) {
      const sign = buf[i++] === MINUS ? -1 : 1;
      const oh = num(2);
      expect(58);
      const om = i < end ? num(2) : 0;
      if (!(oh <= 23 && om <= 59)) return NaN;
      offsetMin = sign * (oh * 60 + om);
    }
  }
  if (i !== end || Number.isNaN(year + hour + minute + second)) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(ms) - offsetMin * 60000;
}
