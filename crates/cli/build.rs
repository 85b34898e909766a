//! Embeds the sample scenario (`scenario/` at the root of the repository)
//! in the binary, so that `truce demo` runs from anywhere.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let scenario = manifest_dir.join("../../scenario");
    println!("cargo:rerun-if-changed={}", scenario.display());
    let mut paths = Vec::new();
    files(&scenario, &mut paths);
    let mut code = String::from("/// The files of the sample scenario: (path, contents).\n");
    code.push_str("pub static SCENARIO: &[(&str, &str)] = &[\n");
    for path in &paths {
        println!("cargo:rerun-if-changed={}", path.display());
        let relative = path.strip_prefix(&scenario).expect("under scenario/");
        let _ = writeln!(
            code,
            "    ({:?}, include_str!({:?})),",
            relative.to_string_lossy(),
            path.canonicalize().expect("exists").to_string_lossy()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("scenario.rs");
    std::fs::write(out, code).expect("writes scenario.rs");
}
