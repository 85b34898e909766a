// In-browser verification of log entries, with WebCrypto only (SHA-256 and
// Ed25519): an entry's signature by its source, its leaf hash, its inclusion
// proof up to the root of a checkpoint, the checkpoint's signature by the log,
// and the witnesses' cosignatures (tlog-cosignature/v1); and a file against
// its evidence proof, a tlog-proof carrying the evidence entry. Nothing here
// trusts the server: every check is against keys and bytes the page can
// show.
//
// The formats are C2SP signed-note, tlog-checkpoint, tlog-proof and RFC 6962.
// What each step found is a message of the dashboard's catalogue, so that
// the reader sees it in their language; keys, names and hashes are passed
// verbatim.

import { verbatim } from "/i18n.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function b64decode(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function b64encode(bytes) {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** Lower-case hex, as entries write digests. */
export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SPEC(RFC 6962 2.1): an entry's leaf hash, SHA-256(0x00 || entry). */
export async function leafHash(entry) {
  return sha256(concat(new Uint8Array([0]), entry));
}

/** A verifier key `<name>+<hex id>+<base64(type || key)>`, its ID checked. */
export async function parseVerifierKey(text) {
  // The name holds no "+"; the base64 may.
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim());
  if (!match) throw new Error(`not a verifier key: ${text}`);
  const [, name, stated, b64] = match;
  const raw = b64decode(b64);
  if (raw.length !== 33 || (raw[0] !== 0x01 && raw[0] !== 0x04)) {
    throw new Error(`unsupported key type in ${name}`);
  }
  // SPEC(signed-note): the key ID is the first four bytes of
  // SHA-256(name || 0x0A || type || public key).
  const digest = await sha256(concat(encoder.encode(name), new Uint8Array([0x0a]), raw));
  const id = hex(digest.slice(0, 4));
  if (id !== stated) throw new Error(`key ID ${stated} of ${name} does not match its key (${id})`);
  const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, [
    "verify",
  ]);
  return { name, id: digest.slice(0, 4), type: raw[0], key, text: text.trim() };
}

/** The name and ID of a key, as one string: how keys are looked up. */
export function keyRef(name, id) {
  return `${name}+${hex(id)}`;
}

/** A signed note: its text and signature lines (not yet verified). */
export function parseNote(bytes) {
  const text = decoder.decode(bytes);
  const split = text.lastIndexOf("\n\n");
  if (split < 0) throw new Error("not a signed note: no blank line before the signatures");
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2);
  if (!lines.endsWith("\n")) throw new Error("not a signed note: no final newline");
  const signatures = lines
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      const match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match) throw new Error(`malformed signature line: ${line}`);
      const blob = b64decode(match[2]);
      return { name: match[1], id: blob.slice(0, 4), signature: blob.slice(4) };
    });
  return { text: body, signatures };
}

/**
 * Verifies the signature of `key` on a note: `{ present, ok }`, and for a
 * cosignature its `time` (seconds since the epoch).
 */
export async function verifyNoteSignature(note, key) {
  const line = note.signatures.find((s) => s.name === key.name && equal(s.id, key.id));
  if (!line) return { present: false, ok: false };
  if (key.type === 0x01) {
    const ok = await crypto.subtle.verify("Ed25519", key.key, line.signature, encoder.encode(note.text));
    return { present: true, ok };
  }
  // SPEC(tlog-cosignature): an 8-byte big-endian timestamp, then Ed25519
  // over "cosignature/v1\ntime <t>\n" || checkpoint body.
  if (line.signature.length !== 72) return { present: true, ok: false };
  const time = new DataView(line.signature.buffer, line.signature.byteOffset, 8).getBigUint64(0);
  const message = encoder.encode(`cosignature/v1\ntime ${time}\n${note.text}`);
  const ok = await crypto.subtle.verify("Ed25519", key.key, line.signature.slice(8), message);
  return { present: true, ok, time: Number(time) };
}

/**
 * A c2sp.org/tlog-proof@v1: the index, the inclusion proof's hashes, the
 * checkpoint note's bytes, and the `extra` data if any (an evidence
 * proof carries the signed entry there), else null.
 */
export function parseTlogProof(bytes) {
  const text = decoder.decode(bytes);
  const split = text.indexOf("\n\n");
  if (split < 0) throw new Error("malformed proof: no checkpoint");
  const lines = text.slice(0, split).split("\n");
  if (lines.shift() !== "c2sp.org/tlog-proof@v1") throw new Error("not a c2sp.org/tlog-proof@v1");
  // SPEC(tlog-proof): an optional `extra <base64>` line before the index.
  let extra = null;
  if (lines[0] && lines[0].startsWith("extra ")) {
    try {
      extra = b64decode(lines.shift().slice(6));
    } catch (e) {
      throw new Error("malformed proof: extra is not base64");
    }
  }
  const index = /^index (0|[1-9][0-9]*)$/.exec(lines.shift() || "");
  if (!index) throw new Error("malformed proof: no index line");
  const hashes = lines.map((l) => {
    const h = b64decode(l);
    if (h.length !== 32) throw new Error("malformed proof: a hash is not 32 bytes");
    return h;
  });
  return { index: BigInt(index[1]), hashes, checkpoint: encoder.encode(text.slice(split + 2)), extra };
}

/** The checkpoint body: origin, size, root. */
export function parseCheckpoint(text) {
  const lines = text.split("\n");
  if (lines.length < 4 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error("malformed checkpoint");
  const root = b64decode(lines[2]);
  if (root.length !== 32) throw new Error("malformed checkpoint root");
  return { origin: lines[0], size: BigInt(lines[1]), root };
}

/** RFC 6962 (RFC 9162 section 2.1.3.2): the root an inclusion proof leads to. */
export async function rootFromInclusion(leaf, index, size, hashes) {
  if (index >= size) throw new Error(`index ${index} is not below size ${size}`);
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of hashes) {
    if (sn === 0n) throw new Error("the proof is too long");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(concat(new Uint8Array([1]), p, r));
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = await sha256(concat(new Uint8Array([1]), r, p));
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("the proof is too short");
  return r;
}

/**
 * A witness policy (C2SP tlog-policy): the logs accepted, the witnesses,
 * their groups and the quorum. Throws on a malformed policy, naming the
 * line.
 */
export async function parsePolicy(text) {
  const policy = { logs: [], members: new Map(), quorum: null };
  let quorumSeen = false;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const words = lines[n].split(/[ \t]+/).filter(Boolean);
    if (words.length === 0 || words[0].startsWith("#")) continue;
    const fail = (why) => new Error(`policy line ${n + 1}: ${why}`);
    const [keyword, ...args] = words;
    const fresh = (name) => {
      if (name === "none" || policy.members.has(name)) throw fail(`${name} is reserved or defined twice`);
    };
    if (keyword === "log" && args.length >= 1 && args.length <= 2) {
      policy.logs.push(await parseVerifierKey(args[0]));
    } else if (keyword === "witness" && args.length >= 2 && args.length <= 3) {
      fresh(args[0]);
      const key = await parseVerifierKey(args[1]);
      if (key.type !== 0x04) throw fail("a witness key must be a cosignature (0x04) key");
      policy.members.set(args[0], { key });
    } else if (keyword === "group" && args.length >= 3) {
      const [name, threshold, ...members] = args;
      fresh(name);
      for (const m of members) if (!policy.members.has(m)) throw fail(`${m} is not defined above`);
      const k = threshold === "all" ? members.length : threshold === "any" ? 1 : Number(threshold);
      if (!Number.isInteger(k) || k < 1 || k > members.length || /^0/.test(threshold)) throw fail(`bad threshold ${threshold}`);
      policy.members.set(name, { k, members });
    } else if (keyword === "quorum" && args.length === 1) {
      if (quorumSeen) throw fail("a second quorum line");
      quorumSeen = true;
      if (args[0] !== "none") {
        if (!policy.members.has(args[0])) throw fail(`${args[0]} is not defined above`);
        policy.quorum = args[0];
      }
    } else {
      throw fail(`cannot read "${lines[n]}"`);
    }
  }
  if (!quorumSeen) throw new Error("policy: no quorum line");
  return policy;
}

function witnessed(policy, name, cosigned) {
  const member = policy.members.get(name);
  if (!member) return false;
  if (member.key) return cosigned.has(name);
  return member.members.filter((m) => witnessed(policy, m, cosigned)).length >= member.k;
}

/** Checks a checkpoint note against a policy: which witnesses cosigned, and whether they make the quorum. */
async function checkPolicy(policy, note) {
  const cosigned = new Set();
  const bad = [];
  for (const [name, member] of policy.members) {
    if (!member.key) continue;
    const result = await verifyNoteSignature(note, member.key);
    if (result.present && result.ok) cosigned.add(name);
    if (result.present && !result.ok) bad.push(name);
  }
  const ok = bad.length === 0 && (policy.quorum === null || witnessed(policy, policy.quorum, cosigned));
  const detail = bad.length
    ? ["detail-invalid-cosignature", { names: verbatim(bad.join(", ")) }]
    : [
        "detail-cosigned",
        { names: cosigned.size ? verbatim([...cosigned].join(", ")) : ["detail-no-witness"], quorum: policy.quorum ? verbatim(policy.quorum) : ["detail-no-quorum"] },
      ];
  return { ok, detail };
}

/** The steps of a verification: `step(what, ok, detail)` records one. */
function recorder() {
  const steps = [];
  const step = (what, ok, detail) => {
    steps.push({ what, ok, detail });
    return ok;
  };
  return { steps, step };
}

/** Checks an entry's signature by a registered source (`context.sourceKeys`). */
async function checkSourceSignature(note, context, step) {
  const signer = note.signatures.map((s) => context.sourceKeys.get(keyRef(s.name, s.id))).find(Boolean);
  if (!signer) {
    return step(["check-entry-signature"], false, ["detail-no-source", { names: verbatim(note.signatures.map((s) => s.name).join(", ")) }]);
  }
  const result = await verifyNoteSignature(note, signer);
  return step(["check-entry-signature"], result.ok, ["detail-signed-by", { key: verbatim(signer.text) }]);
}

/**
 * Checks that `leaf` is under the proof's checkpoint: the checkpoint's
 * signature by the log (the policy's key, else `context.logKey`), the
 * inclusion proof, the policy's quorum, and each cosignature by a witness
 * of `context.witnesses`. Returns the cosignatures that verified, each
 * `{ witness, time }` (seconds since the epoch).
 */
async function checkUnderCheckpoint(leaf, proof, context, step) {
  const checkpointNote = parseNote(proof.checkpoint);
  const checkpoint = parseCheckpoint(checkpointNote.text);
  // With a policy, the log's key is the policy's, not the server's word.
  const logKeys = context.policy ? context.policy.logs.filter((k) => k.name === checkpoint.origin) : [context.logKey];
  let signedBy = null;
  for (const key of logKeys) if ((await verifyNoteSignature(checkpointNote, key)).ok) signedBy = key;
  const keys = signedBy ? verbatim(signedBy.text) : logKeys.map((k) => verbatim(k.text)).reduce((a, b) => ["dash-or", { a, b }], null);
  step(["check-checkpoint-signature"], signedBy !== null && checkpoint.origin === signedBy.name, [
    "detail-checkpoint",
    { origin: verbatim(checkpoint.origin), size: String(checkpoint.size), keys: keys || ["detail-no-policy-key"] },
  ]);
  let root;
  try {
    root = await rootFromInclusion(leaf, proof.index, checkpoint.size, proof.hashes);
  } catch (e) {
    root = new Uint8Array();
  }
  step(["check-inclusion-proof"], equal(root, checkpoint.root), [
    "detail-hashes",
    { hashes: proof.hashes.length, root: verbatim(b64encode(checkpoint.root)) },
  ]);
  if (context.policy) {
    const result = await checkPolicy(context.policy, checkpointNote);
    step(["check-witness-policy"], result.ok, result.detail);
  }
  const cosigned = [];
  for (const witness of context.witnesses) {
    const result = await verifyNoteSignature(checkpointNote, witness);
    if (!result.present) continue;
    const detail = result.time ? ["detail-cosigned-at", { time: verbatim(new Date(result.time * 1000).toISOString()) }] : "tlog-cosignature/v1";
    step(["check-cosignature", { witness: verbatim(witness.name) }], result.ok, detail);
    if (result.ok && result.time) cosigned.push({ witness: witness.name, time: result.time });
  }
  return cosigned;
}

/**
 * Verifies the entry at `index` and returns the steps checked, each
 * `{ what, ok, detail }`; `ok` of the whole is whether every step passed.
 * `what` and `detail` are messages of the dashboard's catalogue, `[ID,
 * ARGS]` (an argument may itself be a message), or, for a detail, text
 * that is the same in every language (a key, a hash, a parser's error).
 * `context`: `{ fetchBytes, logKey, sourceKeys, witnesses, policy }`
 * where `logKey` and `sourceKeys` (by keyRef) come from parseVerifierKey.
 */
export async function verifyEntry(index, context) {
  const { steps, step } = recorder();
  try {
    const entry = await context.fetchBytes(`/v1/entries/${index}/note`);
    await checkSourceSignature(parseNote(entry), context, step);
    const leaf = await leafHash(entry);
    step(["check-leaf-hash"], true, `SHA-256(0x00 || entry) = ${b64encode(leaf)}`);
    const proof = parseTlogProof(await context.fetchBytes(`/v1/proof/${index}`));
    step(["check-proof-index"], proof.index === BigInt(index), `tlog-proof index ${proof.index}`);
    await checkUnderCheckpoint(leaf, proof, context, step);
  } catch (e) {
    step(["check-verification"], false, e.message);
  }
  return { ok: steps.every((s) => s.ok), steps };
}

/** The JSON of an entry's note, if its text is one line of JSON; else null. */
function entryJson(note) {
  if (!/^[^\n]*\n$/.test(note.text)) return null;
  try {
    const value = JSON.parse(note.text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch (e) {
    return null;
  }
}

/**
 * Verifies a file against its evidence proof (a tlog-proof whose `extra`
 * is the signed truce.evidence/v1 entry naming the file): the entry names
 * the file's SHA-256 (`file.sha256`, bytes) and size, a registered source
 * signed it, it is included under the proof's checkpoint, which the log
 * signed, and which witnesses cosigned. Needs no request: everything is in
 * the proof, checked against the keys of `context` (as verifyEntry's).
 * Returns `{ ok, steps, index, cosigned }`, `cosigned` as
 * checkUnderCheckpoint's; the earliest of them bounds when the file
 * existed.
 */
export async function verifyEvidenceFile(file, proofBytes, context) {
  const { steps, step } = recorder();
  let index = null;
  let cosigned = [];
  try {
    let proof;
    try {
      proof = parseTlogProof(proofBytes);
    } catch (e) {
      step(["check-proof-format"], false, e.message);
      return { ok: false, steps, index, cosigned };
    }
    index = String(proof.index);
    step(["check-proof-format"], true, `c2sp.org/tlog-proof@v1, index ${proof.index}`);
    if (!proof.extra) {
      step(["check-evidence-entry"], false, ["detail-no-extra"]);
      return { ok: false, steps, index, cosigned };
    }
    const note = parseNote(proof.extra);
    const entry = entryJson(note);
    const isEvidence = entry !== null && entry.type === "truce.evidence/v1" && typeof entry.sha256 === "string";
    step(["check-evidence-entry"], isEvidence, isEvidence ? note.text.trim() : ["detail-not-evidence", { type: verbatim(entry ? entry.type : "?") }]);
    if (!isEvidence) return { ok: false, steps, index, cosigned };
    const digest = hex(file.sha256);
    if (digest === entry.sha256) {
      step(["check-file-hash"], true, `SHA-256 ${digest}`);
    } else {
      step(["check-file-hash"], false, ["detail-file-hash-mismatch", { file: verbatim(digest), entry: verbatim(entry.sha256) }]);
    }
    step(["check-file-size"], entry.size === file.size, ["detail-file-size", { file: file.size, entry: entry.size ?? "?" }]);
    await checkSourceSignature(note, context, step);
    const leaf = await leafHash(proof.extra);
    step(["check-leaf-hash"], true, `SHA-256(0x00 || entry) = ${b64encode(leaf)}`);
    cosigned = await checkUnderCheckpoint(leaf, proof, context, step);
  } catch (e) {
    step(["check-verification"], false, e.message);
  }
  return { ok: steps.every((s) => s.ok), steps, index, cosigned };
}

/** Verifies a pasted signed note (an entry or a checkpoint) or tlog-proof. */
export async function verifyPasted(text, context) {
  const bytes = encoder.encode(text.endsWith("\n") ? text : `${text}\n`);
  if (text.startsWith("c2sp.org/tlog-proof@v1")) {
    const proof = parseTlogProof(bytes);
    return verifyEntry(Number(proof.index), {
      ...context,
      fetchBytes: async (path) => (path.startsWith("/v1/proof/") ? bytes : context.fetchBytes(path)),
    });
  }
  const note = parseNote(bytes);
  const steps = [];
  const keys = [context.logKey, ...context.sourceKeys.values(), ...context.witnesses];
  for (const key of keys) {
    const result = await verifyNoteSignature(note, key);
    if (result.present) steps.push({ what: ["check-signature", { key: verbatim(key.name) }], key: key.name, ok: result.ok, detail: key.text });
  }
  if (steps.length === 0) steps.push({ what: ["check-verification"], ok: false, detail: ["detail-unknown-key"] });
  return { ok: steps.every((s) => s.ok), steps };
}
