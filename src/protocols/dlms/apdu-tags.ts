/**
 * xDLMS APDU tags: the xDLMS-APDU CHOICE of IEC 62056-5-3 (DLMS UA Green Book, clause 9.5 "ASN.1 of xDLMS").
 * Service-specific ciphered tags come in a global (glo-) and a dedicated (ded-) key flavour.
 */
export const APDU_TAG = {
  initiateRequest: 0x01, // [1]
  readRequest: 0x05, // [5] short-name referencing
  writeRequest: 0x06, // [6]
  initiateResponse: 0x08, // [8]
  readResponse: 0x0c, // [12]
  writeResponse: 0x0d, // [13]
  confirmedServiceError: 0x0e, // [14]
  dataNotification: 0x0f, // [15]
  unconfirmedWriteRequest: 0x16, // [22]
  informationReportRequest: 0x18, // [24]
  getRequest: 0xc0, // [192]
  setRequest: 0xc1, // [193]
  eventNotificationRequest: 0xc2, // [194]
  actionRequest: 0xc3, // [195]
  getResponse: 0xc4, // [196]
  setResponse: 0xc5, // [197]
  actionResponse: 0xc7, // [199]
  exceptionResponse: 0xd8, // [216]
  accessRequest: 0xd9, // [217]
  accessResponse: 0xda, // [218]
  generalGloCiphering: 0xdb, // [219] system title + ciphered content
  generalDedCiphering: 0xdc, // [220]
  generalCiphering: 0xdd, // [221] key agreement and key transport (suites 1/2 key info)
  generalSigning: 0xdf, // [223] ECDSA (suites 1/2)
  generalBlockTransfer: 0xe0, // [224]
} as const;

/** A service whose APDU has its own glo- and ded- ciphered tags (Green Book 9.5, the glo-/ded- alternatives). */
export interface CipheredServiceTag {
  readonly service: string;
  readonly plain: number;
  readonly glo: number;
  readonly ded: number;
}

export const CIPHERED_SERVICE_TAGS: readonly CipheredServiceTag[] = [
  { service: 'initiate-request', plain: 0x01, glo: 0x21, ded: 0x41 }, // [33] / [65]
  { service: 'read-request', plain: 0x05, glo: 0x25, ded: 0x45 }, // [37] / [69]
  { service: 'write-request', plain: 0x06, glo: 0x26, ded: 0x46 }, // [38] / [70]
  { service: 'initiate-response', plain: 0x08, glo: 0x28, ded: 0x48 }, // [40] / [72]
  { service: 'read-response', plain: 0x0c, glo: 0x2c, ded: 0x4c }, // [44] / [76]
  { service: 'write-response', plain: 0x0d, glo: 0x2d, ded: 0x4d }, // [45] / [77]
  { service: 'confirmed-service-error', plain: 0x0e, glo: 0x2e, ded: 0x4e }, // [46] / [78]
  { service: 'unconfirmed-write-request', plain: 0x16, glo: 0x36, ded: 0x56 }, // [54] / [86]
  { service: 'information-report-request', plain: 0x18, glo: 0x38, ded: 0x58 }, // [56] / [88]
  { service: 'get-request', plain: 0xc0, glo: 0xc8, ded: 0xd0 }, // [200] / [208]
  { service: 'set-request', plain: 0xc1, glo: 0xc9, ded: 0xd1 }, // [201] / [209]
  { service: 'event-notification-request', plain: 0xc2, glo: 0xca, ded: 0xd2 }, // [202] / [210]
  { service: 'action-request', plain: 0xc3, glo: 0xcb, ded: 0xd3 }, // [203] / [211]
  { service: 'get-response', plain: 0xc4, glo: 0xcc, ded: 0xd4 }, // [204] / [212]
  { service: 'set-response', plain: 0xc5, glo: 0xcd, ded: 0xd5 }, // [205] / [213]
  { service: 'action-response', plain: 0xc7, glo: 0xcf, ded: 0xd7 }, // [207] / [215]
];

export type KeyScope = 'glo' | 'ded';

/** The service and key scope of a service-specific ciphered tag, or undefined. */
export function cipheredServiceOf(tag: number): { readonly entry: CipheredServiceTag; readonly scope: KeyScope } | undefined {
  for (const entry of CIPHERED_SERVICE_TAGS) {
    if (entry.glo === tag) return { entry, scope: 'glo' };
    if (entry.ded === tag) return { entry, scope: 'ded' };
  }
  return undefined;
}

const PLAIN_TAGS: ReadonlySet<number> = new Set<number>([
  APDU_TAG.initiateRequest,
  APDU_TAG.readRequest,
  APDU_TAG.writeRequest,
  APDU_TAG.initiateResponse,
  APDU_TAG.readResponse,
  APDU_TAG.writeResponse,
  APDU_TAG.confirmedServiceError,
  APDU_TAG.dataNotification,
  APDU_TAG.unconfirmedWriteRequest,
  APDU_TAG.informationReportRequest,
  APDU_TAG.getRequest,
  APDU_TAG.setRequest,
  APDU_TAG.eventNotificationRequest,
  APDU_TAG.actionRequest,
  APDU_TAG.getResponse,
  APDU_TAG.setResponse,
  APDU_TAG.actionResponse,
  APDU_TAG.exceptionResponse,
  APDU_TAG.accessRequest,
  APDU_TAG.accessResponse,
  APDU_TAG.generalBlockTransfer,
]);

/** Whether a byte starts an unciphered xDLMS APDU (used to spot a wrong key on encryption-only frames). */
export const isPlainApduTag = (tag: number): boolean => PLAIN_TAGS.has(tag);
