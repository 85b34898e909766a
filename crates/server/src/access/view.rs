//! The view of the log a request is answered with: precise, or with
//! coarsened coordinates.

use std::sync::Arc;

use serde_json::Value;
use truce_assess::Coarsening;
use truce_store::EntryRow;

/// Which coordinates a request is answered with; the access middleware
/// sets it on every request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum View {
    /// As the sources gave them.
    Precise,
    /// On the grid of the coarsening, with the fields it withholds left out.
    Coarse(Arc<Coarsening>),
}

impl View {
    /// `precise` or `coarse`, for the audit log.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            View::Precise => "precise",
            View::Coarse(_) => "coarse",
        }
    }

    /// The coarsening, if the view has one.
    pub(crate) fn coarsening(&self) -> Option<&Coarsening> {
        match self {
            View::Precise => None,
            View::Coarse(coarsening) => Some(coarsening),
        }
    }

    /// The box to ask the index for, for a caller's `bbox`: wider in a
    /// coarse view, whose rows [`View::rows`] then filters by their
    /// coarsened points.
    pub(crate) fn index_bbox(&self, bbox: Option<[f64; 4]>) -> Option<[f64; 4]> {
        match self.coarsening() {
            Some(coarsening) => bbox.map(|b| coarsening.widened(b)),
            None => bbox,
        }
    }

    /// The rows as this view shows them: in a coarse view, each entry's
    /// JSON coarsened, and only the rows whose coarsened point is in the
    /// caller's `bbox` (so that a small box cannot tell where in its cell
    /// a point is).
    pub(crate) fn rows(&self, rows: &mut Vec<EntryRow>, bbox: Option<[f64; 4]>) {
        let Some(coarsening) = self.coarsening() else { return };
        rows.retain_mut(|row| {
            // Fails closed: a row that cannot be coarsened is not shown.
            let Ok(mut entry) = serde_json::from_str::<Value>(&row.json) else { return false };
            if let Some(bbox) = bbox {
                let point = ["location", "area"].iter().find_map(|key| {
                    let object = entry.get(key)?;
                    Some((object.get("lat")?.as_f64()?, object.get("lon")?.as_f64()?))
                });
                if !point.is_some_and(|(lat, lon)| coarsening.in_bbox(lat, lon, bbox)) {
                    return false;
                }
            }
            if coarsening.entry(&mut entry) {
                row.json = entry.to_string();
            }
            true
        });
    }

    /// Marks a JSON answer as coarsened, with the grid's size, so that a
    /// reader never takes its coordinates for the sources'.
    pub(crate) fn mark(&self, body: &mut Value) {
        if let (Some(coarsening), Some(object)) = (self.coarsening(), body.as_object_mut()) {
            object.insert("coarsened_km".into(), coarsening.grid.km().into());
        }
    }
}
