//! `tofu-envs fmt`: `tofu fmt`'s command line (`-check`, `-diff`, `-list`, `-write`, `-recursive`,
//! `-` for stdin) over the formatter, choosing the files tofu chooses; with `-terragrunt`,
//! `terragrunt hcl fmt`'s files (every `.hcl` below the paths) in terragrunt mode instead.
//! Files are formatted in parallel; output order is the walk order, as tofu's.

use std::io::Write;
use std::path::{Path, PathBuf};

use hcl_format::{self, Mode};

/// Exit codes as tofu's: 0 ok, 2 errors, 3 `-check` found files to format.
pub const EXIT_CHECK_FAILED: i32 = 3;

#[derive(Debug, Clone)]
pub struct Options {
    pub list: bool,
    pub write: bool,
    pub diff: bool,
    pub check: bool,
    pub recursive: bool,
    /// terragrunt's files and rules (no terraform rewrites), as `terragrunt hcl fmt`.
    pub terragrunt: bool,
    pub paths: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            list: true,
            write: true,
            diff: false,
            check: false,
            recursive: false,
            terragrunt: false,
            paths: Vec::new(),
        }
    }
}

/// A `fmt` command line tofu would refuse, in tofu's words.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    #[error("invalid boolean value {value:?} for -{flag}")]
    NotABool { flag: String, value: String },
    #[error("flag provided but not defined: -{0}")]
    Undefined(String),
}

fn parse_bool(flag: &str, v: &str) -> Result<bool, ArgError> {
    match v {
        "true" | "1" | "t" | "T" | "TRUE" | "True" => Ok(true),
        "false" | "0" | "f" | "F" | "FALSE" | "False" => Ok(false),
        _ => Err(ArgError::NotABool {
            flag: flag.into(),
            value: v.into(),
        }),
    }
}

/// Parses tofu's flag syntax: `-flag`, `--flag`, `-flag=value`; flags end at the first path.
pub fn parse_args(args: &[String]) -> Result<Options, ArgError> {
    let mut o = Options::default();
    let mut rest = args.iter();
    for arg in rest.by_ref() {
        if arg == "--" {
            break;
        }
        if arg == "-" || !arg.starts_with('-') {
            o.paths.push(arg.clone());
            break;
        }
        let flag = arg.trim_start_matches('-');
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (flag, None),
        };
        let b = |v: Option<&str>| v.map_or(Ok(true), |v| parse_bool(name, v));
        match name {
            "list" => o.list = b(value)?,
            "write" => o.write = b(value)?,
            "diff" => o.diff = b(value)?,
            "check" => o.check = b(value)?,
            "recursive" => o.recursive = b(value)?,
            "terragrunt" => o.terragrunt = b(value)?,
            "no-color" => {}
            _ => return Err(ArgError::Undefined(name.into())),
        }
    }
    o.paths.extend(rest.cloned());
    Ok(o)
}

pub const USAGE: &str = "\
Usage: tofu-envs fmt [options] [target...]

  Rewrites OpenTofu configuration files (.tf .tofu .tfvars .tftest.hcl .tofutest.hcl and the
  mock files) to the canonical format and style, byte-identical to `tofu fmt`. With no target,
  the current directory; `-` reads standard input. With -terragrunt, terragrunt's .hcl files
  instead, as `terragrunt hcl fmt` formats them (directories recursively).

Options:
  -list=false    Don't list files whose formatting differs
  -write=false   Don't write to source files (always disabled with -check or standard input)
  -diff          Display diffs of formatting changes
  -check         Check if the input is formatted; exit status 3 if not
  -recursive     Also process files in subdirectories
  -terragrunt    terragrunt's .hcl files and rules instead of tofu's
";

/// Names tofu ignores while walking (`configs.IsIgnoredFile`), which also skips `.terraform`,
/// `.terragrunt-cache` and `.git`.
fn ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

/// The mode a file gets, if this run formats it: tofu's files, or with `-terragrunt` every
/// `.hcl` file (terragrunt's walk takes them all).
fn chosen(path: &Path, terragrunt: bool) -> Option<Mode> {
    if terragrunt {
        path.extension()
            .is_some_and(|e| e == "hcl")
            .then_some(Mode::Terragrunt)
    } else {
        Mode::for_path(path).filter(|m| *m == Mode::Tofu)
    }
}

fn walk(
    dir: &Path,
    recursive: bool,
    terragrunt: bool,
    out: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if ignored(&name) {
            continue;
        }
        let path = e.path();
        if e.file_type()?.is_dir() {
            if recursive {
                walk(&path, recursive, terragrunt, out)?;
            }
        } else if chosen(&path, terragrunt).is_some() {
            out.push(path);
        }
    }
    Ok(())
}

/// What happened to one file.
pub enum Outcome {
    Unchanged,
    Changed {
        original: String,
        formatted: String,
    },
    /// tofu would rewrite the file into something that means something else or does not
    /// parse: reported as tofu reports it, never written.
    Lossy(Vec<hcl_format::Lossy>),
    Invalid(String),
}

pub fn format_file(path: &Path, mode: Mode) -> Outcome {
    let original = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Outcome::Invalid(format!("{}: cannot read: {e}", path.display())),
    };
    let Ok(text) = String::from_utf8(original) else {
        return Outcome::Invalid(format!("{}: the file is not valid UTF-8", path.display()));
    };
    match hcl_format::format_file_report(&text, mode) {
        Ok(f) if !f.lossy.is_empty() => Outcome::Lossy(f.lossy),
        Ok(f) if f.text == text => Outcome::Unchanged,
        Ok(f) => Outcome::Changed {
            original: text,
            formatted: f.text,
        },
        Err(e) => Outcome::Invalid(format!("{}:{e}", path.display())),
    }
}

/// Formats files on all cores; results come back in input order.
pub fn format_all(files: &[(PathBuf, Mode)]) -> Vec<Outcome> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Outcome>> = (0..files.len()).map(|_| None).collect();
    let slots: Vec<std::sync::Mutex<&mut Option<Outcome>>> =
        results.iter_mut().map(std::sync::Mutex::new).collect();
    std::thread::scope(|s| {
        for _ in 0..workers {
            // The main thread's stack (8 MiB), not a spawned thread's 2 MiB: the parser
            // recurses up to hcl_format's nesting limit.
            let worker = std::thread::Builder::new().stack_size(8 << 20);
            worker
                .spawn_scoped(s, || loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((path, mode)) = files.get(i) else {
                        break;
                    };
                    let outcome = format_file(path, *mode);
                    **slots[i].lock().expect("not poisoned") = Some(outcome);
                })
                .expect("a formatting thread starts");
        }
    });
    drop(slots);
    results
        .into_iter()
        .map(|r| r.expect("every file formatted"))
        .collect()
}

/// The path as tofu prints it: relative to the working directory where possible, cleaned
/// (Go's `filepath.Join(".", "main.tf")` is `main.tf`).
fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = cwd
        .as_deref()
        .and_then(|c| path.strip_prefix(c).ok())
        .unwrap_or(path);
    let shown = shown.strip_prefix(".").unwrap_or(shown);
    shown.display().to_string()
}

fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}

pub fn run(
    mut o: Options,
    stdin: &mut dyn std::io::Read,
    real_out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if o.check {
        o.write = false;
    }
    if o.paths.len() == 1 && o.paths[0] == "-" {
        return run_stdin(&o, stdin, real_out, err);
    }
    if o.paths.is_empty() {
        o.paths.push(".".into());
    }
    let mut files = Vec::new();
    let mut status = 0;
    for p in &o.paths {
        let path = PathBuf::from(p);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                // terragrunt hcl fmt always descends; tofu fmt only with -recursive.
                let recursive = o.recursive || o.terragrunt;
                if let Err(e) = walk(&path, recursive, o.terragrunt, &mut found) {
                    let _ = writeln!(err, "Error: cannot read directory {}: {e}", path.display());
                    status = 2;
                }
                files.extend(found.into_iter().map(|f| {
                    let mode = chosen(&f, o.terragrunt).expect("walk keeps chosen files");
                    (f, mode)
                }));
            }
            Ok(_) => match chosen(&path, o.terragrunt) {
                Some(mode) => files.push((path, mode)),
                None if o.terragrunt => {
                    let _ = writeln!(err, "Error: {p}: only .hcl files can be processed with tofu-envs fmt -terragrunt");
                    status = 2;
                }
                None => {
                    let _ = writeln!(err, "Error: {p}: only .tf, .tofu, .tfvars, .tftest.hcl and .tofutest.hcl files (and mocks) can be processed with tofu-envs fmt; for terragrunt's .hcl files add -terragrunt");
                    status = 2;
                }
            },
            Err(e) => {
                let _ = writeln!(err, "Error: no file or directory at {p}: {e}");
                status = 2;
            }
        }
    }
    let mut changed = false;
    // With -check, tofu prints nothing but the errors when any file cannot be parsed: what it
    // would list is held back until every file is read.
    let mut held: Vec<u8> = Vec::new();
    let out: &mut dyn Write = if o.check { &mut held } else { &mut *real_out };
    for ((path, _), outcome) in files.iter().zip(format_all(&files)) {
        let name = display(path);
        match outcome {
            Outcome::Unchanged => {
                if !o.list && !o.write && !o.diff {
                    let _ = out.write_all(std::fs::read(path).unwrap_or_default().as_slice());
                }
            }
            Outcome::Changed {
                original,
                formatted,
            } => {
                changed = true;
                if o.list {
                    let _ = writeln!(out, "{name}");
                }
                if o.write {
                    if let Err(e) = platform_fs::write(path, formatted.as_bytes(), 0o644) {
                        let _ = writeln!(err, "Error: {e}");
                        status = 2;
                    }
                }
                if o.diff {
                    let _ = write!(
                        out,
                        "{}",
                        unified_diff(&name.replace('\\', "/"), &original, &formatted)
                    );
                }
                if !o.list && !o.write && !o.diff {
                    let _ = out.write_all(formatted.as_bytes());
                }
            }
            Outcome::Lossy(places) => {
                // As tofu: the file is not formatted (listed, -check fails). Unlike tofu:
                // nothing is written, and an attempt to write it is an error.
                changed = true;
                if o.list {
                    let _ = writeln!(out, "{name}");
                }
                let refused = o.write || (!o.list && !o.diff);
                for l in places {
                    let place = format!("{name}:{}:{}: {}", l.line, l.column, l.message);
                    if refused {
                        let _ = writeln!(err, "Error: {place}; the file is left as it is");
                        status = 2;
                    } else {
                        let _ = writeln!(err, "Warning: {place}");
                    }
                }
            }
            Outcome::Invalid(message) => {
                let _ = writeln!(err, "Error: {message}");
                status = 2;
            }
        }
    }
    if status != 0 {
        return status;
    }
    if o.check {
        let _ = real_out.write_all(&held);
    }
    if o.check && changed {
        EXIT_CHECK_FAILED
    } else {
        0
    }
}

fn run_stdin(
    o: &Options,
    stdin: &mut dyn std::io::Read,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let mut src = String::new();
    if let Err(e) = stdin.read_to_string(&mut src) {
        let _ = writeln!(err, "Error: cannot read standard input: {e}");
        return 2;
    }
    let mode = if o.terragrunt {
        Mode::Terragrunt
    } else {
        Mode::Tofu
    };
    match hcl_format::format_file_report(&src, mode) {
        Ok(f) if !f.lossy.is_empty() => {
            let checking = o.check || o.diff;
            for l in &f.lossy {
                let level = if checking { "Warning" } else { "Error" };
                let _ = writeln!(
                    err,
                    "{level}: <stdin>:{}:{}: {}",
                    l.line, l.column, l.message
                );
            }
            if checking {
                EXIT_CHECK_FAILED
            } else {
                2
            }
        }
        Ok(f) => {
            let formatted = f.printed();
            let changed = formatted != src;
            if o.diff && changed {
                let _ = write!(out, "{}", unified_diff("<stdin>", &src, &formatted));
            }
            if !o.check && !o.diff {
                let _ = out.write_all(formatted.as_bytes());
            }
            if o.check && changed {
                EXIT_CHECK_FAILED
            } else {
                0
            }
        }
        Err(e) => {
            let _ = writeln!(err, "Error: <stdin>:{e}");
            2
        }
    }
}
