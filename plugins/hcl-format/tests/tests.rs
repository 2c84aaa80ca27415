//! hcl-format's tests: golden files made by `terraform fmt`, a differential test against a live
//! engine, and properties (never panics, idempotent, whitespace only).

mod support;

mod differential;
mod golden;
mod properties;
