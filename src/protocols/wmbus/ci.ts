/**
 * CI field values of the layers this decoder walks (EN 13757-3:2018 CI field list,
 * EN 13757-4 extended link layer, OMS vol. 2).
 */
export const CI = {
  /** 0x5A: command to device, short transport header */
  commandShort: 0x5a,
  /** 0x5B: command to device, long transport header */
  commandLong: 0x5b,
  /** 0x5F: specific usage, long transport header (OMS) */
  specificUsage: 0x5f,
  /** 0x72: EN 13757-3 application layer, long transport header */
  responseLong: 0x72,
  /** 0x73: compact frame, long transport header */
  compactLong: 0x73,
  /** 0x78: EN 13757-3 application layer, no transport header */
  responseNone: 0x78,
  /** 0x79: compact frame, no transport header */
  compactNone: 0x79,
  /** 0x7A: EN 13757-3 application layer, short transport header */
  responseShort: 0x7a,
  /** 0x7B: compact frame, short transport header */
  compactShort: 0x7b,
  /** 0x7C: DLMS/COSEM application layer, long transport header */
  cosemLong: 0x7c,
  /** 0x7D: DLMS/COSEM application layer, short transport header */
  cosemShort: 0x7d,
  /** 0x86: extended link layer V (variable length) */
  ellV: 0x86,
  /** 0x8C: extended link layer I: CC, ACC */
  ellI: 0x8c,
  /** 0x8D: extended link layer II: CC, ACC, SN, PLCRC */
  ellII: 0x8d,
  /** 0x8E: extended link layer III: CC, ACC, M2, A2 */
  ellIII: 0x8e,
  /** 0x8F: extended link layer IV: CC, ACC, M2, A2, SN, PLCRC */
  ellIV: 0x8f,
  /** 0x90: authentication and fragmentation layer */
  afl: 0x90,
} as const;

export const hex2 = (v: number): string => v.toString(16).toUpperCase().padStart(2, '0');
