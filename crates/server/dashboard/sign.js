// Signing on the device, with WebCrypto's Ed25519 and nothing else: the
// canonical JSON of an entry (RFC 8785), a key's signed-note name, ID and
// verifier key, and the signed note itself. What this writes, the server
// (crates/note, crates/entry) and verify.js read byte for byte.

import { b64encode, concat, hex, sha256 } from "/verify.js";

const encoder = new TextEncoder();

/**
 * RFC 8785 canonical JSON: members sorted by their UTF-16 code units (as
 * JavaScript compares strings), no white space, and strings and numbers
 * as ECMAScript's JSON.stringify writes them, which is what RFC 8785
 * prescribes. Members whose value is undefined are left out.
 */
export function canonicalJson(value) {
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`${value} is not a JSON number`);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const names = Object.keys(value)
    .filter((name) => value[name] !== undefined)
    .sort();
  return `{${names.map((name) => `${JSON.stringify(name)}:${canonicalJson(value[name])}`).join(",")}}`;
}

/**
 * SPEC(signed-note): "Key names MUST be non-empty and MUST NOT contain any
 * Unicode spaces or plus (U+002B) characters"; nor control characters,
 * which no note may hold.
 */
export function isKeyName(name) {
  return name.length > 0 && !/[\s+\u0000-\u001f]/u.test(name);
}

/** SPEC(signed-note): an Ed25519 key's type byte. */
const ED25519 = 0x01;

/** SPEC(signed-note): the key ID, the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key). */
export async function keyId(name, publicKey) {
  const digest = await sha256(concat(encoder.encode(name), new Uint8Array([0x0a, ED25519]), publicKey));
  return digest.slice(0, 4);
}

/** The verifier key `<name>+<hex key ID>+<base64(0x01 || public key)>`. */
export async function verifierKey(name, publicKey) {
  return `${name}+${hex(await keyId(name, publicKey))}+${b64encode(concat(new Uint8Array([ED25519]), publicKey))}`;
}

/**
 * The signed note of `text` (which ends in a newline) by `signer`
 * (`{ name, id, privateKey }`): the text, a blank line, and the line
 * "— <name> <base64(key ID || signature)>". The signature is over the
 * text's bytes exactly.
 */
export async function signNote(text, signer) {
  if (!text.endsWith("\n") || /[\u0000-\u0009\u000b-\u001f]/.test(text)) throw new Error("a note's text ends in a newline and holds no control character");
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", signer.privateKey, encoder.encode(text)));
  return `${text}\n\u2014 ${signer.name} ${b64encode(concat(signer.id, signature))}\n`;
}
