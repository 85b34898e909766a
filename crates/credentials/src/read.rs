//! Reading a stream with c2pa and mapping what it says onto [`Credentials`].

use std::io::{self, Read, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use c2pa::assertions::{Actions, labels};
use c2pa::validation_status::ValidationStatus;
use c2pa::{Context, Manifest, Reader, ValidationResults, ValidationState};

use crate::{CredentialState, Credentials, CredentialsError};

/// The declared media type is not one c2pa can read.
const UNSUPPORTED_FORMAT: &str = "truce.unsupportedFormat";
/// The file points to a manifest elsewhere (XMP `dcterms:provenance`),
/// which is not fetched: no network here.
const REMOTE_MANIFEST: &str = "truce.remoteManifestNotFetched";
/// An ingredient's manifest failed a check; its codes are not kept.
const INGREDIENT_FAILURE: &str = "truce.ingredientFailure";
/// c2pa panicked while reading the file.
const READER_PANIC: &str = "truce.readerPanic";

/// c2pa's catch-all for an error it has no specific code for.
const GENERAL_ERROR: &str = "general.error";

/// Success codes saying the hard binding matches the bytes.
const BINDING_MATCH: [&str; 3] =
    ["assertion.dataHash.match", "assertion.bmffHash.match", "assertion.boxesHash.match"];
/// Failure codes saying the hard binding does not match the bytes.
const BINDING_MISMATCH: [&str; 3] =
    ["assertion.dataHash.mismatch", "assertion.bmffHash.mismatch", "assertion.boxesHash.mismatch"];

/// Whether c2pa can read files of this media type (`image/png`,
/// `video/mp4`, ...). Parameters (`; charset=...`) and case are ignored;
/// file extensions, which c2pa also accepts, are not media types and are
/// refused.
pub fn supported(media_type: &str) -> bool {
    let essence = essence(media_type);
    essence.contains('/') && reader_types().contains(&essence)
}

/// Reads and checks the content credentials of the media file in `stream`,
/// read from its start, declared as `media_type`.
///
/// A file of an unsupported type, without a manifest, or malformed is not
/// an error: the [`Credentials`] say so with a state and codes. Only a
/// failure of the stream itself is an error, even if c2pa got past it.
///
/// The result depends on the stream's bytes and, through the signing
/// certificate's validity, on the current time (see the crate docs).
pub fn inspect(
    media_type: &str,
    stream: &mut (impl Read + Seek + Send),
) -> Result<Credentials, CredentialsError> {
    if !supported(media_type) {
        return Ok(Credentials::absent(vec![UNSUPPORTED_FORMAT.to_owned()]));
    }
    let format = essence(media_type);
    let mut watched = Watched { inner: stream, failure: None };
    // Default settings, read from no file or environment variable: trust
    // checking on with no trust list, OCSP not fetched, and remote manifests
    // not fetched (the crate is built without that feature).
    //
    // The closure's only outside state is the stream wrapper, and nothing of
    // it is used after a panic but its recorded I/O failure, so unwinding out
    // of it cannot leave anything half-updated that we then rely on.
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        Reader::from_context(Context::new()).with_stream(&format, &mut watched)
    }));
    // c2pa folds I/O errors in with parse errors (a short read of a
    // truncated file is an `UnexpectedEof` too), so the wrapper tells which
    // errors came from the stream itself.
    if let Some(failure) = watched.failure {
        return Err(CredentialsError::Io(failure));
    }
    Ok(match outcome {
        Err(_panic) => Credentials::invalid(vec![READER_PANIC.to_owned()]),
        Ok(Ok(reader)) => from_reader(&reader),
        Ok(Err(error)) => from_error(error),
    })
}

/// The media types c2pa reads, in lower case, listed once.
fn reader_types() -> &'static [String] {
    static TYPES: OnceLock<Vec<String>> = OnceLock::new();
    TYPES.get_or_init(|| {
        Reader::supported_mime_types().into_iter().map(|t| t.to_ascii_lowercase()).collect()
    })
}

/// The media type without parameters, trimmed and in lower case.
pub(crate) fn essence(media_type: &str) -> String {
    let bare = media_type.split(';').next().unwrap_or(media_type);
    bare.trim().to_ascii_lowercase()
}

/// What a successful read says.
fn from_reader(reader: &Reader) -> Credentials {
    // c2pa fills the results whenever it returns a reader.
    let (failures, successes) = reader.validation_results().map(result_codes).unwrap_or_default();
    let bytes_match = binding(&failures, &successes);
    let state = match reader.validation_state() {
        ValidationState::Invalid => CredentialState::Invalid,
        ValidationState::Valid => CredentialState::Valid,
        ValidationState::Trusted => CredentialState::Trusted,
    };
    let mut codes = failures;
    codes.extend(successes);
    let mut credentials = Credentials { state, bytes_match, ..Credentials::absent(codes) };
    // A store without an active manifest has nothing more to say; c2pa
    // marks it invalid.
    if let Some(manifest) = reader.active_manifest() {
        describe(&mut credentials, manifest);
    }
    credentials
}

/// The active manifest's failure and success codes, each sorted and
/// deduplicated, plus [`INGREDIENT_FAILURE`] among the failures if an
/// ingredient's manifest failed.
///
/// Informational codes (`timeStamp.untrusted`, ...) are left out: they do
/// not bear on the state.
fn result_codes(results: &ValidationResults) -> (Vec<String>, Vec<String>) {
    let mut failures = Vec::new();
    let mut successes = Vec::new();
    if let Some(active) = results.active_manifest() {
        failures.extend(active.failure().iter().map(code));
        successes.extend(active.success().iter().map(code));
    }
    let ingredient_failed = results.ingredient_deltas().is_some_and(|deltas| {
        deltas.iter().any(|delta| !delta.validation_deltas().failure().is_empty())
    });
    if ingredient_failed {
        failures.push(INGREDIENT_FAILURE.to_owned());
    }
    for group in [&mut failures, &mut successes] {
        group.sort_unstable();
        group.dedup();
    }
    (failures, successes)
}

/// The status's code, as recorded.
fn code(status: &ValidationStatus) -> String {
    status.code().to_owned()
}

/// Whether the hard binding matches the bytes: a mismatch outweighs a
/// match, should a manifest carry both.
fn binding(failures: &[String], successes: &[String]) -> Option<bool> {
    let any =
        |codes: &[String], wanted: &[&str]| codes.iter().any(|c| wanted.contains(&c.as_str()));
    if any(failures, &BINDING_MISMATCH) {
        Some(false)
    } else if any(successes, &BINDING_MATCH) {
        Some(true)
    } else {
        None
    }
}

/// Fills in what the active manifest says of itself.
fn describe(credentials: &mut Credentials, manifest: &Manifest) {
    if let Some(info) = manifest.signature_info() {
        // c2pa's `issuer` is the subject's organisation (the claim's
        // issuer), not the certificate's issuer.
        credentials.signer = info.common_name.clone().or_else(|| info.issuer.clone());
        credentials.issuer = info.issuer.clone();
        credentials.signed_at = info.time.clone();
    }
    // Version 1 claims carry a User-Agent-like string; version 2 claims
    // carry only the structured info, from which the same form is made.
    credentials.claim_generator = manifest.claim_generator.clone().or_else(|| {
        let first = manifest.claim_generator_info.as_ref()?.first()?;
        Some(match &first.version {
            Some(version) => format!("{}/{version}", first.name),
            None => first.name.clone(),
        })
    });
    credentials.title = manifest.title().map(str::to_owned);
    // `c2pa.actions` and `c2pa.actions.v2`, any instance. One that does
    // not decode has been reported by validation; its actions are skipped.
    credentials.actions = manifest
        .assertions()
        .iter()
        .filter(|assertion| labels::base(assertion.label()) == labels::ACTIONS)
        .filter_map(|assertion| assertion.to_assertion::<Actions>().ok())
        .flat_map(|actions| {
            actions.actions().iter().map(|action| action.action().to_owned()).collect::<Vec<_>>()
        })
        .collect();
}

/// What a failed read says.
fn from_error(error: c2pa::Error) -> Credentials {
    use c2pa::Error as E;
    let code = match error {
        // No manifest embedded. c2pa gives `JumbfNotFound` for most
        // formats and `ProvenanceMissing` where it looks in XMP.
        E::JumbfNotFound | E::ProvenanceMissing => return Credentials::absent(Vec::new()),
        E::RemoteManifestUrl(_) => {
            return Credentials::absent(vec![REMOTE_MANIFEST.to_owned()]);
        }
        // Validation results came with the error: keep their codes.
        E::InvalidManifest(results) => {
            let (mut failures, successes) = result_codes(&results);
            if failures.is_empty() {
                failures.push(GENERAL_ERROR.to_owned());
            }
            let bytes_match = binding(&failures, &successes);
            failures.extend(successes);
            return Credentials { bytes_match, ..Credentials::invalid(failures) };
        }
        // The codes c2pa itself gives these errors when it logs them
        // (`ValidationStatus::code_from_error`, private to c2pa).
        E::ClaimMissing { .. } => "claim.missing",
        E::AssertionMissing { .. } => "assertion.missing",
        E::AssertionDecoding(_) => "assertion.required.missing",
        E::HashMismatch(_) => "assertion.dataHash.mismatch",
        E::RemoteManifestFetch(_) => "manifest.inaccessible",
        E::PrereleaseError => "com.adobe.prerelease",
        // Among the rest is `UnsupportedType`, which c2pa also gives for
        // bytes that are no image at all once the declared type passed
        // `supported`: a malformed file, not an unsupported type.
        _ => GENERAL_ERROR,
    };
    let codes = vec![code.to_owned()];
    Credentials { bytes_match: binding(&codes, &[]), ..Credentials::invalid(codes) }
}

/// A stream that remembers the first error it passed on, so that the
/// stream's own failures can be told from c2pa's parse errors.
struct Watched<'a, S> {
    inner: &'a mut S,
    failure: Option<io::Error>,
}

impl<S> Watched<'_, S> {
    /// Passes `result` on, keeping its error if it is the first and handing
    /// c2pa a copy of it.
    fn watch<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        match result {
            // `Interrupted` is retried by `read_exact` and friends; it is
            // not a failure.
            Err(error) if self.failure.is_none() && error.kind() != io::ErrorKind::Interrupted => {
                let copy = io::Error::new(error.kind(), error.to_string());
                self.failure = Some(error);
                Err(copy)
            }
            result => result,
        }
    }
}

impl<S: Read> Read for Watched<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = self.inner.read(buf);
        self.watch(result)
    }
}

impl<S: Seek> Seek for Watched<'_, S> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let result = self.inner.seek(pos);
        match result {
            // A seek before the start is c2pa following a bad offset in a
            // malformed file, not the stream failing: a parse error.
            Err(error) if error.kind() == io::ErrorKind::InvalidInput => Err(error),
            result => self.watch(result),
        }
    }
}
