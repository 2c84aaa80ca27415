//! `tofu-envs`: environments for OpenTofu/terragrunt stacks, and `tofu fmt`-identical formatting.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
