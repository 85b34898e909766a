//! Keys in a PKCS#11 token: a hardware security module, a smart card,
//! SoftHSM. The private key is made in the token, marked sensitive and not
//! extractable, and signs there (CKM_EDDSA, Ed25519); Truce holds only a
//! session and the public key.
//!
//! A key is named by an RFC 7512 URI, wherever a key file can be named:
//!
//! ```text
//! pkcs11:token=truce;object=log?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:TRUCE_HSM_PIN
//! ```
//!
//! Path attributes: `token` (the token's label), `object` (the key's
//! label), `id` (its CKA_ID, percent-encoded bytes); `object` or `id` is
//! needed. Query attributes: `module-path` (the PKCS#11 library, needed),
//! and the user PIN from `pin-source` (a file only its owner may read, or
//! `env:NAME`) or `pin-value`. Errors name the token and the object, never
//! the PIN.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use truce_note::{Algorithm, KeyName, NoteError, Signer, VerifierKey};

/// The DER encoding of the OID of Ed25519 (1.3.101.112), the CKA_EC_PARAMS
/// of an Ed25519 key.
const ED25519_OID: [u8; 5] = [0x06, 0x03, 0x2b, 0x65, 0x70];

/// Why a PKCS#11 key cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The URI is not one Truce reads.
    #[error("PKCS#11 URI: {0}")]
    Uri(String),
    /// The PIN cannot be read.
    #[error("PKCS#11 PIN: {0}")]
    Pin(String),
    /// The library, the token or the key failed.
    #[error("PKCS#11 {what}: {source}")]
    Token {
        /// What was being done, naming the token and the object.
        what: String,
        /// The library's error.
        source: cryptoki::error::Error,
    },
    /// The token holds no such key, or one that is not Ed25519.
    #[error("PKCS#11: {0}")]
    Key(String),
}

/// Where the PIN comes from.
#[derive(Clone, PartialEq, Eq)]
enum PinSource {
    Value(String),
    Secret(PathBuf),
}

/// A parsed `pkcs11:` URI.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkcs11Uri {
    module: PathBuf,
    token: Option<String>,
    object: Option<String>,
    id: Option<Vec<u8>>,
    pin: Option<PinSource>,
}

impl std::fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.describe())
    }
}

impl Pkcs11Uri {
    /// Whether `text` is a `pkcs11:` URI (rather than a file or a
    /// variable).
    pub fn is_one(text: &str) -> bool {
        text.starts_with("pkcs11:")
    }

    /// Parses an RFC 7512 URI, strictly: an attribute Truce does not know
    /// is refused rather than ignored.
    pub fn parse(text: &str) -> Result<Pkcs11Uri, Pkcs11Error> {
        let uri = |message: String| Pkcs11Error::Uri(message);
        let rest =
            text.strip_prefix("pkcs11:").ok_or_else(|| uri("must start with pkcs11:".into()))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut parsed =
            Pkcs11Uri { module: PathBuf::new(), token: None, object: None, id: None, pin: None };
        let mut module = None;
        for (attribute, separator) in [(path, ';'), (query, '&')] {
            for pair in attribute.split(separator).filter(|p| !p.is_empty()) {
                let (name, value) = pair
                    .split_once('=')
                    .ok_or_else(|| uri(format!("{pair:?} is not name=value")))?;
                let bytes =
                    percent_decode(value).ok_or_else(|| uri(format!("{name}: bad %-escape")))?;
                let text = || {
                    String::from_utf8(bytes.clone()).map_err(|_| uri(format!("{name}: not UTF-8")))
                };
                match (separator, name) {
                    (';', "token") => parsed.token = Some(text()?),
                    (';', "object") => parsed.object = Some(text()?),
                    (';', "id") => parsed.id = Some(bytes.clone()),
                    ('&', "module-path") => module = Some(PathBuf::from(text()?)),
                    ('&', "pin-value") => parsed.pin = Some(PinSource::Value(text()?)),
                    ('&', "pin-source") => {
                        let source = text()?;
                        let source =
                            source.strip_prefix("file:").map_or(source.clone(), str::to_owned);
                        parsed.pin = Some(PinSource::Secret(PathBuf::from(source)));
                    }
                    _ => return Err(uri(format!("unknown attribute {name:?}"))),
                }
            }
        }
        parsed.module =
            module.ok_or_else(|| uri("module-path (the PKCS#11 library) is needed".into()))?;
        if parsed.object.is_none() && parsed.id.is_none() {
            return Err(uri("object or id (which key) is needed".into()));
        }
        Ok(parsed)
    }

    /// The token and the object, for messages: never the PIN.
    fn describe(&self) -> String {
        let token = self.token.as_deref().unwrap_or("(any token)");
        match (&self.object, &self.id) {
            (Some(object), _) => format!("token {token:?}, object {object:?}"),
            (None, Some(id)) => format!("token {token:?}, id {}", hex(id)),
            (None, None) => format!("token {token:?}"),
        }
    }

    fn pin(&self) -> Result<Option<AuthPin>, Pkcs11Error> {
        let pin = match &self.pin {
            None => return Ok(None),
            Some(PinSource::Value(pin)) => pin.clone(),
            Some(PinSource::Secret(path)) => crate::read_secret(path)
                .map_err(|e| Pkcs11Error::Pin(e.to_string()))?
                .trim_end_matches(['\n', '\r'])
                .to_owned(),
        };
        Ok(Some(AuthPin::from(pin)))
    }
}

/// An Ed25519 key in a PKCS#11 token, as a [`Signer`] of notes.
pub struct Pkcs11Key {
    verifier: VerifierKey,
    /// A logged-in session; PKCS#11 sessions take one operation at a
    /// time.
    session: Mutex<Session>,
    key: ObjectHandle,
    what: String,
    /// The library, finalized when the key is dropped (after the session).
    _library: Pkcs11,
}

impl std::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pkcs11Key({}, {})", self.verifier, self.what)
    }
}

impl Pkcs11Key {
    /// Opens the key `uri` names, signing as `name` with signatures of
    /// type `algorithm` (neither is a PKCS#11 attribute: a log's key is
    /// named for its origin and makes Ed25519 signatures, a witness's
    /// makes cosignatures).
    pub fn open(
        uri: &Pkcs11Uri,
        name: KeyName,
        algorithm: Algorithm,
    ) -> Result<Pkcs11Key, Pkcs11Error> {
        let (library, session) = login(uri)?;
        let what = uri.describe();
        let failed = |doing: &str| {
            let what = format!("{doing} ({what})");
            move |source| Pkcs11Error::Token { what, source }
        };
        let private =
            find(&session, uri, ObjectClass::PRIVATE_KEY).map_err(failed("finding the key"))?;
        let key = private.ok_or_else(|| Pkcs11Error::Key(format!("no private key for {what}")))?;
        // A key that was ever extractable may have been copied out of the
        // token: it would sign the log from anywhere.
        let guarded = session
            .get_attributes(key, &[AttributeType::Sensitive, AttributeType::NeverExtractable])
            .map_err(failed("reading the key's attributes"))?;
        if guarded != [Attribute::Sensitive(true), Attribute::NeverExtractable(true)] {
            return Err(Pkcs11Error::Key(format!(
                "{what} is not sensitive or was once extractable, so it may exist outside the \
                 token; make one with `truce key generate --pkcs11`"
            )));
        }
        let public = find(&session, uri, ObjectClass::PUBLIC_KEY)
            .map_err(failed("finding the public key"))?
            .ok_or_else(|| Pkcs11Error::Key(format!("no public key for {what}")))?;
        let attributes = session
            .get_attributes(public, &[AttributeType::KeyType, AttributeType::EcPoint])
            .map_err(failed("reading the public key"))?;
        let mut point = None;
        for attribute in attributes {
            match attribute {
                Attribute::KeyType(kind) if kind != KeyType::EC_EDWARDS => {
                    return Err(Pkcs11Error::Key(format!("{what} is not an Ed25519 key")));
                }
                Attribute::EcPoint(bytes) => point = Some(bytes),
                _ => {}
            }
        }
        let point = point.ok_or_else(|| Pkcs11Error::Key(format!("{what}: no CKA_EC_POINT")))?;
        let public_key = ed25519_point(&point).ok_or_else(|| {
            Pkcs11Error::Key(format!("{what}: CKA_EC_POINT is not an Ed25519 key"))
        })?;
        let verifier = VerifierKey::from_public_key(name, algorithm, &public_key)
            .map_err(|e| Pkcs11Error::Key(format!("{what}: {e}")))?;
        Ok(Pkcs11Key { verifier, session: Mutex::new(session), key, what, _library: library })
    }

    /// Makes a new Ed25519 key pair in the token `uri` names, labelled with
    /// its `object` (and `id`): the private half sensitive and never
    /// extractable. Refuses if the token holds such a key already.
    pub fn generate(
        uri: &Pkcs11Uri,
        name: KeyName,
        algorithm: Algorithm,
    ) -> Result<Pkcs11Key, Pkcs11Error> {
        let what = uri.describe();
        {
            let (_library, session) = login(uri)?;
            let failed = |doing: &str| {
                let what = format!("{doing} ({what})");
                move |source| Pkcs11Error::Token { what, source }
            };
            if find(&session, uri, ObjectClass::PRIVATE_KEY)
                .map_err(failed("looking for the key"))?
                .is_some()
            {
                return Err(Pkcs11Error::Key(format!(
                    "{what} exists already; a key is never replaced"
                )));
            }
            let mut label = Vec::new();
            if let Some(object) = &uri.object {
                label.push(Attribute::Label(object.as_bytes().to_vec()));
            }
            if let Some(id) = &uri.id {
                label.push(Attribute::Id(id.clone()));
            }
            let mut public = vec![
                Attribute::Token(true),
                Attribute::Verify(true),
                Attribute::EcParams(ED25519_OID.to_vec()),
            ];
            public.extend(label.iter().cloned());
            let mut private = vec![
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Sign(true),
            ];
            private.extend(label);
            session
                .generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public, &private)
                .map_err(failed("making the key"))?;
        }
        Pkcs11Key::open(uri, name, algorithm)
    }
}

impl Signer for Pkcs11Key {
    fn verifier_key(&self) -> VerifierKey {
        self.verifier.clone()
    }

    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], NoteError> {
        let session = self
            .session
            .lock()
            .map_err(|_| NoteError::Signer("a signing thread panicked".into()))?;
        let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let signature = session
            .sign(&mechanism, self.key, message)
            .map_err(|e| NoteError::Signer(format!("{}: {e}", self.what)))?;
        signature.try_into().map_err(|_| {
            NoteError::Signer(format!("{}: not a 64-byte Ed25519 signature", self.what))
        })
    }
}

/// The library loaded and a logged-in session on the token `uri` names.
fn login(uri: &Pkcs11Uri) -> Result<(Pkcs11, Session), Pkcs11Error> {
    let what = uri.describe();
    let failed = |doing: &str| {
        let what = format!("{doing} ({what})");
        move |source| Pkcs11Error::Token { what, source }
    };
    let library =
        Pkcs11::new(&uri.module).map_err(failed(&format!("loading {}", uri.module.display())))?;
    library
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(failed("initializing the library"))?;
    let mut slot = None;
    for candidate in library.get_slots_with_token().map_err(failed("listing the tokens"))? {
        let info = library.get_token_info(candidate).map_err(failed("reading a token"))?;
        if uri.token.as_deref().is_none_or(|label| info.label() == label) {
            slot = Some(candidate);
            break;
        }
    }
    let slot = slot.ok_or_else(|| Pkcs11Error::Key(format!("no token for {what}")))?;
    let session = library.open_rw_session(slot).map_err(failed("opening a session"))?;
    if let Some(pin) = uri.pin()? {
        session.login(UserType::User, Some(&pin)).map_err(failed("logging in"))?;
    }
    Ok((library, session))
}

/// The one object of `class` the URI names, if the token holds it.
fn find(
    session: &Session,
    uri: &Pkcs11Uri,
    class: ObjectClass,
) -> Result<Option<ObjectHandle>, cryptoki::error::Error> {
    let mut template = vec![Attribute::Class(class)];
    if let Some(object) = &uri.object {
        template.push(Attribute::Label(object.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    Ok(session.find_objects(&template)?.into_iter().next())
}

/// The 32-byte public key of a CKA_EC_POINT: the raw point, or (as most
/// tokens give it) a DER OCTET STRING around it.
fn ed25519_point(point: &[u8]) -> Option<[u8; 32]> {
    match point {
        [0x04, 0x20, key @ ..] if key.len() == 32 => key.try_into().ok(),
        key if key.len() == 32 => key.try_into().ok(),
        _ => None,
    }
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'%' {
            let hex = tail.get(..2)?;
            bytes.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(first);
            rest = tail;
        }
    }
    Some(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens `source` as a signer: a `pkcs11:` URI (signing as `name`, with
/// signatures of type `algorithm`), or else (through
/// [`crate::read_key_file`]) a key file or `env:NAME`, whose own name and
/// type must then be those.
pub fn open_signer(
    source: &str,
    name: &KeyName,
    algorithm: Algorithm,
) -> Result<Box<dyn Signer>, String> {
    if Pkcs11Uri::is_one(source) {
        let uri = Pkcs11Uri::parse(source).map_err(|e| e.to_string())?;
        let key = Pkcs11Key::open(&uri, name.clone(), algorithm).map_err(|e| e.to_string())?;
        return Ok(Box::new(key));
    }
    let key = crate::read_key_file(Path::new(source)).map_err(|e| e.to_string())?;
    if key.name() != name || key.algorithm() != algorithm {
        return Err(format!("{source}: the key is {}, not a key of {name}", key.verifier_key()));
    }
    Ok(Box::new(key))
}

/// Opens `source` as a signer of entries, whose key name comes with it: a
/// key file or `env:NAME` (the key's own name), or a `pkcs11:` URI, whose
/// key signs under its label (`object`), which must be the key's name.
pub fn open_named_signer(source: &str) -> Result<Box<dyn Signer>, String> {
    if !Pkcs11Uri::is_one(source) {
        let key = crate::read_key_file(Path::new(source)).map_err(|e| e.to_string())?;
        return Ok(Box::new(key));
    }
    let uri = Pkcs11Uri::parse(source).map_err(|e| e.to_string())?;
    let label = uri.object.as_deref().ok_or_else(|| {
        format!(
            "{}: a key that signs entries is named by its label: give object=NAME",
            uri.describe()
        )
    })?;
    let name = KeyName::new(label).map_err(|e| format!("{}: the label: {e}", uri.describe()))?;
    let key = Pkcs11Key::open(&uri, name, Algorithm::Ed25519).map_err(|e| e.to_string())?;
    Ok(Box::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_read_strictly_and_never_show_the_pin() {
        let uri = Pkcs11Uri::parse(
            "pkcs11:token=Truce%20HSM;object=log;id=%01%02?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234",
        )
        .expect("valid");
        assert_eq!(uri.token.as_deref(), Some("Truce HSM"));
        assert_eq!(uri.id, Some(vec![1, 2]));
        assert!(!format!("{uri:?}").contains("1234"));
        let source =
            Pkcs11Uri::parse("pkcs11:object=log?module-path=/m.so&pin-source=file:/etc/pin")
                .expect("valid");
        assert!(
            matches!(&source.pin, Some(PinSource::Secret(p)) if p.as_path() == Path::new("/etc/pin"))
        );
        for (bad, expected) in [
            ("pkcs11:object=log", "module-path"),
            ("pkcs11:token=t?module-path=/m.so", "object or id"),
            ("pkcs11:object=log;slot=1?module-path=/m.so", "unknown attribute \"slot\""),
            ("pkcs11:object=l%zz?module-path=/m.so", "bad %-escape"),
            ("pkcs11:object?module-path=/m.so", "is not name=value"),
        ] {
            let error = Pkcs11Uri::parse(bad).expect_err(bad).to_string();
            assert!(error.contains(expected), "{bad}: {error}");
        }
    }

    #[test]
    fn an_ec_point_is_read_raw_or_wrapped() {
        let key = [7u8; 32];
        let mut wrapped = vec![0x04, 0x20];
        wrapped.extend(key);
        assert_eq!(ed25519_point(&wrapped), Some(key));
        assert_eq!(ed25519_point(&key), Some(key));
        assert_eq!(ed25519_point(&wrapped[..20]), None);
    }
}
