//! `kubectl-vteam`: kubectl runs it for `kubectl vteam ...`.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
