//! tofu-envs integration tests: the formatter against terraform's output, and the command.

mod support;

mod cli;
mod differential;
mod golden;
mod properties;
