//! Fault injection with real faults, not mocks: the server's data
//! directory is a tmpfs of its own, which is filled up while the server
//! runs, or made read-only before it starts; or a FUSE file system
//! (`faultfs.py`) whose fsync fails with EIO on demand. It has 512 MiB: the journal
//! preallocates segments of 32 MiB, a restarted or recovered writer starts
//! one of its own, and the old ones go only once written out, so that a
//! few may be there at once. While the fault lasts the server refuses
//! entries with 503 and a problem that names the cause, logs a line that
//! names it, and keeps serving reads; once the fault is cleared it takes
//! entries again by itself; and every entry it acknowledged is in the log,
//! before and after a restart.
//!
//! Mounting needs root (CAP_SYS_ADMIN), as `scripts/test` runs, and
//! Debian's python3-fuse, which `scripts/setup test` installs.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Serve, get, post, register_monitor, sign, truce};
use serde_json::{Value, json};
use truce_note::SigningKey;

/// A tmpfs mounted for the test; unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size_mib: u32) -> Tmpfs {
        std::fs::create_dir_all(at).expect("the mount point");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mib}m"), "tmpfs"])
            .arg(at)
            .status()
            .expect("mount runs");
        assert!(
            mounted.success(),
            "mounting a tmpfs failed: these tests need root (CAP_SYS_ADMIN), as scripts/test has"
        );
        Tmpfs(at.to_owned())
    }

    /// Makes it read-only for every file opened from now on, with a
    /// read-only bind mount over it (a tmpfs with files open for writing
    /// cannot itself be remounted read-only).
    fn read_only(&self) {
        run(Command::new("mount").arg("--bind").arg(&self.0).arg(&self.0));
        run(Command::new("mount").args(["-o", "remount,bind,ro"]).arg(&self.0));
    }

    /// Makes the bind mount writable again, for the files the server
    /// opened meanwhile too.
    fn writable(&self) {
        run(Command::new("mount").args(["-o", "remount,bind,rw"]).arg(&self.0));
    }
}

fn run(command: &mut Command) {
    let status = command.status().expect("runs");
    assert!(status.success(), "{command:?}");
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // The tmpfs, and a bind mount over it if a test failed with one.
        for _ in 0..2 {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// The fault-injecting file system (`faultfs.py`, FUSE) mounted for the
/// test over a backing directory: fsync fails with EIO while the control
/// file exists. Unmounted when dropped.
struct FaultFs {
    at: PathBuf,
    control: PathBuf,
    process: std::process::Child,
}

impl FaultFs {
    fn mount(at: &Path) -> FaultFs {
        let (backing, control) = (at.with_extension("backing"), at.with_extension("fsync-fails"));
        std::fs::create_dir_all(at).expect("the mount point");
        std::fs::create_dir_all(&backing).expect("the backing directory");
        let options = format!("root={},control={}", backing.display(), control.display());
        let process = Command::new("/usr/bin/python3")
            .arg("tests/faultfs.py")
            .arg(at)
            .args(["-o", &options, "-f"])
            .spawn()
            .expect("faultfs.py starts (apt-get install python3-fuse)");
        let mounts = || std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !mounts().contains(&at.display().to_string()) {
            assert!(Instant::now() < deadline, "faultfs.py did not mount {}", at.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        FaultFs { at: at.to_owned(), control, process }
    }

    /// Makes every fsync fail, or work again.
    fn fail_fsync(&self, fail: bool) {
        if fail {
            std::fs::write(&self.control, b"").expect("the control file");
        } else {
            std::fs::remove_file(&self.control).expect("the control file");
        }
    }
}

impl Drop for FaultFs {
    fn drop(&mut self) {
        let _ = Command::new("fusermount").args(["-u", "-z"]).arg(&self.at).status();
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A server over a data directory on a file system of its own (`M`), with
/// a registered monitor, and what it acknowledged.
struct Faulty<M> {
    dir: tempfile::TempDir,
    mount: M,
    server: Serve,
    monitor: SigningKey,
    /// (index, bytes) of every entry the server acknowledged.
    acknowledged: Vec<(u64, Vec<u8>)>,
    next: usize,
}

impl<M> Faulty<M> {
    /// Mounts a file system with `mount` at the data directory, makes a
    /// log there and serves it.
    fn start(origin: &str, mount: impl FnOnce(&Path) -> M) -> Faulty<M> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mount = mount(&dir.path().join("data"));
        let init = truce(dir.path(), &["init", "--data", "data", "--origin", origin], b"");
        assert!(init.status.success(), "{}", common::text(&init.stderr));
        let server = Serve::start(dir.path(), &["--data", "data"]);
        let monitor = register_monitor(&server.url, &dir.path().join("data"), "omm-1");
        Faulty { dir, mount, server, monitor, acknowledged: Vec::new(), next: 0 }
    }

    /// Submits a new report; records it if it was acknowledged.
    fn submit(&mut self) -> (u16, Value) {
        self.next += 1;
        let mut report = common::report_fixture();
        report["id"] = json!(format!("fault-{}", self.next));
        let note = sign(&report, &self.monitor);
        let (status, body) = post(&self.server.url, &note);
        if status == 201 {
            let index = body["index"].as_u64().expect("an index");
            self.acknowledged.push((index, note));
        }
        (status, body)
    }

    /// Submits until one is refused; returns that refusal's problem.
    fn submit_until_refused(&mut self) -> Value {
        for _ in 0..50 {
            match self.submit() {
                (201, _) => continue,
                (503, problem) => return problem,
                (status, body) => panic!("expected 201 or 503, got {status}: {body}"),
            }
        }
        panic!("50 entries taken while the fault lasts");
    }

    /// Submits every quarter of a second until one is taken again.
    fn submit_until_taken(&mut self) -> Duration {
        let started = Instant::now();
        loop {
            let (status, body) = self.submit();
            if status == 201 {
                return started.elapsed();
            }
            assert_eq!(status, 503, "{body}");
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "not recovered: {body}\nthe server's log:\n{}",
                self.server_log()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Once the fault that `cleared` names is gone: entries are taken
    /// again without a restart, and every acknowledged entry is there,
    /// also after a SIGKILL and a restart.
    fn recovers_with_nothing_lost(&mut self, cleared: &str) {
        let took = self.submit_until_taken();
        eprintln!("taking entries again {took:?} after {cleared}");
        self.check_acknowledged();
        self.server.kill();
        self.server.restart();
        self.check_acknowledged();
        let (status, body) = self.submit();
        assert_eq!(status, 201, "after a restart: {body}\n{}", self.server_log());
    }

    /// The server's log has a line that names `cause`.
    fn assert_logged(&self, cause: &str) {
        let log = self.server_log();
        assert!(log.contains(cause), "no log line names {cause:?}:\n{log}");
    }

    /// What the server wrote to its log so far.
    fn server_log(&self) -> String {
        let port = self.server.url.rsplit(':').next().expect("a port");
        std::fs::read_to_string(self.dir.path().join(format!("serve-{port}.log")))
            .unwrap_or_default()
    }

    /// Every acknowledged entry is served as it was sent.
    fn check_acknowledged(&self) {
        for (index, note) in &self.acknowledged {
            let (status, body) = get(&format!("{}/v1/entries/{index}/note", self.server.url));
            assert_eq!(status, 200, "entry {index}: {body}");
            assert_eq!(body.as_bytes(), note.as_slice(), "entry {index}");
        }
    }
}

/// The refusal is a 503 problem whose detail names `cause`.
fn assert_refused_for(problem: &Value, cause: &str) {
    assert_eq!(problem["type"], json!("https://truce.dev/problems/unavailable"), "{problem}");
    assert_eq!(problem["status"], json!(503), "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(cause), "the refusal does not say {cause:?}: {problem}");
}

#[test]
fn a_full_disk_is_refused_by_name_and_recovered_from_with_nothing_lost() {
    let mut faulty = Faulty::start("full.faults.example/log", |at| Tmpfs::mount(at, 512));
    for _ in 0..20 {
        assert_eq!(faulty.submit().0, 201);
    }

    // Fill the file system, to its last block.
    let filler = faulty.mount.0.join("filler");
    let mut file = std::fs::File::create(&filler).expect("the filler");
    let block = vec![0u8; 64 << 10];
    while file.write_all(&block).is_ok() {}
    let byte = [0u8; 1];
    while file.write_all(&byte).is_ok() {}
    drop(file);

    let problem = faulty.submit_until_refused();
    assert_refused_for(&problem, "the disk is full");
    // Refused again, for the same reason, while the disk stays full.
    std::thread::sleep(Duration::from_millis(500));
    let (status, problem) = faulty.submit();
    assert_eq!(status, 503, "{problem}");
    assert_refused_for(&problem, "the disk is full");
    faulty.assert_logged("the disk is full");
    // Reads go on.
    assert_eq!(get(&format!("{}/checkpoint", faulty.server.url)).0, 200);
    faulty.check_acknowledged();

    std::fs::remove_file(&filler).expect("removes the filler");
    faulty.recovers_with_nothing_lost("the disk had room");
}

#[test]
fn a_read_only_data_directory_is_refused_by_name_and_recovered_from_with_nothing_lost() {
    let mut faulty = Faulty::start("read-only.faults.example/log", |at| Tmpfs::mount(at, 512));
    for _ in 0..20 {
        assert_eq!(faulty.submit().0, 201);
    }

    // Killed, the server starts again over a data directory it cannot
    // write: it serves the checkpoint the storage has (the entries
    // acknowledged since are in the journal, which only a writer replays),
    // and refuses entries, saying why.
    faulty.server.kill();
    faulty.mount.read_only();
    faulty.server.restart();
    assert_eq!(get(&format!("{}/checkpoint", faulty.server.url)).0, 200);
    let problem = faulty.submit_until_refused();
    assert_refused_for(&problem, "the storage is read-only");
    faulty.assert_logged("the storage is read-only");

    faulty.mount.writable();
    faulty.recovers_with_nothing_lost("the storage was writable");
}

#[test]
fn a_log_restored_without_its_index_onto_a_read_only_disk_is_served_until_it_can_be_indexed() {
    let mut faulty = Faulty::start("no-index.faults.example/log", |at| Tmpfs::mount(at, 512));
    for _ in 0..5 {
        assert_eq!(faulty.submit().0, 201);
    }

    // The data directory comes back without its query index, on a disk
    // the server cannot write: it cannot build the index, and nobody else
    // will. It serves the log the storage holds, refuses what needs the
    // index or a writer, and says why.
    faulty.server.kill();
    for name in ["index.sqlite", "index.sqlite-wal", "index.sqlite-shm"] {
        let _ = std::fs::remove_file(faulty.mount.0.join(name));
    }
    faulty.mount.read_only();
    faulty.server.restart();
    let (status, checkpoint) = get(&format!("{}/checkpoint", faulty.server.url));
    assert_eq!(status, 200, "{checkpoint}");
    let (status, reports) = get(&format!("{}/v1/reports", faulty.server.url));
    assert_eq!(status, 503, "{reports}");
    let problem = faulty.submit_until_refused();
    assert_refused_for(&problem, "the storage is read-only");
    faulty.assert_logged("the storage is read-only");

    faulty.mount.writable();
    faulty.recovers_with_nothing_lost("the storage was writable");
    let (status, reports) = get(&format!("{}/v1/reports", faulty.server.url));
    assert_eq!(status, 200, "{reports}");
}

#[test]
fn failing_fsyncs_are_refused_by_name_and_recovered_from_with_nothing_lost() {
    let mut faulty = Faulty::start("fsync.faults.example/log", FaultFs::mount);
    for _ in 0..20 {
        assert_eq!(faulty.submit().0, 201);
    }

    // Every fsync fails with EIO: nothing is acknowledged whose record was
    // not made durable.
    faulty.mount.fail_fsync(true);
    let problem = faulty.submit_until_refused();
    assert_refused_for(&problem, "the storage reports I/O errors");
    let (status, problem) = faulty.submit();
    assert_eq!(status, 503, "{problem}");
    faulty.assert_logged("Input/output error");
    faulty.check_acknowledged();

    faulty.mount.fail_fsync(false);
    faulty.recovers_with_nothing_lost("fsync worked again");
}
