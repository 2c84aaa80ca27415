//! `tofu-envs`: environments for OpenTofu/terragrunt stacks, and `tofu fmt`-identical formatting.

use std::io::Write;

const USAGE: &str = "\
Usage: tofu-envs <command> [args]

Commands:
  fmt    Format OpenTofu and terragrunt files exactly as `tofu fmt` / `terragrunt hcl fmt`

Run `tofu-envs fmt -help` for the formatter's options.
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some("fmt") => fmt(&args[1..]),
        Some("-h" | "-help" | "--help" | "help") | None => {
            print!("{USAGE}");
            if args.is_empty() {
                2
            } else {
                0
            }
        }
        Some("-version" | "--version" | "version") => {
            println!("tofu-envs {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Some(other) => {
            eprintln!("tofu-envs: unknown command {other:?}\n\n{USAGE}");
            2
        }
    };
    std::process::exit(code);
}

fn fmt(args: &[String]) -> i32 {
    // tofu's flags are single-dash Go flags (`-check`, `-write=false`), so they are parsed here
    // rather than by clap, to accept exactly what a tofu user types.
    if args
        .iter()
        .any(|a| matches!(a.as_str(), "-h" | "-help" | "--help"))
    {
        print!("{}", tofu_envs::fmt::USAGE);
        return 0;
    }
    let opts = match tofu_envs::fmt::parse_args(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tofu-envs fmt: {e}\n\n{}", tofu_envs::fmt::USAGE);
            return 2;
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let code = tofu_envs::fmt::run(
        opts,
        &mut std::io::stdin().lock(),
        &mut out,
        &mut std::io::stderr(),
    );
    let _ = out.flush();
    code
}
