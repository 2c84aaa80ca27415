//! tofu-envs integration tests: the command (the formatter's own tests are hcl-format's).

mod support;

mod cli;
mod engine;
mod envs;
mod envs_precedence;
mod fmt_files;
mod import_atlantis;
mod lifecycle;
mod run;
