//! tofu-envs integration tests: the formatter against terraform's output, and the command.

mod support;

mod cli;
mod differential;
mod envs;
mod envs_precedence;
mod golden;
mod properties;
mod run;
