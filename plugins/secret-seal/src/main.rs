//! `secret-seal`: SOPS-compatible encryption with age keys.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
