export { type ObisCode, formatObis, obisFromBytes, parseObis } from './obis.js';
