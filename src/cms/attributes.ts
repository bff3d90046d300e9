/** Signed attributes (RFC 5652 §5.3, §11): building them in DER order and reading them back. */
import { Attribute } from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Time } from '@peculiar/asn1-x509';
import { OidValue, Utf8Value } from './asn1.js';
import { TAG, type Tlv, childrenOf, contentOf, derElement, expectTag, oidOf, timeOf } from './der.js';
import { CmsError } from './errors.js';
import { ATTRIBUTE } from './oids.js';

export interface SignedAttributeValues {
  readonly contentType: string;
  readonly messageDigest: Uint8Array;
  readonly signingTime: Date;
  readonly pseudonym?: string;
}

/**
 * The signed attributes in DER SET OF order (sorted by encoding, X.690 §11.6) and the DER of that SET, which
 * is what the signature covers (RFC 5652 §5.4: the EXPLICIT SET OF tag, not the [0] IMPLICIT one).
 */
export function buildSignedAttributes(v: SignedAttributeValues): { readonly attributes: Attribute[]; readonly der: Uint8Array } {
  const attrs = [
    attribute(ATTRIBUTE.contentType, AsnConvert.serialize(new OidValue(v.contentType))),
    attribute(ATTRIBUTE.signingTime, AsnConvert.serialize(signingTime(v.signingTime))),
    attribute(ATTRIBUTE.messageDigest, AsnConvert.serialize(new OctetString(v.messageDigest))),
  ];
  if (v.pseudonym !== undefined) attrs.push(attribute(ATTRIBUTE.pseudonym, AsnConvert.serialize(new Utf8Value(v.pseudonym))));
  const encoded = attrs.map((a) => ({ a, der: Buffer.from(AsnConvert.serialize(a)) }));
  encoded.sort((x, y) => Buffer.compare(x.der, y.der));
  const body = Buffer.concat(encoded.map((e) => e.der));
  return { attributes: encoded.map((e) => e.a), der: derElement(TAG.set, body) };
}

export interface ReadAttributes {
  readonly contentType: string;
  readonly messageDigest: Uint8Array;
  readonly signingTime: Date | undefined;
  readonly pseudonym: string | undefined;
}

/**
 * The attributes we act on, from the DER of SignedAttributes ([0] IMPLICIT SET OF Attribute, Attribute ::=
 * SEQUENCE { attrType OID, attrValues SET OF ANY }). content-type and message-digest must each be present
 * once with one value (RFC 5652 §5.3); any attribute type may appear only once (§11).
 */
export function readSignedAttributes(b: Uint8Array, attrs: Tlv): ReadAttributes {
  const values = new Map<string, Tlv>();
  for (const a of childrenOf(b, attrs)) {
    const [type, set, extra] = childrenOf(b, expectTag(a, TAG.sequence, 'a signed attribute'));
    const oid = oidOf(b, type, 'a signed attribute type');
    const vs = childrenOf(b, expectTag(set, TAG.set, `the values of attribute ${oid}`));
    if (extra !== undefined || vs.length !== 1 || values.has(oid)) throw new CmsError('CMS_MALFORMED', `signed attribute ${oid} must appear once with one value`);
    values.set(oid, vs[0]!);
  }
  const ct = values.get(ATTRIBUTE.contentType);
  const md = values.get(ATTRIBUTE.messageDigest);
  if (ct === undefined || md === undefined) throw new CmsError('CMS_MALFORMED', 'the content-type or message-digest attribute is missing');
  const st = values.get(ATTRIBUTE.signingTime);
  const ps = values.get(ATTRIBUTE.pseudonym);
  return {
    contentType: oidOf(b, ct, 'the content-type attribute'),
    messageDigest: contentOf(b, expectTag(md, TAG.octetString, 'the message-digest attribute')),
    signingTime: st === undefined ? undefined : timeOf(b, st, 'the signing-time attribute'),
    pseudonym: ps === undefined ? undefined : utf8Of(b, expectTag(ps, TAG.utf8String, 'the pseudonym attribute')),
  };
}

// --- internal ---

function attribute(type: string, value: ArrayBuffer): Attribute {
  return new Attribute({ attrType: type, attrValues: [value] });
}

/** RFC 5652 §11.3: UTCTime for 1950-2049, GeneralizedTime otherwise; whole seconds. */
function signingTime(at: Date): Time {
  const t = new Date(Math.floor(at.getTime() / 1000) * 1000);
  const year = t.getUTCFullYear();
  return year >= 1950 && year < 2050 ? new Time({ utcTime: t }) : new Time({ generalTime: t });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function utf8Of(b: Uint8Array, t: Tlv): string {
  try {
    return utf8.decode(contentOf(b, t));
  } catch {
    throw new CmsError('CMS_MALFORMED', 'the pseudonym is not UTF-8');
  }
}
