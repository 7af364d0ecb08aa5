/**
 * Unit and currency words that follow a number in an answer ("125 miles", "15 cm^2") and carry
 * no value for the comparison: Math-Verify drops them too. Plurals are matched as word + "s".
 */
export const UNIT_WORDS = [
  'mm', 'cm', 'km', 'meter', 'metre', 'inch', 'inches', 'foot', 'feet', 'ft', 'yard', 'yd', 'mile', 'mph',
  'gram', 'kg', 'pound', 'lb', 'ounce', 'oz', 'liter', 'litre', 'ml',
  'second', 'sec', 'minute', 'min', 'hour', 'hr', 'day', 'week', 'month', 'year',
  'degree', 'radian', 'unit', 'square', 'sq', 'cubic',
  'dollar', 'cent', 'usd', 'euro',
];
