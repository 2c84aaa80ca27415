//! The promises every writer of the workspace makes, on a real filesystem.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};

#[test]
fn a_symlink_stays_a_link_and_its_target_gets_the_content() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("real")).unwrap();
    fs::write(d.path().join("real/s.yaml"), "old\n").unwrap();
    symlink("real/s.yaml", d.path().join("link.yaml")).unwrap();
    symlink("link.yaml", d.path().join("link2.yaml")).unwrap();

    platform_fs::write(&d.path().join("link2.yaml"), b"new\n", 0o644).unwrap();

    assert!(fs::symlink_metadata(d.path().join("link.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::symlink_metadata(d.path().join("link2.yaml"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        fs::read_to_string(d.path().join("real/s.yaml")).unwrap(),
        "new\n"
    );
    // No temp file is left, beside the link or beside the target.
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 3);
    assert_eq!(fs::read_dir(d.path().join("real")).unwrap().count(), 1);
}

#[test]
fn a_dangling_link_creates_the_file_it_names() {
    let d = tempfile::tempdir().unwrap();
    symlink("made.txt", d.path().join("link")).unwrap();
    platform_fs::write(&d.path().join("link"), b"x", 0o600).unwrap();
    assert_eq!(fs::read(d.path().join("made.txt")).unwrap(), b"x");
    let mode = fs::metadata(d.path().join("made.txt")).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn the_mode_of_an_existing_file_is_kept_and_a_new_file_gets_the_given_one() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("kubeconfig");
    fs::write(&f, "a").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
    platform_fs::write(&f, b"b", 0o600).unwrap();
    assert_eq!(fs::metadata(&f).unwrap().mode() & 0o777, 0o640);
    let g = d.path().join("new.tf");
    platform_fs::write(&g, b"b", 0o644).unwrap();
    assert_eq!(fs::metadata(&g).unwrap().mode() & 0o777, 0o644);
}

#[test]
fn create_new_never_replaces_a_file() {
    let d = tempfile::tempdir().unwrap();
    let key = d.path().join("keys.txt");
    platform_fs::create_new(&key, b"first", 0o600).unwrap();
    let again = platform_fs::create_new(&key, b"second", 0o600).unwrap_err();
    assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(fs::read(&key).unwrap(), b"first");
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
}

#[test]
fn temp_files_are_named_for_their_target_and_swept_under_the_lock() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("main.tf");
    fs::write(&f, "a").unwrap();
    let orphan = d.path().join(".main.tf.tmp-abc123");
    fs::write(&orphan, "half").unwrap();
    let unrelated = d.path().join(".other.tf.tmp-abc123");
    fs::write(&unrelated, "someone else's").unwrap();
    // Taking the lock sweeps: whoever wrote the orphan would hold the lock if it were alive.
    let lock = platform_fs::Lock::exclusive(&f, "test").unwrap();
    assert_eq!(lock.target(), f);
    assert!(!orphan.exists());
    assert!(unrelated.exists());
}

/// A writer without a lock (fmt) sweeps a temp file of its target only when it is too old to
/// belong to a live writer.
#[test]
fn a_write_sweeps_stale_temp_files_of_its_target() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("main.tf");
    fs::write(&f, "a").unwrap();
    let (stale, fresh) = (
        d.path().join(".main.tf.tmp-old111"),
        d.path().join(".main.tf.tmp-new222"),
    );
    fs::write(&stale, "killed an hour ago").unwrap();
    fs::write(&fresh, "being written now").unwrap();
    let touched = std::process::Command::new("touch")
        .args(["-d", "1 hour ago"])
        .arg(&stale)
        .status()
        .unwrap();
    assert!(touched.success());
    platform_fs::write(&f, b"b", 0o644).unwrap();
    assert!(!stale.exists());
    assert!(fresh.exists());
}

#[test]
fn a_link_loop_is_an_error_not_a_hang() {
    let d = tempfile::tempdir().unwrap();
    symlink("b", d.path().join("a")).unwrap();
    symlink("a", d.path().join("b")).unwrap();
    assert!(platform_fs::write(&d.path().join("a"), b"x", 0o644).is_err());
}

#[test]
fn a_lock_on_the_file_follows_it_across_a_replace() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("s.yaml");
    fs::write(&f, "0").unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let f = f.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    let _lock = platform_fs::Lock::on_file(&f).unwrap();
                    let n: u32 = fs::read_to_string(&f).unwrap().parse().unwrap();
                    platform_fs::write(&f, (n + 1).to_string().as_bytes(), 0o644).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Every read-modify-write saw the one before it: nothing lost, nothing left beside the file.
    assert_eq!(fs::read_to_string(&f).unwrap(), "200");
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
}

/// A rename would give one name the new content and leave the other names with the old: a file
/// with other hard links is refused, and nothing changes.
#[test]
fn a_file_with_other_hard_links_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a.tfvars"), d.path().join("b.tfvars"));
    fs::write(&a, "old\n").unwrap();
    fs::hard_link(&a, &b).unwrap();
    let e = platform_fs::write(&a, b"new\n", 0o644).unwrap_err();
    assert!(e.to_string().contains("2 hard links"), "{e}");
    assert!(e.to_string().contains(&*a.display().to_string()), "{e}");
    assert_eq!(fs::read_to_string(&a).unwrap(), "old\n");
    assert_eq!(fs::metadata(&a).unwrap().nlink(), 2);
    assert_eq!(
        fs::read_dir(d.path()).unwrap().count(),
        2,
        "no temp file left"
    );
}

/// Root writing a user's file (`sudo kubectl vteam use`) leaves it the user's: owner and group
/// are kept, so the user is not locked out of their own kubeconfig.
#[test]
fn root_writing_a_users_file_keeps_it_the_users() {
    if !nix_is_root() {
        // Not a missing peer: a user cannot make a file another user's to try it.
        eprintln!("SKIPPED root_writing_a_users_file_keeps_it_the_users: not running as root");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("config");
    fs::write(&f, "old\n").unwrap();
    fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::chown(&f, Some(65534), Some(65534)).unwrap();
    platform_fs::write(&f, b"new\n", 0o644).unwrap();
    let m = fs::metadata(&f).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o777), (65534, 65534, 0o600));
    assert_eq!(fs::read_to_string(&f).unwrap(), "new\n");
}

fn nix_is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}
