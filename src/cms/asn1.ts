/**
 * ASN.1 structures that @peculiar/asn1-cms lacks, for writing: AuthEnvelopedData (RFC 5083), GCMParameters
 * (RFC 5084) and bare attribute values. Declared with @peculiar/asn1-schema like the package's own classes.
 */
import { Attribute, EncryptedContentInfo, OriginatorInfo, RecipientInfos } from '@peculiar/asn1-cms';
import { AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from '@peculiar/asn1-schema';

/**
 * RFC 5083 §2.1:
 * AuthEnvelopedData ::= SEQUENCE { version CMSVersion (0), originatorInfo [0] IMPLICIT OPTIONAL,
 *   recipientInfos RecipientInfos, authEncryptedContentInfo EncryptedContentInfo,
 *   authAttrs [1] IMPLICIT SET OF Attribute OPTIONAL, mac OCTET STRING, unauthAttrs [2] IMPLICIT OPTIONAL }
 */
export class AuthEnvelopedData {
  @AsnProp({ type: AsnPropTypes.Integer })
  version = 0;

  @AsnProp({ type: OriginatorInfo, context: 0, implicit: true, optional: true })
  originatorInfo?: OriginatorInfo;

  @AsnProp({ type: RecipientInfos })
  recipientInfos = new RecipientInfos();

  @AsnProp({ type: EncryptedContentInfo })
  authEncryptedContentInfo = new EncryptedContentInfo();

  @AsnProp({ type: Attribute, repeated: 'set', context: 1, implicit: true, optional: true })
  authAttrs?: Attribute[];

  @AsnProp({ type: OctetString })
  mac = new OctetString();

  @AsnProp({ type: Attribute, repeated: 'set', context: 2, implicit: true, optional: true })
  unauthAttrs?: Attribute[];

  constructor(params: Partial<AuthEnvelopedData> = {}) {
    Object.assign(this, params);
  }
}

/** RFC 5084 §3.2: GCMParameters ::= SEQUENCE { aes-nonce OCTET STRING (12 bytes advised), aes-ICVlen INTEGER DEFAULT 12 } */
export class GcmParameters {
  @AsnProp({ type: AsnPropTypes.OctetString })
  nonce: ArrayBuffer = new ArrayBuffer(0);

  @AsnProp({ type: AsnPropTypes.Integer, defaultValue: 12 })
  icvLength = 12;

  constructor(params: Partial<GcmParameters> = {}) {
    Object.assign(this, params);
  }
}

/** A bare OBJECT IDENTIFIER, as the value of the content-type attribute (RFC 5652 §11.1). */
@AsnType({ type: AsnTypeTypes.Choice })
export class OidValue {
  @AsnProp({ type: AsnPropTypes.ObjectIdentifier })
  oid = '';

  constructor(oid = '') {
    this.oid = oid;
  }
}

/** A bare UTF8String, as the value of our pseudonym attribute. */
@AsnType({ type: AsnTypeTypes.Choice })
export class Utf8Value {
  @AsnProp({ type: AsnPropTypes.Utf8String })
  text = '';

  constructor(text = '') {
    this.text = text;
  }
}
