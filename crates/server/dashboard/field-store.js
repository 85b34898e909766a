// What the field page keeps on the device, in IndexedDB: its key pair
// (the private key not extractable: it can sign here and nowhere else),
// the log's key pinned at first contact, and the outbox of signed notes.
//
// A signed note goes into the outbox before anything else happens to it,
// and nothing ever deletes one: only its state changes (waiting, sent,
// verified, refused).

const NAME = "truce-field";
const VERSION = 1;

let opened = null;

/** The database, opened once; created at the first visit. */
function database() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      // One record each, by a fixed key: the device and the log.
      db.createObjectStore("settings");
      // In the order signed: `seq` is also the order to send in.
      db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

/** Runs `work(store)` in a transaction; resolves with its request's result once the transaction committed. */
async function transact(storeName, mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode, { durability: "strict" });
    const request = work(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("the transaction was aborted"));
  });
}

const getSetting = (key) => transact("settings", "readonly", (store) => store.get(key));
const putSetting = (key, value) => transact("settings", "readwrite", (store) => store.put(value, key));

/** The device's key: `{ name, id, keyPair, vkey }`, or undefined before the first visit's setup. */
export const loadDevice = () => getSetting("device");
export const saveDevice = (device) => putSetting("device", device);

/** The log as pinned: `{ origin, keys: [{ key, from_size }] }`, the first key pinned then each rotation followed. */
export const loadLogPin = () => getSetting("log");
export const saveLogPin = (pin) => putSetting("log", pin);

/** Every note of the outbox, in the order signed. */
export const outbox = () => transact("outbox", "readonly", (store) => store.getAll());

/** The last note signed, or undefined. */
export async function lastSigned() {
  const db = await database();
  return new Promise((resolve, reject) => {
    const request = db.transaction("outbox", "readonly").objectStore("outbox").openCursor(null, "prev");
    request.onsuccess = () => resolve(request.result ? request.result.value : undefined);
    request.onerror = () => reject(request.error);
  });
}

/** Adds a note; resolves once it is committed. */
export const addToOutbox = (record) => transact("outbox", "readwrite", (store) => store.add(record));

/** Records a note's new state. */
export const updateOutbox = (record) => transact("outbox", "readwrite", (store) => store.put(record));
