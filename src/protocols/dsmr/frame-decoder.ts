/**
 * The `decode` command's view of DSMR P1: telegram text (several per file) or encrypted P1 frames as hex,
 * one per line.
 */
import { hexToBytes } from '../bytes.js';
import type { DecodeKeys, DecodeSession, FrameDecoder } from '../decoder.js';
import { CodecError } from '../errors.js';
import type { DecodedFrame, MeterIdentity, SecurityVerdict } from '../reading.js';
import { type EncryptedP1, EncryptedP1Decoder, isEncryptedP1, type P1Keys } from './encrypted.js';
import { DsmrTelegramParser } from './parser.js';
import { interpretTelegram } from './readings.js';
import type { DsmrTelegram } from './telegram.js';

const HEX_LINE_RE = /^[0-9A-Fa-f]+$/;
/** Encrypted P1 as hex starts with the general-glo-ciphering tag and the system-title length: DB 08. */
const ENCRYPTED_HEX_RE = /^\s*DB08/i;

/** Cut file text into telegrams ('/' .. the '!' line, exact text kept for the CRC) and hex frame lines. */
export function splitDsmr(text: string): string[] {
  const out: string[] = [];
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (current !== undefined) {
      current.push(line);
      if (line.startsWith('!')) {
        out.push(`${current.join('\n')}\n`);
        current = undefined;
      }
      continue;
    }
    const trimmed = line.trim();
    if (line.startsWith('/')) current = [line];
    else if (trimmed.length > 0 && HEX_LINE_RE.test(trimmed)) out.push(trimmed);
  }
  // An unfinished telegram is still handed on, so that it is reported (CODEC_TRUNCATED) rather than lost.
  if (current !== undefined) out.push(current.join('\n'));
  return out;
}

const sniffDsmr = (frame: string): boolean => frame.trimStart().startsWith('/') || ENCRYPTED_HEX_RE.test(frame);

const encryptionLayer = (enc: EncryptedP1) => ({ systemTitle: enc.systemTitle, invocationCounter: enc.invocationCounter, securityControl: enc.securityControl });
const verdictOf = (enc: EncryptedP1): SecurityVerdict => (enc.authenticated ? 'decrypted-authenticated' : 'decrypted');

/** An encrypted frame that carried an xDLMS APDU: readings as the DLMS module found them. */
function apduToDecoded(enc: EncryptedP1, content: Extract<EncryptedP1['content'], { kind: 'dlms-apdu' }>): DecodedFrame {
  return {
    protocol: 'dsmr',
    meter: { systemTitle: enc.systemTitle },
    security: 'suite0',
    verdict: verdictOf(enc),
    readings: content.readings,
    warnings: [],
    layers: { encryption: encryptionLayer(enc), apdu: content.apdu },
  };
}

function toDecoded(telegram: DsmrTelegram, enc: EncryptedP1 | undefined, extraWarnings: readonly string[]): DecodedFrame {
  const content = interpretTelegram(telegram);
  const version = content.version !== undefined && /^\d+$/.test(content.version) ? Number(content.version) : undefined;
  const meter: MeterIdentity = {
    ...(content.equipmentId !== undefined ? { id: content.equipmentId } : {}),
    manufacturer: telegram.header.manufacturer,
    ...(version !== undefined ? { version } : {}),
    ...(enc !== undefined ? { systemTitle: enc.systemTitle } : {}),
  };
  const warnings = [...extraWarnings, ...content.warnings];
  if (telegram.crc.kind === 'absent') warnings.push('telegram carries no CRC (DSMR 2.2/3 or a meter without one): integrity not checked');
  return {
    protocol: 'dsmr',
    meter,
    security: enc === undefined ? 'none' : 'suite0',
    verdict: enc === undefined ? 'plaintext' : verdictOf(enc),
    readings: content.readings,
    warnings,
    layers: {
      header: telegram.header,
      crc: telegram.crc,
      ...(enc !== undefined ? { encryption: encryptionLayer(enc) } : {}),
      ...(content.version !== undefined ? { version: content.version } : {}),
      ...(content.timestamp !== undefined ? { timestamp: content.timestamp } : {}),
      ...(content.textMessage !== undefined ? { textMessage: content.textMessage } : {}),
      mbus: content.mbus,
      powerFailures: content.powerFailures,
      maxDemand: content.maxDemand,
    },
  };
}

/**
 * A decoding session. It remembers the last invocation counter per system title: an encrypted frame whose
 * counter does not increase is a replay (CODEC_REPLAY). Its parser and decoder remember the last telegram, so
 * a file of one meter's telegrams reads only what changed from one to the next.
 */
export class DsmrSession implements DecodeSession {
  private readonly keys: DecodeKeys;
  private readonly counters = new Map<string, number>();
  private readonly parser = new DsmrTelegramParser();
  private readonly decoder = new EncryptedP1Decoder();

  constructor(keys: DecodeKeys) {
    this.keys = keys;
  }

  private keysFor(frame: Uint8Array): P1Keys | undefined {
    const title = Buffer.from(frame.subarray(2, 10)).toString('hex').toUpperCase();
    const ek = this.keys.byId?.get(title) ?? this.keys.key;
    if (ek === undefined) return undefined;
    return this.keys.ak !== undefined ? { ek, ak: this.keys.ak } : { ek };
  }

  decode(frame: string): DecodedFrame {
    if (!frame.trimStart().startsWith('/') && HEX_LINE_RE.test(frame.trim())) {
      const bytes = hexToBytes(frame);
      if (!isEncryptedP1(bytes)) throw new CodecError('CODEC_MALFORMED', 'dsmr', 'hex input is not an encrypted P1 frame (general-glo-ciphering DB 08 ...)', 0);
      const enc = this.decoder.decrypt(bytes, this.keysFor(bytes));
      const last = this.counters.get(enc.systemTitle);
      if (last !== undefined && enc.invocationCounter <= last) {
        throw new CodecError('CODEC_REPLAY', 'dsmr', `invocation counter ${enc.invocationCounter} of ${enc.systemTitle} does not exceed the last accepted ${last}`);
      }
      this.counters.set(enc.systemTitle, enc.invocationCounter);
      return enc.content.kind === 'telegram' ? toDecoded(enc.content.telegram, enc, []) : apduToDecoded(enc, enc.content);
    }
    const telegram = this.parser.parse(frame);
    const warnings = this.keys.key !== undefined ? ['a key was given but the telegram is not encrypted'] : [];
    return toDecoded(telegram, undefined, warnings);
  }
}

export const dsmrFrameDecoder: FrameDecoder = {
  protocol: 'dsmr',
  split: splitDsmr,
  sniff: sniffDsmr,
  session: (keys: DecodeKeys) => new DsmrSession(keys),
};
