// Sending the outbox to the log, and checking that each note got in.
//
// A note is sent until the log answers with its index: resending is safe,
// since the log answers identical bytes with the index it gave them. It is
// marked verified only once its inclusion proof leads to the root of a
// checkpoint signed by the log's key, the key pinned on this device at
// first contact (or one a signed rotation from it leads to): the server's
// word that it logged the note is not enough.
//
// What can go wrong is said as messages of the catalogue, `[ID, ARGS]`,
// kept with the note, so that the page can say it in any language.

import { formatLocalInstant, verbatim } from "/i18n.js";
import { loadLogPin, outbox, saveLogPin, updateOutbox } from "/field-store.js";
import { leafHash, parseCheckpoint, parseNote, parseTlogProof, parseVerifierKey, rootFromInclusion, verifyNoteSignature } from "/verify.js";

const encoder = new TextEncoder();

/** Why a sync stopped: a message of the catalogue. */
class Stop extends Error {
  constructor(say) {
    super(say[0]);
    this.say = say;
  }
}

/** `fetch`, with a network failure as a Stop. */
async function request(path, init) {
  try {
    return await fetch(path, { cache: "no-store", ...init });
  } catch (e) {
    throw new Stop(["dash-field-unreachable"]);
  }
}

async function json(path) {
  const response = await request(path, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Stop(["dash-field-server-busy", { status: response.status }]);
  return response.json();
}

const keyChanged = (served, pinned) => new Stop(["dash-field-key-changed", { key: verbatim(served), pinned: verbatim(pinned) }]);

/**
 * Follows the rotations of the log's key from the last one pinned, as
 * /v1/log/keys lists them. SPEC(truce-log-key): each transition
 * checkpoint names the next key in a `truce-log-key <vkey>` line and is
 * signed by the key it retires and by the key it names; only such a chain
 * from the pinned key is followed. Returns the keys to pin.
 */
async function followRotations(pin, served) {
  const listed = await json("/v1/log/keys");
  const keys = [...pin.keys];
  const start = listed.keys.findIndex((k) => k.key === keys.at(-1).key);
  if (start < 0) throw keyChanged(served, keys.at(-1).key);
  for (const next of listed.keys.slice(start + 1)) {
    try {
      const note = parseNote(encoder.encode(next.transition || ""));
      const checkpoint = parseCheckpoint(note.text);
      const retiring = await parseVerifierKey(keys.at(-1).key);
      const named = await parseVerifierKey(next.key);
      const followed =
        checkpoint.origin === pin.origin &&
        named.name === pin.origin &&
        named.type === 0x01 &&
        note.text.split("\n").includes(`truce-log-key ${next.key}`) &&
        (await verifyNoteSignature(note, retiring)).ok &&
        (await verifyNoteSignature(note, named)).ok;
      if (!followed) throw new Error("not a transition");
      keys.push({ key: next.key, from_size: Number(checkpoint.size) });
    } catch (e) {
      throw keyChanged(served, keys.at(-1).key);
    }
  }
  if (keys.at(-1).key !== served) throw keyChanged(served, keys.at(-1).key);
  return keys;
}

/**
 * The log as pinned on this device: at first contact, the key /v1/log
 * states; later, that key or one a signed rotation from it leads to. A
 * server stating any other key is not sent anything (Stop).
 */
async function pinnedLog() {
  const log = await json("/v1/log");
  const pin = await loadLogPin();
  if (!pin) {
    // Trust on first use: the key is shown on the page for the monitor
    // to compare with the one the operator gave them.
    await parseVerifierKey(log.vkey);
    const first = { origin: log.origin, keys: [{ key: log.vkey, from_size: 0 }] };
    await saveLogPin(first);
    return first;
  }
  if (pin.keys.at(-1).key === log.vkey) return pin;
  const followed = { ...pin, keys: await followRotations(pin, log.vkey) };
  await saveLogPin(followed);
  return followed;
}

/** The key that signs the log's checkpoints of `size`: the last one pinned from a size at most it. */
function keyAt(pin, size) {
  return pin.keys.filter((k) => BigInt(k.from_size) <= size).at(-1) || pin.keys[0];
}

/** The answers that mean "later": the request may succeed as it is. */
const TRANSIENT = new Set([408, 425, 429]);

/** Sends a waiting note; records its index, or the log's refusal. */
async function send(record) {
  const response = await request("/v1/entries", {
    method: "POST",
    headers: { "content-type": "text/plain; charset=utf-8", accept: "application/json" },
    body: record.note,
  });
  if (response.status >= 500 || TRANSIENT.has(response.status)) throw new Stop(["dash-field-server-busy", { status: response.status }]);
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    // Not JSON: the status says what there is to say.
  }
  if (response.ok && body && Number.isSafeInteger(body.index)) {
    Object.assign(record, { state: "sent", index: body.index, problem: null });
  } else {
    const detail = body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
    Object.assign(record, { state: "refused", problem: ["dash-field-refused", { detail: verbatim(detail) }] });
  }
  await updateOutbox(record);
}

/**
 * Checks a sent note's inclusion proof against a checkpoint signed by the
 * pinned key; marks it verified only if every step holds, else records
 * which failed (it stays sent, and is checked again at the next sync).
 */
async function confirm(record, pin) {
  const response = await request(`/v1/proof/${record.index}`);
  if (!response.ok) throw new Stop(["dash-field-server-busy", { status: response.status }]);
  const bytes = new Uint8Array(await response.arrayBuffer());
  let problem = null;
  try {
    const proof = parseTlogProof(bytes);
    const note = parseNote(proof.checkpoint);
    const checkpoint = parseCheckpoint(note.text);
    const key = await parseVerifierKey(keyAt(pin, checkpoint.size).key);
    const root = await rootFromInclusion(await leafHash(encoder.encode(record.note)), proof.index, checkpoint.size, proof.hashes).catch(() => null);
    if (proof.index !== BigInt(record.index)) {
      problem = ["dash-field-proof-index", { index: String(proof.index) }];
    } else if (checkpoint.origin !== pin.origin || !(await verifyNoteSignature(note, key)).ok) {
      problem = ["dash-field-proof-unsigned", { key: verbatim(key.text) }];
    } else if (!root || root.length !== checkpoint.root.length || root.some((b, i) => b !== checkpoint.root[i])) {
      problem = ["dash-field-proof-root", { size: String(checkpoint.size) }];
    } else {
      Object.assign(record, { state: "verified", checkpoint: String(checkpoint.size), problem: null });
    }
  } catch (e) {
    problem = ["dash-field-proof-malformed", { error: verbatim(e.message) }];
  }
  if (problem) record.problem = ["dash-field-proof-failed", { why: problem }];
  await updateOutbox(record);
}

const synced = () => ["dash-field-synced", { time: verbatim(formatLocalInstant(new Date())) }];

/**
 * Sends every waiting note, in the order signed, and checks the proof of
 * every sent one. `changed` is called after each note changes. Resolves
 * to a message saying how it ended. One sync at a time, across the
 * device's tabs too.
 */
export async function sync(changed) {
  if (!navigator.onLine) return ["dash-field-offline"];
  return navigator.locks.request("truce-field-sync", { ifAvailable: true }, async (lock) => {
    if (!lock) return ["dash-field-syncing"];
    try {
      const pending = (await outbox()).filter((r) => r.state === "waiting" || r.state === "sent");
      if (pending.length === 0) {
        // First contact pins the log's key even before there is anything to send.
        if (!(await loadLogPin())) await pinnedLog();
        return synced();
      }
      const pin = await pinnedLog();
      for (const record of pending) {
        if (record.state === "waiting") {
          await send(record);
          changed();
        }
        if (record.state === "sent") {
          await confirm(record, pin);
          changed();
        }
      }
      return synced();
    } catch (e) {
      if (e instanceof Stop) return e.say;
      return ["dash-field-sync-error", { error: verbatim(e.message) }];
    }
  });
}
