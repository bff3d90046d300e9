/**
 * KeyAgreeRecipientInfo with ephemeral-static ECDH (RFC 5753 §3.1): the sender makes a fresh key pair on the
 * recipient's curve, derives a KEK with the X9.63 KDF and wraps the content-encryption key with AES key wrap
 * (RFC 3394). The recipient's side of the ECDH runs inside the security module.
 */
import {
  KeyAgreeRecipientIdentifier,
  KeyAgreeRecipientInfo,
  KeyEncryptionAlgorithmIdentifier,
  OriginatorIdentifierOrKey,
  OriginatorPublicKey,
  RecipientEncryptedKey,
  RecipientEncryptedKeys,
  RecipientInfo,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import type { X509Certificate } from '@peculiar/x509';
import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { pointFromPublicKey } from '../crypto/ec-keys.js';
import { CURVE_OPENSSL_NAME, type SecurityModule } from '../crypto/security-module.js';
import { certKey, issuerAndSerialOf, matchesIssuerAndSerial, matchesSubjectKeyId } from './certs.js';
import { TAG, type Tlv, childrenOf, contentOf, expectTag, oidOf, toArrayBuffer, wholeOf } from './der.js';
import { CmsError } from './errors.js';
import { type KdfHash, eccCmsSharedInfo, x963Kdf } from './kdf.js';
import { ID_EC_PUBLIC_KEY, KEY_AGREEMENT, KEY_WRAP } from './oids.js';
import { viaSecurityModule } from './sm-errors.js';

/** The KDF hash of each dhSinglePass-stdDH scheme we read; we write sha256kdf. */
const KDF_HASH_BY_SCHEME: Readonly<Record<string, KdfHash>> = {
  [KEY_AGREEMENT.sha1]: 'sha1',
  [KEY_AGREEMENT.sha224]: 'sha224',
  [KEY_AGREEMENT.sha256]: 'sha256',
  [KEY_AGREEMENT.sha384]: 'sha384',
  [KEY_AGREEMENT.sha512]: 'sha512',
};

/** node:crypto cipher and KEK length of each AES key-wrap OID. */
const WRAP_BY_OID: Readonly<Record<string, { readonly cipher: string; readonly kekBytes: number }>> = {
  [KEY_WRAP.aes128]: { cipher: 'id-aes128-wrap', kekBytes: 16 },
  [KEY_WRAP.aes192]: { cipher: 'id-aes192-wrap', kekBytes: 24 },
  [KEY_WRAP.aes256]: { cipher: 'id-aes256-wrap', kekBytes: 32 },
};

/** RFC 3394 §2.2.3.1 default initial value. */
const WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/** The recipient side: whose key in the security module opens the message, and its encryption certificate. */
export interface RecipientKey {
  readonly sm: SecurityModule;
  readonly keyLabel: string;
  readonly cert: X509Certificate;
}

/**
 * One KeyAgreeRecipientInfo wrapping `cek` for `recipient`. The ephemeral private key lives only in this call
 * (node:crypto): it is the sender's one-time value, not a key of ours, so it never enters the security module.
 */
export function keyAgreeRecipientInfo(cek: Uint8Array, recipient: X509Certificate): RecipientInfo {
  const facts = certKey(recipient);
  const eph = generateKeyPairSync('ec', { namedCurve: CURVE_OPENSSL_NAME[facts.curve] });
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: facts.publicKey });
  const keyWrap = new AlgorithmIdentifier({ algorithm: KEY_WRAP.aes128 });
  const keyWrapDer = new Uint8Array(AsnConvert.serialize(keyWrap));
  const kek = x963Kdf('sha256', z, eccCmsSharedInfo(keyWrapDer, 16), 16);
  const wrapped = wrap('id-aes128-wrap', kek, cek);
  return new RecipientInfo({
    kari: new KeyAgreeRecipientInfo({
      version: 3, // RFC 5652 §6.2.2: always 3
      originator: new OriginatorIdentifierOrKey({
        // RFC 5753 §3.1.1: id-ecPublicKey with absent parameters; the curve is the recipient's.
        originatorKey: new OriginatorPublicKey({
          algorithm: new AlgorithmIdentifier({ algorithm: ID_EC_PUBLIC_KEY }),
          publicKey: pointFromPublicKey(eph.publicKey).slice().buffer,
        }),
      }),
      keyEncryptionAlgorithm: new KeyEncryptionAlgorithmIdentifier({
        algorithm: KEY_AGREEMENT.sha256,
        parameters: toArrayBuffer(keyWrapDer),
      }),
      recipientEncryptedKeys: new RecipientEncryptedKeys([
        new RecipientEncryptedKey({
          rid: new KeyAgreeRecipientIdentifier({ issuerAndSerialNumber: issuerAndSerialOf(recipient) }),
          encryptedKey: new OctetString(wrapped),
        }),
      ]),
    }),
  });
}

/**
 * The content-encryption key from the RecipientInfo addressed to `me`, given the DER of RecipientInfos (a SET):
 * CMS_WRONG_RECIPIENT when none is, CMS_WRONG_KEY when the unwrap integrity check fails (our key does not
 * belong to that certificate).
 */
export async function unwrapContentKey(b: Uint8Array, infos: Tlv, me: RecipientKey): Promise<Uint8Array> {
  for (const info of childrenOf(b, expectTag(infos, TAG.set, 'the RecipientInfos'))) {
    // RFC 5652 §6.2: kari is [1]; ktri (a SEQUENCE), kekri [2], pwri [3], ori [4] cannot be ours.
    if (info.tag !== TAG.cons1) continue;
    const kari = readKari(b, info);
    const entry = kari.encryptedKeys.find((k) => ridNames(k.rid, me.cert));
    if (entry !== undefined) return openKari(kari, entry.encryptedKey, me);
  }
  throw new CmsError('CMS_WRONG_RECIPIENT', 'no RecipientInfo names our encryption certificate');
}

type Rid = { readonly kind: 'issuer-serial'; readonly issuer: Uint8Array; readonly serial: Uint8Array } | { readonly kind: 'ski'; readonly ski: Uint8Array };

interface Kari {
  readonly scheme: string;
  /** DER of the key-wrap AlgorithmIdentifier exactly as sent: it enters the KDF's SharedInfo. */
  readonly keyWrapDer: Uint8Array;
  readonly keyWrapOid: string;
  /** The originator's ephemeral point, or undefined when the originator is named by certificate. */
  readonly originatorPoint: Uint8Array | undefined;
  readonly originatorAlgorithm: string | undefined;
  readonly ukm: Uint8Array | undefined;
  readonly encryptedKeys: ReadonlyArray<{ readonly rid: Rid; readonly encryptedKey: Uint8Array }>;
}

/**
 * KeyAgreeRecipientInfo ::= [1] IMPLICIT SEQUENCE { version INTEGER (3), originator [0] EXPLICIT
 *   OriginatorIdentifierOrKey, ukm [1] EXPLICIT OCTET STRING OPTIONAL, keyEncryptionAlgorithm AlgorithmIdentifier,
 *   recipientEncryptedKeys SEQUENCE OF SEQUENCE { rid, encryptedKey OCTET STRING } } (RFC 5652 §6.2.2)
 */
function readKari(b: Uint8Array, kari: Tlv): Kari {
  const f = childrenOf(b, kari);
  expectTag(f[0], TAG.integer, 'the KeyAgreeRecipientInfo version');
  const originatorWrapper = expectTag(f[1], TAG.cons0, 'the KeyAgreeRecipientInfo originator');
  let at = 2;
  let ukm: Uint8Array | undefined;
  if (f[at]?.tag === TAG.cons1) {
    ukm = contentOf(b, expectTag(childrenOf(b, f[at]!)[0], TAG.octetString, 'the ukm'));
    at++;
  }
  const keyEnc = childrenOf(b, expectTag(f[at], TAG.sequence, 'the key agreement algorithm'));
  const keys = expectTag(f[at + 1], TAG.sequence, 'the RecipientEncryptedKeys');
  if (f.length !== at + 2) throw new CmsError('CMS_MALFORMED', 'unexpected field in the KeyAgreeRecipientInfo');
  const keyWrap = expectTag(keyEnc[1], TAG.sequence, 'the key-wrap algorithm parameter');

  // OriginatorIdentifierOrKey: originatorKey [1] IMPLICIT SEQUENCE { algorithm, publicKey BIT STRING } is ephemeral-static.
  const originator = childrenOf(b, originatorWrapper)[0];
  let originatorPoint: Uint8Array | undefined;
  let originatorAlgorithm: string | undefined;
  if (originator?.tag === TAG.cons1) {
    const [alg, bits] = childrenOf(b, originator);
    originatorAlgorithm = oidOf(b, childrenOf(b, expectTag(alg, TAG.sequence, 'the originator key algorithm'))[0], 'the originator key algorithm');
    const bitString = contentOf(b, expectTag(bits, TAG.bitString, 'the originator public key'));
    if (bitString[0] !== 0) throw new CmsError('CMS_MALFORMED', 'the originator public key has unused bits');
    originatorPoint = bitString.subarray(1);
  }
  return {
    scheme: oidOf(b, keyEnc[0], 'the key agreement algorithm'),
    keyWrapDer: wholeOf(b, keyWrap),
    keyWrapOid: oidOf(b, childrenOf(b, keyWrap)[0], 'the key-wrap algorithm'),
    originatorPoint,
    originatorAlgorithm,
    ukm,
    encryptedKeys: childrenOf(b, keys).map((k) => {
      const [rid, ek] = childrenOf(b, expectTag(k, TAG.sequence, 'a RecipientEncryptedKey'));
      return { rid: readRid(b, rid), encryptedKey: contentOf(b, expectTag(ek, TAG.octetString, 'an encrypted key')) };
    }),
  };
}

/** KeyAgreeRecipientIdentifier ::= CHOICE { issuerAndSerialNumber SEQUENCE, rKeyId [0] IMPLICIT SEQUENCE { ski OCTET STRING, ... } } */
function readRid(b: Uint8Array, rid: Tlv | undefined): Rid {
  if (rid?.tag === TAG.sequence) {
    const [issuer, serial] = childrenOf(b, rid);
    return { kind: 'issuer-serial', issuer: wholeOf(b, expectTag(issuer, TAG.sequence, 'the recipient issuer')), serial: contentOf(b, expectTag(serial, TAG.integer, 'the recipient serial')) };
  }
  const ski = childrenOf(b, expectTag(rid, TAG.cons0, 'the recipient identifier'))[0];
  return { kind: 'ski', ski: contentOf(b, expectTag(ski, TAG.octetString, 'the recipient key identifier')) };
}

async function openKari(kari: Kari, encryptedKey: Uint8Array, me: RecipientKey): Promise<Uint8Array> {
  const kdfHash = KDF_HASH_BY_SCHEME[kari.scheme];
  if (kdfHash === undefined) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `key agreement ${kari.scheme} is not offered`);
  const wrapAlg = WRAP_BY_OID[kari.keyWrapOid];
  if (wrapAlg === undefined) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `key wrap ${kari.keyWrapOid} is not offered`);
  if (kari.originatorPoint === undefined) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', 'only ephemeral-static key agreement (originatorKey) is offered');
  if (kari.originatorAlgorithm !== ID_EC_PUBLIC_KEY) throw new CmsError('CMS_UNSUPPORTED_ALGORITHM', `originator key type ${String(kari.originatorAlgorithm)} is not EC`);
  const z = await viaSecurityModule(me.sm.deriveSharedSecret(me.keyLabel, kari.originatorPoint), me.keyLabel);
  const kek = x963Kdf(kdfHash, z, eccCmsSharedInfo(kari.keyWrapDer, wrapAlg.kekBytes, kari.ukm), wrapAlg.kekBytes);
  try {
    const decipher = createDecipheriv(wrapAlg.cipher, kek, WRAP_IV);
    return new Uint8Array(Buffer.concat([decipher.update(encryptedKey), decipher.final()]));
  } catch (e) {
    throw new CmsError('CMS_WRONG_KEY', 'the content-encryption key does not unwrap: our key does not match the certificate the message names', { cause: e });
  }
}

function ridNames(rid: Rid, cert: X509Certificate): boolean {
  return rid.kind === 'issuer-serial' ? matchesIssuerAndSerial(cert, rid.issuer, rid.serial) : matchesSubjectKeyId(cert, rid.ski);
}

function wrap(cipher: string, kek: Uint8Array, cek: Uint8Array): Uint8Array {
  const c = createCipheriv(cipher, kek, WRAP_IV);
  return new Uint8Array(Buffer.concat([c.update(cek), c.final()]));
}
