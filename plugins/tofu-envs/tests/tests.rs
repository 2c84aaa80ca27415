//! tofu-envs integration tests: the command (the formatter's own tests are hcl-format's).

mod support;

mod cli;
mod envs;
mod envs_precedence;
mod fmt_files;
mod run;
